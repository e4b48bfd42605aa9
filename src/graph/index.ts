export {
  type AgentFactory,
  type AgentFactoryOptions,
  type AgentSet,
  createAgentFactory,
} from "./agent-factory.js";
export type { ApprovalDecision, ApprovalRequest } from "./approval.js";
export type { ResolveApprovalInput } from "./approval-decision.js";
export { createCheckpointer } from "./checkpointer.js";
export type { ConverseInput, ConverseResult } from "./converse.js";
export { Conversations } from "./converse.js";
export { bookingKey, type GraphDeps, threadIdOf } from "./deps.js";
export { buildGraph, MultiAgentOrchestratorGraph, type MultiAgentOrchestratorGraphOptions } from "./graph.js";
export { type CompensationRecord, GraphState, type GraphStateType, type ToolOutcome } from "./state.js";
