import { retry, withTimeout } from "../util/retry.js";
import { runInSagaScope, sagaStepTag } from "../util/saga-scope.js";
import type { CompensationContext } from "./definitions.js";
import { errorText, isSagaError, StepFailedError } from "./errors.js";
import {
  auditWrite,
  finalizeAuditEntry,
  type RunContext,
  requireTools,
  storedResult,
} from "./run-context.js";
import type { CompensationError, SagaStep } from "./types.js";

/** Steps that happened (or may have) and so are candidates for undoing, newest first. */
export function stepsToUndo(steps: readonly SagaStep[]): SagaStep[] {
  return steps
    .filter((s) => s.status === "succeeded" || s.status === "compensating")
    .sort((a, b) => b.index - a.index);
}

/**
 * Undoes every step that happened, newest first. Each undo is written `compensating` before it runs,
 * retried with backoff and audited; one that keeps failing leaves its step `compensation_failed` and
 * the rest are still undone. Returns the errors (empty when everything was undone).
 */
export async function compensateSteps(ctx: RunContext, reason: string): Promise<CompensationError[]> {
  const errors: CompensationError[] = [];
  for (const step of stepsToUndo(ctx.record.steps)) {
    const def = ctx.definitions[step.index];
    const lambda = def?.compensator ?? null;
    if (!step.compensation && !lambda) {
      if (step.hasCompensator) {
        step.status = "needs_attention";
        step.attention = `undo "${step.actionName}" by hand: its compensator was an in-process function lost when the process stopped; the step's result was ${JSON.stringify(step.result)}`;
        errors.push({
          stepIndex: step.index,
          actionName: step.actionName,
          error: step.attention,
          status: "needs_attention",
        });
      } else {
        step.status = "skipped";
      }
      await ctx.lease.persist(ctx.record);
      continue;
    }
    step.status = "compensating";
    await ctx.lease.persist(ctx.record);
    try {
      const { value, attempts } = await retry(
        ctx.retry,
        async (attempt) => {
          ctx.lease.assertHeld();
          step.compensationAttempts = attempt;
          return undoOnce(ctx, step, lambda, reason, attempt);
        },
        isRetriableUndoError,
        (err, attempt, delayMs) =>
          ctx.logger.warn("saga compensation failed; retrying", {
            sagaId: ctx.record.sagaId,
            step: step.index,
            attempt,
            delayMs,
            error: errorText(err),
          }),
      );
      step.status = "compensated";
      step.compensationAttempts = attempts;
      step.compensationAuditId = value;
      step.compensationError = null;
      step.compensatedAt = new Date().toISOString();
    } catch (err) {
      if (isSagaError(err, "LEASE_LOST")) throw err;
      step.status = "compensation_failed";
      step.compensationError = errorText(err);
      errors.push({
        stepIndex: step.index,
        actionName: step.actionName,
        error: step.compensationError,
        status: "compensation_failed",
      });
      ctx.logger.error("saga compensation failed for good", {
        sagaId: ctx.record.sagaId,
        step: step.index,
        error: step.compensationError,
      });
    }
    await ctx.lease.persist(ctx.record);
  }
  return errors;
}

function isRetriableUndoError(err: unknown): boolean {
  if (isSagaError(err)) return err.retriable;
  return (err as { retriable?: unknown } | null)?.retriable !== false;
}

/** One try of a step's undo. Returns the audit id of the undo's own entry. */
async function undoOnce(
  ctx: RunContext,
  step: SagaStep,
  lambda: ((result: unknown, c: CompensationContext) => unknown) | null,
  reason: string,
  attempt: number,
): Promise<string | null> {
  const plan = step.compensation;
  const undoKey = `${step.idempotencyKey}:undo`;
  if (plan?.kind === "tool_audit") {
    const res = await requireTools(ctx, `undoing ${step.actionName}`).compensate(plan.auditId, reason);
    if (!res.success) throw failedUndo(step, res.error, res.errorCode ?? null, res.retriable);
    return res.auditId;
  }
  let undoAuditId: string | null;
  if (plan?.kind === "tool") {
    const r = ctx.record;
    const res = await requireTools(ctx, `undoing ${step.actionName}`).executeTool({
      toolName: plan.toolName,
      parameters: plan.parameters,
      userId: r.userId,
      conversationId: r.conversationId,
      sagaId: r.sagaId,
      idempotencyKey: undoKey,
      tags: ["saga", "compensation"],
    });
    if (!res.success) throw failedUndo(step, res.error, res.errorCode ?? null, res.retriable);
    undoAuditId = res.auditId;
  } else {
    let run: (c: CompensationContext) => unknown;
    let input: Record<string, unknown>;
    if (plan?.kind === "handler") {
      const handler = ctx.handlers.get(plan.name);
      if (!handler) {
        throw new StepFailedError(
          `no compensation handler "${plan.name}" is registered in this process: call registerCompensation("${plan.name}", fn) at start-up`,
          "UNKNOWN_HANDLER",
          false,
        );
      }
      input = plan.parameters;
      run = (c) => handler(plan.parameters, c);
    } else if (lambda) {
      input = { result: step.result };
      const raw = ctx.results.has(step.index) ? ctx.results.get(step.index) : step.result;
      run = (c) => lambda(raw, c);
    } else {
      throw new StepFailedError(`step ${step.actionName} has no undo`, "NO_UNDO", false);
    }
    undoAuditId = await auditedUndo(ctx, step, input, reason, attempt, undoKey, run);
  }
  if (step.auditId) {
    await finalizeAuditEntry(ctx, step);
    const original = step.auditId;
    await auditWrite(() =>
      ctx.audit.compensate(original, reason, { ...(undoAuditId && { compensationAuditId: undoAuditId }) }),
    );
  }
  if (step.kind === "lambda") await markInnerCallsUndone(ctx, step, reason, undoAuditId);
  return undoAuditId;
}

