/**
 * The contract between the webhook (which only enqueues) and the workers (which run the turns).
 * Two implementations share it: `MemoryTurnQueue` (in-process, the embedded default) and the
 * BullMQ queue on Redis (production, any number of workers on any number of machines).
 *
 * Guarantees every implementation gives:
 * - `enqueue` is idempotent on (companyId, messageId) and on the delivery id: a redelivered webhook
 *   is reported as `duplicate` and runs no second turn;
 * - the messages of one conversation reach the handler one at a time, in arrival order; different
 *   conversations run in parallel;
 * - a handler that throws is retried with backoff; the last attempt is flagged `final`, so the
 *   handler can hand the conversation to a person instead of leaving the customer unanswered.
 */

/** A file the customer sent with the message (a Chatwoot attachment). */
export interface TurnAttachment {
  /** Chatwoot's `file_type`: image, audio, video, file, location, ... */
  fileType: string;
  /** Where the file can be downloaded. */
  dataUrl: string;
  extension?: string | null;
}

/** One incoming customer message, as the webhook accepted it. */
export interface IncomingTurn {
  companyId: string;
  /** Chatwoot account id (replies go to `/api/v1/accounts/{accountId}/...`). */
  accountId: number;
  /** The conversation's display id (the one in Chatwoot URLs). */
  conversationId: number;
  /** Chatwoot's message id: the turn's identity. */
  messageId: number;
  /** `X-Chatwoot-Delivery` (the same across Chatwoot's retries of one delivery), when sent. */
  deliveryId: string | null;
  /** The customer (e.g. the WhatsApp number, or `contact:<id>`). */
  userId: string;
  senderName: string | null;
  /** The message text; may be empty when the message is only attachments. */
  text: string;
  attachments: TurnAttachment[];
  /** When the webhook accepted it (ms since the epoch). */
  receivedAt: number;
}

export interface EnqueueResult {
  outcome: "queued" | "duplicate";
  /** The turn's queue key: `{companyId}:{conversationId}:{messageId}`. */
  key: string;
}

export interface AttemptInfo {
  /** 1 for the first run. */
  attempt: number;
  maxAttempts: number;
  /** This is the last attempt: a throw now ends the turn for good. */
  final: boolean;
}

/** Runs one turn; throws to have it retried. */
export type TurnHandler = (turn: IncomingTurn, info: AttemptInfo) => Promise<void>;

export interface QueueStats {
  /** Turns accepted and not started. */
  waiting: number;
  /** Turns being run now. */
  active: number;
  /** Turns waiting for a retry (or for an earlier message of their conversation). */
  delayed: number;
  /** Age of the oldest turn not yet finished (ms), null when none. */
  oldestAgeMs: number | null;
}

/** The producer side: what the webhook server needs. */
export interface TurnQueue {
  enqueue(turn: IncomingTurn): Promise<EnqueueResult>;
  stats(): Promise<QueueStats>;
  /** Throws when the queue's backing store cannot be reached (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The consumer side: runs the handler for queued turns until stopped. */
export interface TurnWorker {
  start(): Promise<void>;
  /**
   * Stops taking turns. Turns being run finish (up to `timeoutMs`); on a durable queue what did not
   * finish goes back to the queue for another worker.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** The queue key of a turn. */
export function turnKey(turn: Pick<IncomingTurn, "companyId" | "conversationId" | "messageId">): string {
  return `${turn.companyId}:${turn.conversationId}:${turn.messageId}`;
}

/** Exponential backoff with a cap: 1 s, 2 s, 4 s, ... (base `baseMs`). */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
