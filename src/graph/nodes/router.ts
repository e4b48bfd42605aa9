import type { RunnableConfig } from "@langchain/core/runnables";
import { agentInput } from "../agent-tools.js";
import type { DepsRef } from "../deps.js";
import type { GraphStateType, GraphUpdate } from "../state.js";

/** Picks the agent for the latest message and starts a new turn (clears the turn's tool outcomes). */
export function routerNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const decision = await deps.routerAgent.route(agentInput(state, deps, "router"));
    return {
      agent: decision.agent,
      intent: decision.intent,
      locale: decision.locale,
      toolOutcomes: null,
      reply: "",
    };
  };
}
