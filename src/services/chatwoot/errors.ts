import { AgentLedgerError, InputError } from "../../util/errors.js";
/** Stable codes of a failed Chatwoot call; `retriable` says whether trying again can help. */
export type ChatwootErrorCode =
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "INVALID_REQUEST"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "INVALID_RESPONSE"
  /** Another process is sending the message with this idempotency key right now. */
  | "IN_PROGRESS"
  /** The dedup store could not be reached, so it is unknown whether the key was sent. */
  | "DEDUP_UNAVAILABLE";

/**
 * A Chatwoot REST call that failed. `status` is the HTTP status (0 when no answer arrived).
 * The message names what went wrong and what to do; it never contains the API token.
 */
export class ChatwootApiError extends AgentLedgerError {
  override readonly name = "ChatwootApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly code: ChatwootErrorCode,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** Input that must not reach Chatwoot; the message names the field and what is expected. */
export class ChatwootInputError extends InputError {
  override readonly name = "ChatwootInputError";
}

export function isChatwootApiError(err: unknown): err is ChatwootApiError {
  return err instanceof ChatwootApiError;
}