/**
 * Tool calls a step's executor made (through the ToolExecutor, linked by the saga scope) were undone
 * with the step: their compensable entries become `compensated`, linked to the undo's entry, so the
 * trail never shows as standing what the saga rolled back.
 */
async function markInnerCallsUndone(
  ctx: RunContext,
  step: SagaStep,
  reason: string,
  undoAuditId: string | null,
): Promise<void> {
  const tag = sagaStepTag({ stepIndex: step.index, phase: "step" });
  let cursor: string | undefined;
  do {
    const page = await ctx.audit.query({
      sagaId: ctx.record.sagaId,
      tag,
      status: "success",
      limit: 200,
      ...(cursor && { cursor }),
    });
    for (const entry of page.entries) {
      if (!entry.compensable || entry.auditId === step.auditId) continue;
      await auditWrite(() =>
        ctx.audit.compensate(entry.auditId, reason, {
          ...(undoAuditId && { compensationAuditId: undoAuditId }),
        }),
      );
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Runs an in-process or registered undo as its own audit entry, linked to the step's entry. */
async function auditedUndo(
  ctx: RunContext,
  step: SagaStep,
  input: Record<string, unknown>,
  reason: string,
  attempt: number,
  undoKey: string,
  run: (c: CompensationContext) => unknown,
): Promise<string> {
  const r = ctx.record;
  const entry = await ctx.audit.logAction({
    userId: r.userId,
    actionType: step.actionType,
    actionName: `compensate:${step.actionName}`.slice(0, 200),
    inputParams: input,
    conversationId: r.conversationId,
    sagaId: r.sagaId,
    idempotencyKey: undoKey,
    linkedAuditId: step.auditId,
    tags: ["saga", "compensation", `attempt:${attempt}`],
    leaseMs: ctx.lease.leaseMs,
  });
  const started = performance.now();
  try {
    const scope = {
      companyId: r.companyId,
      sagaId: r.sagaId,
      stepIndex: step.index,
      stepAuditId: entry.auditId,
      phase: "undo" as const,
    };
    const value = await withTimeout(step.timeoutMs ?? 0, (signal) =>
      runInSagaScope(scope, () =>
        Promise.resolve(
          run({ sagaId: r.sagaId, stepIndex: step.index, attempt, reason, idempotencyKey: undoKey, signal }),
        ),
      ),
    );
    if (value && typeof value === "object" && (value as { success?: unknown }).success === false) {
      const v = value as { error?: unknown; errorCode?: unknown; retriable?: unknown };
      const code = typeof v.errorCode === "string" ? v.errorCode : null;
      throw failedUndo(
        step,
        typeof v.error === "string" ? v.error : null,
        code,
        typeof v.retriable === "boolean" ? v.retriable : true,
      );
    }
    await auditWrite(() =>
      ctx.audit.markSuccess(entry.auditId, storedResult(value), performance.now() - started),
    );
    return entry.auditId;
  } catch (err) {
    await ctx.audit
      .markFailed(entry.auditId, errorText(err), performance.now() - started)
      .catch((e) => ctx.logger.warn("could not mark a failed compensation in the audit trail", { err: e }));
    throw err;
  }
}

function failedUndo(
  step: SagaStep,
  error: string | null,
  code: string | null,
  retriable: boolean,
): StepFailedError {
  return new StepFailedError(error ?? `undoing ${step.actionName} returned success: false`, code, retriable);
}
