import { retry, withTimeout } from "../util/retry.js";
import { runInSagaScope } from "../util/saga-scope.js";
import { resolveCompensation, type StepDefinition, staticCompensation } from "./definitions.js";
import { errorText, isSagaError, SagaError, StepFailedError } from "./errors.js";
import { auditWrite, policyFor, type RunContext, requireTools, storedResult } from "./run-context.js";
import { isFailedResult } from "./tool-port.js";
import type { DurableCompensation, SagaStep } from "./types.js";

export type StepOutcome = { ok: true } | { ok: false; error: string };

/** Forward errors worth another try: anything not marked final, and time-outs. */
export function isRetriableStepError(err: unknown): boolean {
  if (isSagaError(err)) return err.retriable;
  const flag = (err as { retriable?: unknown } | null)?.retriable;
  return flag !== false;
}

/**
 * Runs one step: writes it `pending` (with its idempotency key) before anything happens, runs it with
 * retries and a per-try deadline, then writes `succeeded` with the result and the durable undo, or
 * `failed`. A lost lease is rethrown (the new holder finishes the saga); any other failure is returned.
 */
export async function runStep(ctx: RunContext, def: StepDefinition, step: SagaStep): Promise<StepOutcome> {
  const { record, lease } = ctx;
  step.status = "pending";
  step.startedAt = new Date().toISOString();
  step.compensation = staticCompensation(def.compensation);
  await lease.persist(record);

  let lastAuditId: string | null = null;
  let attempts = 0;
  let value: unknown;
  let durationMs = 0;
  try {
    const run = def.kind === "tool" ? toolAttempt : lambdaAttempt;
    const out = await retry(
      policyFor(ctx, step.maxRetries),
      async (attempt) => {
        attempts = attempt;
        lease.assertHeld();
        const started = performance.now();
        try {
          return await run(ctx, def, step, attempt, (id) => {
            lastAuditId = id;
          });
        } finally {
          durationMs = performance.now() - started;
        }
      },
      isRetriableStepError,
      (err, attempt, delayMs) =>
        ctx.logger.info("saga step failed; retrying", {
          sagaId: record.sagaId,
          step: step.index,
          attempt,
          delayMs,
          error: errorText(err),
        }),
    );
    value = out.value;
  } catch (err) {
    if (isSagaError(err, "LEASE_LOST") || isSagaError(err, "OUTCOME_UNKNOWN")) throw err;
    step.status = "failed";
    step.error = errorText(err);
    step.attempts = attempts;
    step.auditId = lastAuditId;
    step.finishedAt = new Date().toISOString();
    await lease.persist(record);
    return { ok: false, error: step.error };
  }

  // It happened: record that (and how to undo it) before anything else can go wrong.
  ctx.results.set(step.index, value);
  step.status = "succeeded";
  step.attempts = attempts;
  step.auditId = lastAuditId;
  step.result = storedResult(def.kind === "tool" ? (value as { data?: unknown }).data : value);
  step.finishedAt = new Date().toISOString();
  let problem: string | null = null;
  try {
    step.compensation = await durableUndo(ctx, def, step, value);
  } catch (err) {
    // Whether it can be undone is unknown: a person must look (never silently skipped).
    step.hasCompensator = true;
    problem = `the step succeeded but its undo could not be worked out from the result: ${errorText(err)}`;
    step.error = problem;
  }
  await lease.persist(record);
  if (def.kind === "lambda" && step.auditId) {
    const auditId = step.auditId;
    try {
      await auditWrite(() =>
        ctx.audit.markSuccess(auditId, value, durationMs, {
          ...(step.compensation && { compensationParams: step.compensation.parameters ?? {} }),
        }),
      );
    } catch (err) {
      problem = `the step succeeded but its audit entry could not be completed: ${errorText(err)}`;
      step.error = problem;
      await lease.persist(record);
    }
  }
  return problem ? { ok: false, error: problem } : { ok: true };
}

