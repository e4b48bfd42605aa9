/**
 * What the webhook server and the workers report as they go, so that metrics (prom-client) and logs
 * can follow them without either side knowing about the other. Every method is optional to call
 * and must never throw.
 */

/** What became of one webhook delivery. */
export type WebhookOutcome =
  | "queued"
  | "duplicate"
  | "ignored"
  | "unauthorized"
  | "invalid"
  | "rate_limited"
  | "unavailable";

/** What became of one customer message. */
export type TurnOutcome = "replied" | "handed_off" | "silent" | "retry";

export interface TurnReport {
  companyId: string;
  outcome: TurnOutcome;
  /** From dequeue to reply posted (ms). */
  durationMs: number;
  /** From the webhook accepting it to reply posted (ms). */
  ageMs: number;
  agent: string | null;
  /** The tool calls of the turn: `tool.action` and whether it succeeded. */
  toolOutcomes: { tool: string; action: string; ok: boolean }[];
  /** Compensations run in this turn. */
  compensations: number;
  sagaStatus: string | null;
}

export interface ServiceObserver {
  webhook(companyId: string | null, outcome: WebhookOutcome, reason?: string): void;
  turn(report: TurnReport): void;
}

/** An observer that ignores everything. */
export const NO_OBSERVER: ServiceObserver = {
  webhook: () => undefined,
  turn: () => undefined,
};
