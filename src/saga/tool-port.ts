import type { AuditEntry } from "../audit/types.js";
import type { CompensationPlan, ExecuteToolInput, ToolResult } from "../tools/types.js";

/**
 * What the orchestrator needs of the ToolExecutor. The executor satisfies it as it is; naming only
 * these calls keeps the saga layer independent of the tool registry.
 */
export interface SagaToolExecutor {
  readonly companyId: string;
  executeTool(input: ExecuteToolInput): Promise<ToolResult>;
  /** The durable undo stored in a successful entry, or null when the call has none. */
  compensationFor(auditId: string): Promise<CompensationPlan | null>;
  /** Runs the stored undo as its own audited entry and marks the original compensated; idempotent. */
  compensate(auditId: string, reason: string): Promise<ToolResult & { alreadyCompensated?: boolean }>;
  /** Whether the effect of a call left unfinished happened; null when the tool cannot tell. */
  reconcile(input: {
    toolName: string;
    parameters: Record<string, unknown>;
    idempotencyKey: string;
  }): Promise<{ happened: boolean; result?: unknown } | null>;
  /** After its owner stopped: whether the call an audit entry left pending took effect (null: cannot tell). */
  reconcileEntry?(
    entry: AuditEntry,
  ): Promise<
    | { happened: false }
    | { happened: true; result: unknown; compensationParams: Record<string, unknown> | null }
    | null
  >;
  /** Registry facts of a tool; used for the step's action type (booking, notification, ...). */
  getToolInfo?(name: string): { actionType: string } | null;
}

/** Whether a value is a failed ToolResult-like answer (`{ success: false }`). */
export function isFailedResult(
  value: unknown,
): value is { success: false; error?: unknown; errorCode?: unknown; retriable?: unknown } {
  return typeof value === "object" && value !== null && (value as { success?: unknown }).success === false;
}
