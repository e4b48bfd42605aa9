import type { StateSnapshot } from "@langchain/langgraph";
import type { AuditManager } from "../audit/audit-manager.js";
import { errorText } from "../saga/errors.js";
import type { ApprovalRequest } from "./approval.js";

/** An operator's answer to a turn that paused for approval (`app.resolveApproval`). */
export interface ResolveApprovalInput {
  companyId?: string;
  conversationId: string | number;
  decision: "approve" | "reject";
  /** Why, for the audit trail (the customer is not shown it). */
  reason?: string;
  /** Who decided: the audit entry's user (unset: recorded as `anonymous`). */
  operator?: string;
}

/** A checked `ResolveApprovalInput`. */
export interface ApprovalResolution {
  companyId: string;
  conversationId: string;
  decision: "approve" | "reject";
  reason: string | null;
  operator: string | null;
}

/** Validates an operator's decision, naming the field at fault. */
export function checkResolution(input: ResolveApprovalInput, defaultCompanyId: string): ApprovalResolution {
  if (!input || typeof input !== "object") throw new Error("resolveApproval: expected an options object");
  const conversationId = String(input.conversationId ?? "").trim();
  if (!conversationId) throw new Error("conversationId: expected the Chatwoot conversation id");
  if (input.decision !== "approve" && input.decision !== "reject") {
    throw new Error(`decision: expected "approve" or "reject" (got ${JSON.stringify(input.decision)})`);
  }
  const text = (field: string, value: unknown, max: number): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || value.trim() === "" || value.length > max) {
      throw new Error(`${field}: expected a non-empty string of at most ${max} characters`);
    }
    return value.trim();
  };
  return {
    companyId: input.companyId ?? defaultCompanyId,
    conversationId,
    decision: input.decision,
    reason: text("reason", input.reason, 1000),
    operator: text("operator", input.operator, 128),
  };
}

/** The approval request a paused thread waits on, or null when nothing waits. */
export function pendingApprovalOf(snapshot: StateSnapshot): ApprovalRequest | null {
  for (const task of snapshot.tasks) {
    for (const i of task.interrupts) {
      const value = i.value as Partial<ApprovalRequest> | undefined;
      if (value?.type === "approval") return value as ApprovalRequest;
    }
  }
  return null;
}

/**
 * What the customer has not read yet of a resumed turn's reply: the tool nodes add their lines to the
 * reply the customer got when the turn paused, so that part is left out.
 */
export function newReplyText(before: string, after: string): string {
  return before && after.startsWith(`${before}\n\n`) ? after.slice(before.length + 2) : after;
}

/**
 * Runs `resume` (the graph continuing with the decision) under an audit entry written before it:
 * actionType `approval`, actionName `approval.approve` or `approval.reject`, the operator as user,
 * tags `approval`, `approval:<decision>` and `operator:<name>`. The entry ends `success` with what the
 * turn did, or `failed` with the error.
 */
export async function auditedDecision<T>(
  audit: AuditManager,
  decision: ApprovalResolution,
  request: ApprovalRequest,
  resume: () => Promise<T>,
  summary: (out: T) => unknown,
): Promise<T> {
  const started = Date.now();
  const entry = await audit.logAction({
    userId: decision.operator,
    actionType: "approval",
    actionName: `approval.${decision.decision}`,
    inputParams: {
      decision: decision.decision,
      ...(decision.reason ? { reason: decision.reason } : {}),
      action: request.action,
      parameters: request.parameters,
    },
    agentName: "operator",
    conversationId: decision.conversationId,
    tags: [
      "approval",
      `approval:${decision.decision}`,
      ...(decision.operator ? [`operator:${tagSafe(decision.operator)}`] : []),
    ],
  });
  let out: T;
  try {
    out = await resume();
  } catch (err) {
    await audit.markFailed(entry.auditId, errorText(err), Date.now() - started).catch(() => undefined);
    throw err;
  }
  await audit.markSuccess(entry.auditId, summary(out), Date.now() - started);
  return out;
}

/** An operator's name as an audit tag (letters, digits, _ . - / only, at most 55 characters). */
function tagSafe(name: string): string {
  return name.replace(/[^\p{L}\p{N}_.\-/]+/gu, "_").slice(0, 55);
}
