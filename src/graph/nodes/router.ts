import type { RunnableConfig } from "@langchain/core/runnables";
import { agentInput } from "../agent-tools.js";
import type { DepsRef, GraphDeps } from "../deps.js";
import type { GraphStateType, GraphUpdate } from "../state.js";

/** Who the conversation is (tenant, customer, conversation), as the run's state carries it. */
export type Identity = Pick<GraphStateType, "companyId" | "userId" | "conversationId">;

/**
 * Fills what the input left out of the identity from the run's config (Studio sends only messages).
 * Returns only the fields it sets; throws for an identity the graph cannot serve.
 */
export type IdentityFill = (
  state: Identity,
  config: RunnableConfig | undefined,
  deps: GraphDeps,
) => Partial<Identity>;

/** Picks the agent for the latest message and starts a new turn (clears the turn's tool outcomes). */
export function routerNode(ref: DepsRef, fill?: IdentityFill) {
  return async (state: GraphStateType, config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const identity = fill ? fill(state, config, deps) : {};
    const current = { ...state, ...identity };
    const decision = await deps.routerAgent.route(agentInput(current, deps, "router"));
    return {
      ...identity,
      agent: decision.agent,
      intent: decision.intent,
      locale: decision.locale,
      toolOutcomes: null,
      reply: "",
    };
  };
}