async function lambdaAttempt(
  ctx: RunContext,
  def: StepDefinition,
  step: SagaStep,
  attempt: number,
  onAudit: (auditId: string) => void,
): Promise<unknown> {
  const { record } = ctx;
  const undoName = def.compensation
    ? typeof def.compensation === "string"
      ? def.compensation
      : "toolName" in def.compensation
        ? def.compensation.toolName
        : def.compensation.handler
    : def.compensator
      ? `undo:${step.actionName}`
      : null;
  const entry = await ctx.audit.logAction({
    userId: record.userId,
    actionType: step.actionType,
    actionName: step.actionName,
    inputParams: step.parameters,
    compensable: undoName !== null,
    compensationAction: undoName,
    agentName: def.agentName,
    conversationId: record.conversationId,
    sagaId: record.sagaId,
    idempotencyKey: step.idempotencyKey,
    tags: ["saga", `attempt:${attempt}`, ...def.tags],
    // Leased like the saga: after a crash both lapse together and saga recovery closes the entry.
    leaseMs: ctx.lease.leaseMs,
  });
  onAudit(entry.auditId);
  const started = performance.now();
  try {
    const executor = def.executor;
    if (!executor) throw new StepFailedError(`step ${step.actionName} has no executor`, "NO_EXECUTOR", false);
    // Tool calls the executor makes are linked to this step (and undone with it).
    const scope = {
      companyId: record.companyId,
      sagaId: record.sagaId,
      stepIndex: step.index,
      stepAuditId: entry.auditId,
      phase: "step" as const,
    };
    const value = await withTimeout(step.timeoutMs ?? 0, (signal) =>
      runInSagaScope(scope, () =>
        Promise.resolve(
          executor({
            sagaId: record.sagaId,
            stepIndex: step.index,
            attempt,
            idempotencyKey: step.idempotencyKey,
            signal,
          }),
        ),
      ),
    );
    if (isFailedResult(value)) {
      const code = typeof value.errorCode === "string" ? value.errorCode : null;
      // The result's own flag decides; a bare `{ success: false }` without a code may be tried again.
      throw new StepFailedError(
        typeof value.error === "string" && value.error
          ? value.error
          : `${step.actionName} returned success: false`,
        code,
        typeof value.retriable === "boolean" ? value.retriable : code === null,
      );
    }
    return value;
  } catch (err) {
    const ms = performance.now() - started;
    await ctx.audit
      .markFailed(entry.auditId, errorText(err), ms)
      .catch((e) => ctx.logger.warn("could not mark a failed saga step in the audit trail", { err: e }));
    throw err;
  }
}

async function toolAttempt(
  ctx: RunContext,
  def: StepDefinition,
  step: SagaStep,
  attempt: number,
  onAudit: (auditId: string) => void,
): Promise<unknown> {
  const tools = requireTools(ctx, `step ${step.actionName}`);
  const { record } = ctx;
  const call = () =>
    tools.executeTool({
      toolName: step.toolName as string,
      parameters: step.parameters,
      userId: record.userId,
      agentName: def.agentName,
      conversationId: record.conversationId,
      sagaId: record.sagaId,
      idempotencyKey: step.idempotencyKey,
      tags: ["saga", `attempt:${attempt}`, ...def.tags],
    });
  // No deadline of our own: abandoning a call that then succeeds would leave an effect nobody undoes.
  // The executor bounds each attempt with its own timeout and aborts the call.
  const result = await call();
  if (result.auditId) onAudit(result.auditId);
  if (result.errorCode === "OUTCOME_UNKNOWN") {
    // The call may still act: neither a retry nor a rollback may start. The saga stops with the step
    // `pending`; once the call's audit lease lapses, recoverSagas() reconciles the step and finishes.
    throw new SagaError(
      "OUTCOME_UNKNOWN",
      `saga ${record.sagaId} paused at step ${step.actionName}: ${result.error}; recoverSagas() finishes it once the call's audit lease lapses`,
      record.sagaId,
    );
  }
  if (!result.success) {
    throw new StepFailedError(
      result.error ?? `${step.toolName} failed`,
      result.errorCode ?? null,
      result.retriable,
    );
  }
  return result;
}

async function durableUndo(
  ctx: RunContext,
  def: StepDefinition,
  step: SagaStep,
  value: unknown,
): Promise<DurableCompensation | null> {
  if (def.kind === "lambda") return resolveCompensation(def.compensation, value);
  if (!step.auditId) return null;
  const auditId = step.auditId;
  const tools = requireTools(ctx, `step ${step.actionName}`);
  const plan = await tools.compensationFor(auditId);
  if (plan) return { kind: "tool_audit", auditId, toolName: plan.toolName, parameters: plan.parameters };
  const entry = await ctx.audit.getEntry(auditId);
  if (entry?.compensable) {
    // The call has an undo but its entry lacks the parameters (its audit write failed): only a person
    // can tell what to undo.
    step.hasCompensator = true;
    throw new Error(`audit entry ${auditId} is "${entry.status}" without the parameters of its undo`);
  }
  return null;
}
