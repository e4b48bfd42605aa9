import { compensateSteps } from "./compensation-runner.js";
import { errorText, SagaError } from "./errors.js";
import { summary } from "./outcome.js";
import { sagaEntries } from "./recovery.js";
import { auditWrite, type RunContext, requireTools, storedResult } from "./run-context.js";
import type { SagaStore } from "./store.js";
import type { SagaExecutionResult, SagaRecord, SagaStep } from "./types.js";
import { notStartedStep } from "./validation.js";

/** One step of a saga whose steps another component runs (e.g. the tool nodes of the agent graph). */
export interface DrivenStepInput {
  /** The step's idempotency key: the same key the driver passes to `executeTool`. */
  key: string;
  toolName: string;
  parameters: Record<string, unknown>;
  actionType: string;
  /** Default `${toolName}` plus `.${parameters.action}` when there is one. */
  actionName?: string;
}

/** What a finished step reports: the ToolResult of its `executeTool` call. */
export interface DrivenStepResult {
  success: boolean;
  auditId: string | null;
  data: unknown;
  error: string | null;
}

interface Deps {
  store: SagaStore;
  companyId: string;
  owner: string;
  leaseMs: number;
  context(record: SagaRecord): RunContext;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sagas driven from outside the orchestrator: the driver runs each step itself (through the
 * ToolExecutor, with the step's idempotency key and the saga id) and records it here before and after,
 * so the saga store always says how far the flow got. While a process drives a saga it holds its lease;
 * if it dies, the lease expires and `recoverSagas()` finishes or undoes the flow like any other saga.
 */
export class DrivenSagas {
  private readonly held = new Map<string, RunContext>();
  /**
   * Steps this process began from `planned` (`sagaId key`): no earlier attempt of theirs exists, so
   * there is no abandoned audit entry of theirs to close when they complete.
   */
  private readonly firstAttempts = new Set<string>();

  constructor(private readonly deps: Deps) {}

  /**
   * Stores a new saga `created` with its steps planned (nothing runs yet) and no holder, so the
   * driver's first step takes it. `create` stores the record `plan` completes with the steps, in one
   * write; invalid steps are refused before anything is stored.
   */
  async open(
    input: { steps: DrivenStepInput[] },
    hasTools: boolean,
    create: (plan: (base: SagaRecord) => SagaRecord) => Promise<string>,
  ): Promise<string> {
    if (!hasTools) {
      throw new SagaError(
        "NOT_CONFIGURED",
        "openDrivenSaga needs a ToolExecutor (to read the undo of each step): pass toolExecutor to new CompensationOrchestrator({ ... })",
      );
    }
    if (!Array.isArray(input?.steps) || input.steps.length === 0) {
      throw new SagaError(
        "INVALID_INPUT",
        "steps: expected at least one step { key, toolName, parameters, actionType }",
      );
    }
    const steps = input.steps;
    return create((base) => this.plannedRecord(base, steps));
  }

  private plannedRecord(base: SagaRecord, steps: DrivenStepInput[]): SagaRecord {
    const keys = new Set<string>();
    base.steps = steps.map((s, index): SagaStep => {
      if (!s || typeof s.key !== "string" || s.key.trim() === "" || keys.has(s.key)) {
        throw new SagaError(
          "INVALID_INPUT",
          `steps[${index}].key: expected a unique, non-empty idempotency key`,
        );
      }
      if (typeof s.toolName !== "string" || s.toolName === "") {
        throw new SagaError("INVALID_INPUT", `steps[${index}].toolName: expected a tool name`);
      }
      keys.add(s.key);
      const action = typeof s.parameters?.action === "string" ? `.${s.parameters.action}` : "";
      return notStartedStep({
        index,
        actionType: s.actionType,
        actionName: s.actionName ?? `${s.toolName}${action}`,
        kind: "tool",
        toolName: s.toolName,
        parameters: storedResult(s.parameters) as Record<string, unknown>,
        idempotencyKey: s.key,
        maxRetries: null,
        timeoutMs: null,
        hasCompensator: false,
      });
    });
    return base;
  }

  /**
   * Takes the saga for this process (created, or running and left by a process whose lease expired;
   * waits out a lease still held by another process). Refused with ILLEGAL_STATE once it is finished,
   * e.g. when recovery already undid it.
   */
  async attach(sagaId: string): Promise<RunContext> {
    const mine = this.held.get(sagaId);
    if (mine && !mine.lease.lost) return mine;
    this.held.delete(sagaId);
    const { store, companyId, owner, leaseMs } = this.deps;
    const deadline = Date.now() + leaseMs * 2 + 1000;
    for (;;) {
      const claim = await store.claim(companyId, sagaId, {
        owner,
        leaseMs,
        statuses: ["created", "running"],
      });
      if (claim.ok) {
        const ctx = this.deps.context(claim.saga.record);
        if (ctx.record.status === "created") ctx.record.status = "running";
        ctx.lease.start();
        await ctx.lease.persist(ctx.record);
        this.held.set(sagaId, ctx);
        return ctx;
      }
      if (claim.reason === "leased" && Date.now() < deadline) {
        await sleep(Math.min(Math.max(claim.leaseUntil - Date.now(), 10), 250));
        continue;
      }
      if (claim.reason === "not_found") {
        throw new SagaError("NOT_FOUND", `saga ${sagaId} not found for company ${companyId}`, sagaId);
      }
      throw new SagaError(
        claim.reason === "status" ? "ILLEGAL_STATE" : "SAGA_BUSY",
        claim.reason === "status"
          ? `saga ${sagaId} is already ${claim.status}: its steps can no longer be recorded`
          : `saga ${sagaId} is held by ${claim.owner}; try again once its lease expires`,
        sagaId,
      );
    }
  }

  /** Writes the step `pending` before its side effect. A step already finished is returned unchanged. */
  async beginStep(sagaId: string, key: string): Promise<SagaStep> {
    const ctx = await this.attach(sagaId);
    const step = stepOf(ctx, key);
    // A step begun again (after a failure or a lost run) is no first attempt any more.
    if (step.status !== "planned") this.firstAttempts.delete(`${sagaId} ${key}`);
    if (step.status === "planned" || step.status === "failed") {
      const first = step.status === "planned";
      step.status = "pending";
      step.startedAt = new Date().toISOString();
      step.attempts += 1;
      step.error = null;
      await ctx.lease.persist(ctx.record);
      if (first) this.firstAttempts.add(`${sagaId} ${key}`);
    }
    return step;
  }

  /** Records the outcome of a step with its durable undo (read from the step's audit entry). */
  async completeStep(sagaId: string, key: string, result: DrivenStepResult): Promise<SagaStep> {
    const ctx = await this.attach(sagaId);
    const step = stepOf(ctx, key);
    const first = this.firstAttempts.delete(`${sagaId} ${key}`);
    if (step.status === "succeeded") return step;
    step.auditId = result.auditId;
    step.finishedAt = new Date().toISOString();
    if (!result.success) {
      step.status = "failed";
      step.error = result.error ?? `${step.actionName} failed`;
    } else {
      step.status = "succeeded";
      step.result = storedResult(result.data);
      if (result.auditId) {
        // An attempt that another process began and left `pending` is closed as superseded.
        if (!first) await closeSuperseded(ctx, key, result.auditId);
        const plan = await requireTools(ctx, `step ${step.actionName}`).compensationFor(result.auditId);
        step.compensation = plan ? { kind: "tool_audit", auditId: result.auditId, ...plan } : null;
        step.hasCompensator = plan !== null;
      }
    }
    await ctx.lease.persist(ctx.record);
    return step;
  }

  /** Ends the saga `completed` once every step succeeded, and gives up its lease. */
  async finish(sagaId: string): Promise<SagaExecutionResult> {
    const ctx = await this.attach(sagaId);
    const open = ctx.record.steps.filter((s) => s.status !== "succeeded");
    if (open.length > 0) {
      throw new SagaError(
        "ILLEGAL_STATE",
        `saga ${sagaId} cannot complete: ${open.map((s) => `${s.actionName} is ${s.status}`).join(", ")}`,
        sagaId,
      );
    }
    ctx.record.status = "completed";
    ctx.record.finishedAt = new Date().toISOString();
    await this.release(ctx);
    return summary(ctx.record);
  }

  /**
   * Undoes every step that happened, newest first, with the orchestrator's retried, audited
   * compensations (a step the driver already undid through the executor is a no-op here), and ends
   * the saga `compensated` or `compensation_failed`.
   */
  async rollback(sagaId: string, reason: string): Promise<SagaExecutionResult> {
    const ctx = await this.attach(sagaId);
    const record = ctx.record;
    record.status = "compensating";
    record.error ??= reason;
    record.failedAction ??= record.steps.find((s) => s.status === "failed")?.actionName ?? null;
    // A step left pending by a failed attempt is treated as not done: the executor marked it failed.
    for (const s of record.steps) if (s.status === "pending") s.status = "failed";
    await ctx.lease.persist(record);
    try {
      record.compensationErrors = await compensateSteps(ctx, reason);
    } catch (err) {
      throw new SagaError("STORE_UNAVAILABLE", `saga ${sagaId} rollback stopped: ${errorText(err)}`, sagaId);
    }
    record.status = record.compensationErrors.length > 0 ? "compensation_failed" : "compensated";
    record.finishedAt = new Date().toISOString();
    await this.release(ctx);
    return summary(record);
  }

  private async release(ctx: RunContext): Promise<void> {
    try {
      await ctx.lease.persist(ctx.record, true);
    } finally {
      ctx.lease.stop();
      this.held.delete(ctx.record.sagaId);
      for (const k of this.firstAttempts)
        if (k.startsWith(`${ctx.record.sagaId} `)) this.firstAttempts.delete(k);
    }
  }
}

/**
 * A driver that died mid-call left the step's earlier audit entry `pending`; the repeat with the same
 * key finished the step as another entry, so the earlier one is closed as failed (never left pending).
 */
async function closeSuperseded(ctx: RunContext, key: string, auditId: string): Promise<void> {
  for (const e of await sagaEntries(ctx.audit, ctx.record.sagaId)) {
    if (e.idempotencyKey === key && e.status === "pending" && e.auditId !== auditId) {
      await auditWrite(() =>
        ctx.audit.markFailed(e.auditId, `abandoned: the process stopped; superseded by entry ${auditId}`),
      );
    }
  }
}

function stepOf(ctx: RunContext, key: string): SagaStep {
  const step = ctx.record.steps.find((s) => s.idempotencyKey === key);
  if (!step) {
    throw new SagaError(
      "INVALID_INPUT",
      `saga ${ctx.record.sagaId} has no step with key "${key}" (its steps: ${ctx.record.steps.map((s) => s.idempotencyKey).join(", ")})`,
      ctx.record.sagaId,
    );
  }
  return step;
}
