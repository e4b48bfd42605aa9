import type { AuditManager } from "../audit/audit-manager.js";
import type { AuditEntry } from "../audit/types.js";
import type { Logger } from "../util/logger.js";
import { messageOf } from "./errors.js";
import type {
  CompensationPlan,
  ExecuteToolInput,
  TenantInfo,
  ToolContext,
  ToolDefinition,
  ToolResult,
} from "./types.js";

/** What undoing an audited call needs from the executor. */
export interface CompensationDeps {
  auditManager: AuditManager;
  tenant: TenantInfo;
  logger: Logger;
  tool(name: string): ToolDefinition | undefined;
  /** Whether the tool exists and its service is injected. */
  ready(toolName: string): boolean;
  execute(input: ExecuteToolInput, linkedAuditId: string): Promise<ToolResult>;
}

/** The stored undo of an entry: its compensation tool and the parameters completed from its result. */
export function planOf(entry: AuditEntry | null): CompensationPlan | null {
  if (!entry?.compensable || !entry.compensationAction || !entry.compensationParams) return null;
  return { toolName: entry.compensationAction, parameters: entry.compensationParams };
}

/**
 * Runs an entry's compensation as an audited call linked to it, marks the entry `compensated`, then
 * runs the tool's follow-ups. On an entry already compensated it only finishes follow-ups a crash
 * interrupted. Refuses entries that are missing, not compensable or not successful.
 */
export async function compensateEntry(
  deps: CompensationDeps,
  auditId: string,
  reason: string,
): Promise<ToolResult & { alreadyCompensated?: boolean }> {
  let entry: AuditEntry | null;
  try {
    entry = await deps.auditManager.getEntry(auditId);
  } catch (err) {
    // Fail closed and say why: an outage is not "not found", and nothing is undone blind.
    return {
      success: false,
      tool: "",
      data: null,
      auditId,
      errorCode: "AUDIT_UNAVAILABLE",
      retriable: true,
      error: `not compensated: the audit store could not be read to find entry ${auditId} (${messageOf(err)})`,
    };
  }
  const base = { tool: entry?.compensationAction ?? "", data: null, auditId };
  const refuse = (errorCode: string, error: string) => ({
    ...base,
    success: false,
    error,
    errorCode,
    retriable: false,
  });
  if (!entry) return refuse("NOT_FOUND", `audit entry ${auditId} not found`);
  const ctx: ToolContext = {
    userId: entry.userId,
    agentName: "compensation",
    conversationId: entry.conversationId,
    sagaId: entry.sagaId,
    idempotencyKey: `compensate:${auditId}`,
    tags: ["compensation"],
  };
  if (entry.status === "compensated") {
    await runFollowUps(deps, entry, ctx);
    return {
      ...base,
      success: true,
      error: null,
      retriable: false,
      alreadyCompensated: true,
      auditId: entry.compensationAuditId ?? auditId,
    };
  }
  if (!entry.compensable) {
    return refuse(
      "NOT_COMPENSABLE",
      `${entry.actionName} (${auditId}) cannot be undone: it registered no compensation`,
    );
  }
  if (entry.status !== "success") {
    return refuse(
      "ILLEGAL_STATE",
      `${entry.actionName} (${auditId}) is "${entry.status}": only successful actions are compensated`,
    );
  }
  const plan = planOf(entry);
  if (!plan) return refuse("NOT_COMPENSABLE", `${auditId} has no compensation parameters`);
  const undo = await deps.execute({ toolName: plan.toolName, parameters: plan.parameters, ...ctx }, auditId);
  if (!undo.success) return undo;
  await deps.auditManager.compensate(auditId, reason, { compensationAuditId: undo.auditId ?? undefined });
  await runFollowUps(deps, entry, ctx);
  return undo;
}

/** Runs the calls a tool asks for once it was undone (e.g. the cancellation email), each audited. */
async function runFollowUps(deps: CompensationDeps, entry: AuditEntry, ctx: ToolContext): Promise<void> {
  const tool = deps.tool(entry.actionName.split(".")[0] as string);
  const plans = tool?.afterCompensation?.(entry.inputParams, entry.result, deps.tenant) ?? [];
  for (const [i, follow] of plans.entries()) {
    if (!deps.ready(follow.toolName)) continue;
    const key = `compensate:${entry.auditId}:follow:${i}`;
    // At most once: a follow-up that succeeded, or whose outcome a crash left unknown (pending),
    // is not sent again; only one that failed outright is retried.
    let previous: AuditEntry | null;
    try {
      previous = await deps.auditManager.findByIdempotencyKey(key);
    } catch (err) {
      // Unknown whether it was sent: not sending beats sending twice; the next compensate call retries it.
      deps.logger.error("follow-up of a compensation not run: the audit store could not be read", {
        auditId: entry.auditId,
        toolName: follow.toolName,
        err: messageOf(err),
      });
      continue;
    }
    if (previous && previous.status !== "failed") continue;
    const res = await deps.execute(
      { toolName: follow.toolName, parameters: follow.parameters, ...ctx, idempotencyKey: key },
      entry.auditId,
    );
    if (!res.success) {
      deps.logger.warn("follow-up of a compensation failed", {
        auditId: entry.auditId,
        toolName: follow.toolName,
        error: res.error,
      });
    }
  }
}
