import type { AuditManager } from "../../src/audit/audit-manager.js";
import type { SagaStore } from "../../src/saga/store.js";
import type {
  DurableCompensation,
  SagaRecord,
  SagaStatus,
  SagaStep,
  StepStatus,
} from "../../src/saga/types.js";
import { planStep } from "../../src/saga/validation.js";
import { newId } from "../../src/util/ids.js";

/** How far one step of a dead process got. */
export interface AbandonedStep {
  actionName: string;
  status: StepStatus;
  /** The audit entries its attempts left, oldest first. */
  audit?: ("pending" | "success" | "failed")[];
  compensation?: DurableCompensation | null;
  /** Whether it had an in-process compensator (lost with the process). */
  lambdaUndo?: boolean;
  result?: unknown;
}

/**
 * Writes, through the real stores, exactly what a worker leaves behind when it dies mid-saga: the
 * saga record it held (lease about to expire) and the audit entries its steps had written.
 */
export async function abandonSaga(
  store: SagaStore,
  audit: AuditManager,
  steps: AbandonedStep[],
  options: { status?: SagaStatus; leaseMs?: number } = {},
): Promise<{ sagaId: string; auditIds: string[][] }> {
  const now = new Date().toISOString();
  const sagaId = newId();
  const record: SagaRecord = {
    sagaId,
    companyId: audit.companyId,
    sagaName: "complete_booking_flow",
    userId: "u1",
    conversationId: "c1",
    status: "created",
    steps: [],
    failedAction: null,
    error: null,
    compensationErrors: [],
    recoveredBy: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  await store.create(record);
  const claim = await store.claim(audit.companyId, sagaId, {
    owner: "dead-worker",
    leaseMs: options.leaseMs ?? 30,
    statuses: ["created"],
  });
  if (!claim.ok) throw new Error(`could not claim ${sagaId}: ${claim.reason}`);
  const auditIds: string[][] = [];
  record.steps = [];
  for (const [index, s] of steps.entries()) {
    const step: SagaStep = planStep(sagaId, index, {
      kind: "lambda",
      actionType: "api_call",
      actionName: s.actionName,
      parameters: {},
      toolName: null,
      agentName: null,
      tags: [],
      executor: null,
      compensator: null,
      compensation: null,
      maxRetries: null,
      timeoutMs: null,
    });
    const undo = s.compensation ?? null;
    const ids: string[] = [];
    for (const outcome of s.audit ?? []) {
      const entry = await audit.logAction({
        userId: "u1",
        actionType: "api_call",
        actionName: s.actionName,
        compensable: undo !== null || s.lambdaUndo === true,
        compensationAction:
          undo?.kind === "handler" ? undo.name : s.lambdaUndo ? `undo:${s.actionName}` : null,
        sagaId,
        conversationId: "c1",
        idempotencyKey: step.idempotencyKey,
        // The dead worker's entries were leased like its saga: both lapse together.
        leaseMs: Math.max(50, options.leaseMs ?? 30),
      });
      if (outcome === "success") await audit.markSuccess(entry.auditId, s.result ?? null, 3);
      if (outcome === "failed") await audit.markFailed(entry.auditId, "boom", 3);
      ids.push(entry.auditId);
    }
    auditIds.push(ids);
    Object.assign(step, {
      status: s.status,
      compensation: undo,
      hasCompensator: undo !== null || s.lambdaUndo === true,
      attempts: ids.length,
      result: s.result ?? null,
      auditId: s.status === "succeeded" ? (ids.at(-1) ?? null) : null,
      startedAt: s.status === "planned" ? null : now,
      finishedAt: s.status === "succeeded" || s.status === "failed" ? now : null,
    });
    record.steps.push(step);
  }
  record.status = options.status ?? "running";
  const saved = await store.save(record, { owner: "dead-worker" });
  if (!saved.ok) throw new Error("could not save the abandoned saga");
  return { sagaId, auditIds };
}
