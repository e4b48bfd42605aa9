import { AgentLedgerError } from "../util/errors.js";
export type SagaErrorCode =
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "SAGA_BUSY"
  | "ILLEGAL_STATE"
  | "LEASE_LOST"
  | "OUTCOME_UNKNOWN"
  | "NOT_CONFIGURED"
  | "STORE_UNAVAILABLE";

/** Any refusal of the saga orchestrator. `code` is stable; the message says what to do. */
export class SagaError extends AgentLedgerError {
  override readonly name = "SagaError";
  readonly retriable: boolean;
  constructor(
    readonly code: SagaErrorCode,
    message: string,
    readonly sagaId: string | null = null,
  ) {
    super(message);
    this.retriable = code === "STORE_UNAVAILABLE";
  }
}

export function isSagaError(err: unknown, code?: SagaErrorCode): err is SagaError {
  return err instanceof SagaError && (code === undefined || err.code === code);
}

/** A step's executor returned `{ success: false }`: carried as an error so retry and rollback treat it alike. */
export class StepFailedError extends AgentLedgerError {
  override readonly name = "StepFailedError";
  readonly code: string;
  readonly retriable: boolean;
  constructor(message: string, code: string | null, retriable: boolean) {
    super(message);
    this.code = code ?? "STEP_FAILED";
    this.retriable = retriable;
  }
}

/** The text of any thrown value, for stored records. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
