import type { BaseMessage } from "@langchain/core/messages";
import { Annotation, messagesStateReducer } from "@langchain/langgraph";
import type { AgentName, Locale, SharedContext } from "../agents/types.js";
import type { SagaStatus } from "../saga/types.js";

/** An undo the audited executor registered for an action of this conversation (mirrors the audit log). */
export interface CompensationRecord {
  /** 1, 2, 3, ... in the order the actions succeeded. */
  seq: number;
  /** The audit entry of the action; `executor.compensate(auditId)` undoes it. */
  auditId: string;
  /** The tool that undoes it, e.g. `google_calendar`. */
  tool: string;
  /** What the undo does, e.g. `delete_booking`, `close_ticket`. */
  action: string;
  params: Record<string, unknown>;
}

/** What one tool call of this turn did. */
export interface ToolOutcome {
  node: string;
  tool: string;
  action: string;
  success: boolean;
  auditId: string | null;
  /** The step's idempotency key. */
  key: string | null;
  /** Whether the action registered an undo (a rollback undoes it). */
  compensable: boolean;
  /** An earlier execution with the same key was returned instead of acting again. */
  replayed?: boolean;
  error?: string;
}

export const EMPTY_CONTEXT: SharedContext = { customer: {}, appointment: null, ticket: null };

/** `customer` is merged; `appointment` and `ticket` are replaced when present in the update. */
export function mergeSharedContext(current: SharedContext, update: Partial<SharedContext>): SharedContext {
  return {
    customer: { ...current.customer, ...(update.customer ?? {}) },
    appointment: update.appointment !== undefined ? update.appointment : current.appointment,
    ticket: update.ticket !== undefined ? update.ticket : current.ticket,
  };
}

/** Appends new undos in order, numbering them; one already listed (same audit id) is not listed twice. */
export function appendCompensations(
  current: CompensationRecord[],
  update: Omit<CompensationRecord, "seq">[],
): CompensationRecord[] {
  const out = [...current];
  for (const c of update) {
    if (out.some((o) => o.auditId === c.auditId)) continue;
    out.push({ ...c, seq: out.length + 1 });
  }
  return out;
}

const replace = <T>(fallback: () => T) =>
  Annotation<T>({ reducer: (_current: T, update: T) => update, default: fallback });

/** The graph's state: one conversation (thread `{companyId}:{conversationId}`). */
export const GraphState = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  companyId: replace<string>(() => ""),
  userId: replace<string>(() => ""),
  conversationId: replace<string>(() => ""),
  /** The router's (or the agent's finer) intent of the latest message. */
  intent: replace<string | null>(() => null),
  agent: replace<AgentName | null>(() => null),
  locale: replace<Locale>(() => "es"),
  sharedContext: Annotation<SharedContext, Partial<SharedContext>>({
    reducer: mergeSharedContext,
    default: () => EMPTY_CONTEXT,
  }),
  /** Append-only: every undo registered in this conversation. */
  compensations: Annotation<CompensationRecord[], Omit<CompensationRecord, "seq">[]>({
    reducer: appendCompensations,
    default: () => [],
  }),
  /** This turn's tool calls; `null` (written by the router) starts a new turn. */
  toolOutcomes: Annotation<ToolOutcome[], ToolOutcome[] | null>({
    reducer: (current, update) => (update === null ? [] : [...current, ...update]),
    default: () => [],
  }),
  /** The saga of the current booking flow, mirrored from the saga store. */
  sagaId: replace<string | null>(() => null),
  sagaStatus: replace<SagaStatus | null>(() => null),
  /** The answer of this turn. */
  reply: replace<string>(() => ""),
});

export type GraphStateType = typeof GraphState.State;
export type GraphUpdate = typeof GraphState.Update;
