import type { RunnableConfig } from "@langchain/core/runnables";
import type { AgentName } from "../../agents/types.js";
import { agentInput } from "../agent-tools.js";
import type { DepsRef } from "../deps.js";
import { say } from "../reply.js";
import type { GraphStateType, GraphUpdate } from "../state.js";

/** The node of one agent (sales_agent, schedule_agent, support_agent): runs it and keeps what it decided. */
export function agentNode(ref: DepsRef, name: AgentName) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const out = await deps.agents[name].run(agentInput(state, deps, name));
    return {
      ...say(state, out.reply),
      ...(out.sharedContext ? { sharedContext: out.sharedContext } : {}),
      ...(out.intent ? { intent: out.intent } : {}),
    };
  };
}
