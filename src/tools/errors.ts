import { AgentLedgerError } from "../util/errors.js";

/** The codes the executor itself puts in `ToolResult.errorCode` (a failure's own code passes through). */
export type ToolErrorCode =
  | "UNKNOWN_TOOL"
  | "INVALID_PARAMETERS"
  | "SERVICE_NOT_CONFIGURED"
  | "AUDIT_UNAVAILABLE"
  | "ALREADY_COMPENSATED"
  | "OUTCOME_UNKNOWN"
  | "LEASE_LOST"
  | "TOOL_FAILED"
  | "NOT_COMPENSABLE"
  | "NOT_FOUND"
  | "ILLEGAL_STATE";

/** A failure a tool handler reports on purpose; `retriable` says whether a retry may help. */
export class ToolError extends AgentLedgerError {
  override readonly name = "ToolError";
  constructor(
    readonly code: ToolErrorCode | string,
    message: string,
    readonly retriable = false,
  ) {
    super(message);
  }
}

/** The stable code of any error, for `ToolResult.errorCode`. */
export function errorCodeOf(err: unknown): string {
  if (err && typeof err === "object") {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code) return code;
    const status = (err as { status?: unknown }).status;
    const http = typeof code === "number" ? code : typeof status === "number" ? status : null;
    if (http !== null) return `HTTP_${http}`;
  }
  return "TOOL_FAILED";
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
