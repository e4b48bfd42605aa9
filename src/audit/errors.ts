import { AgentLedgerError } from "../util/errors.js";
import type { AuditStatus } from "./types.js";

export type AuditErrorCode =
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "ILLEGAL_TRANSITION"
  | "NOT_COMPENSABLE"
  | "DUPLICATE_ID";

/**
 * Any refusal of the audit trail. `code` is stable; the message says what to do. A store outage is
 * not a refusal: it is an AuditStoreError (code STORE_UNAVAILABLE, retriable).
 */
export class AuditError extends AgentLedgerError {
  override readonly name = "AuditError";
  readonly retriable = false;
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    readonly auditId: string | null = null,
    readonly currentStatus: AuditStatus | null = null,
  ) {
    super(message);
  }
}

export function isAuditError(err: unknown, code?: AuditErrorCode): err is AuditError {
  return err instanceof AuditError && (code === undefined || err.code === code);
}

/** Wraps a store failure (Redis down, disk full) so callers can fail closed on it. */
export class AuditStoreError extends AgentLedgerError {
  override readonly name = "AuditStoreError";
  readonly code = "STORE_UNAVAILABLE";
  readonly retriable = true;
  constructor(operation: string, cause: unknown) {
    super(
      `audit store unavailable during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}
