import type { Agent, AgentName, RouterAgent } from "../agents/types.js";
import type { CompensationOrchestrator } from "../saga/orchestrator.js";
import type { ToolExecutor } from "../tools/tool-executor.js";
import type { GraphStateType } from "./state.js";

/** What the nodes act with, fixed when the graph is built. */
export interface GraphDeps {
  companyId: string;
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
  executor: ToolExecutor;
  /** When given, each confirmed booking is one durable saga the tool nodes record their steps in. */
  sagas: CompensationOrchestrator | null;
  /** Pause with `interrupt()` before each compensable action until an operator approves or rejects it. */
  requireApproval: boolean;
  clock: () => Date;
  timeZone: string;
  clinicName: string;
}

/** How nodes reach their dependencies: resolved when a node runs (Studio builds them on first use). */
export type DepsRef = () => Promise<GraphDeps>;

/** The checkpointer thread of a conversation: `{companyId}:{conversationId}`. */
export function threadIdOf(companyId: string, conversationId: string): string {
  return `${companyId}:${conversationId}`;
}

/**
 * The idempotency key of one step of the booking flow. It depends only on the thread and the
 * booking reference kept in state, so a node that runs again (resume, retry, crash) reuses it and
 * the executor returns the earlier outcome instead of acting twice.
 */
export function bookingKey(
  state: Pick<GraphStateType, "companyId" | "conversationId">,
  bookingRef: string,
  step: "book" | "confirmation-email" | "whatsapp",
): string {
  return `${threadIdOf(state.companyId, state.conversationId)}:${bookingRef}:${step}`;
}

/** The id of the customer message this turn answers (messages get ids from the reducer). */
export function turnIdOf(state: Pick<GraphStateType, "messages">): string {
  for (let i = state.messages.length - 1; i >= 0; i--) {
    const m = state.messages[i];
    if (m?.getType() === "human") return m.id ?? String(i);
  }
  return "none";
}
