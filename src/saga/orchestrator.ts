import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { AuditManager } from "../audit/audit-manager.js";
import { newId } from "../util/ids.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../util/retry.js";
import { compensateSteps } from "./compensation-runner.js";
import type {
  CompensationHandler,
  SagaActionInput,
  SagaToolStepInput,
  StepDefinition,
} from "./definitions.js";
import { DrivenSagas, type DrivenStepInput, type DrivenStepResult } from "./driven-saga.js";
import { errorText, isSagaError, SagaError } from "./errors.js";
import { SagaLease } from "./lease.js";
import { type OrphanReport, recoverOrphans } from "./orphan-recovery.js";
import { refusal, summary, view } from "./outcome.js";
import { recoverExpired } from "./recovery.js";
import type { RunContext } from "./run-context.js";
import { SqliteSagaStore } from "./sqlite/sqlite-saga-store.js";
import { runStep } from "./step-runner.js";
import type { SagaStore } from "./store.js";
import type { SagaToolExecutor } from "./tool-port.js";
import {
  ACTIVE_SAGA_STATUSES,
  type ListSagasOptions,
  type RecoveryReport,
  SAGA_STATUSES,
  type SagaExecutionResult,
  type SagaHandle,
  type SagaRecord,
  type SagaRef,
  type SagaStep,
  type SagaView,
} from "./types.js";
import { planStep, validateAction, validateToolStep } from "./validation.js";

export interface CompensationOrchestratorOptions {
  companyId: string;
  auditManager: AuditManager;
  /** Where sagas are kept (default: an in-memory SQLite store, which does not survive a restart). */
  store?: SagaStore;
  /** Retries of steps and of compensations (default 3 retries, 200 ms base, 5 s cap, half jitter). */
  retry?: Partial<RetryPolicy>;
  /** How long a saga stays claimed without renewal (default 30 s); renewed every third of it. */
  leaseMs?: number;
  /** Needed by `addToolStep` and by durable `{ toolName, parameters }` compensations. */
  toolExecutor?: SagaToolExecutor;
  logger?: Logger;
  /** Who this process is in lease records (default host:pid:random). */
  owner?: string;
}

/** How long a saga may stay `created` (never executed) before recovery treats it as abandoned. */
const ABANDON_CREATED_AFTER_MS = 10 * 60_000;

/**
 * Sagas whose every step and state change is written to a durable store before its side effect:
 * steps run in order with retries and deadlines; when one fails, the completed ones are undone newest
 * first with retried, audited compensations; a process that dies mid-saga leaves a lease that
 * expires, and `recoverSagas()` in any process finishes the job with the durable compensations.
 *
 * @example
 * const sagas = new CompensationOrchestrator({ companyId: "benova", auditManager, store, toolExecutor });
 * const sagaId = await sagas.createSaga({ userId: "u1", sagaName: "booking", conversationId: "c1" });
 * await sagas.addToolStep(sagaId, { toolName: "google_calendar", parameters: { action: "create_booking", booking_data } });
 * const result = await sagas.executeSaga(sagaId); // { success, actionsExecuted, actionsCompensated, ... }
 */
export class CompensationOrchestrator {
  readonly companyId: string;
  readonly owner: string;
  readonly auditManager: AuditManager;
  private readonly store: SagaStore;
  private readonly retry: RetryPolicy;
  private readonly leaseMs: number;
  private readonly tools: SagaToolExecutor | null;
  private readonly logger: Logger;
  private readonly handlers = new Map<string, CompensationHandler>();
  /** Step definitions of sagas created here and not yet executed (their functions live only here). */
  private readonly planned = new Map<string, { record: SagaRecord; steps: StepDefinition[] }>();
  private readonly driven: DrivenSagas;

  constructor(options: CompensationOrchestratorOptions) {
    if (!options || typeof options !== "object") {
      throw new SagaError("INVALID_INPUT", "CompensationOrchestrator: expected an options object");
    }
    if (options.auditManager?.companyId !== options.companyId) {
      throw new SagaError(
        "INVALID_INPUT",
        `auditManager: expected the AuditManager of company "${options.companyId}" (got "${options.auditManager?.companyId}")`,
      );
    }
    if (options.toolExecutor && options.toolExecutor.companyId !== options.companyId) {
      throw new SagaError(
        "INVALID_INPUT",
        `toolExecutor: expected the ToolExecutor of company "${options.companyId}" (got "${options.toolExecutor.companyId}")`,
      );
    }
    const leaseMs = options.leaseMs ?? 30_000;
    if (!Number.isFinite(leaseMs) || leaseMs < 50) {
      throw new SagaError("INVALID_INPUT", `leaseMs: expected at least 50 milliseconds (got ${leaseMs})`);
    }
    this.companyId = options.companyId;
    this.auditManager = options.auditManager;
    this.logger = options.logger ?? silentLogger;
    this.store = options.store ?? this.memoryStore();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.leaseMs = leaseMs;
    this.tools = options.toolExecutor ?? null;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.driven = new DrivenSagas({
      store: this.store,
      companyId: this.companyId,
      owner: this.owner,
      leaseMs: this.leaseMs,
      context: (record) => this.context(record, []),
    });
  }

  /**
   * Registers an idempotent undo under a name, for durable `compensation: "name"` or
   * `{ handler: "name", parameters }`. Every process that may recover sagas must register the same names.
   */
  registerCompensation(name: string, handler: CompensationHandler): this {
    if (typeof name !== "string" || name.trim() === "" || typeof handler !== "function") {
      throw new SagaError("INVALID_INPUT", "registerCompensation: expected a non-empty name and a function");
    }
    this.handlers.set(name, handler);
    return this;
  }

  /**
   * Records a new saga (`created`) and returns it; pass it (or its `sagaId`) to `addAction`,
   * `addToolStep`, `executeSaga` and `getSaga`.
   */
  async createSaga(input: {
    userId: string;
    sagaName: string;
    conversationId?: string | null;
  }): Promise<SagaHandle> {
    const record = this.newRecord(input);
    await this.wrap("createSaga", () => this.store.create(record));
    this.planned.set(record.sagaId, { record, steps: [] });
    const { sagaId, companyId, sagaName, userId, conversationId, status, createdAt } = record;
    return { sagaId, companyId, sagaName, userId, conversationId, status, createdAt };
  }

  /** A new saga record, `created`, without steps (not stored yet). */
  private newRecord(input: { userId: string; sagaName: string; conversationId?: string | null }): SagaRecord {
    if (!input || typeof input.sagaName !== "string" || input.sagaName.trim() === "") {
      throw new SagaError(
        "INVALID_INPUT",
        "sagaName: expected a non-empty string such as complete_booking_flow",
      );
    }
    const now = new Date().toISOString();
    const record: SagaRecord = {
      sagaId: newId(),
      companyId: this.companyId,
      sagaName: input.sagaName,
      userId: input.userId ? String(input.userId) : "anonymous",
      conversationId: input.conversationId ?? null,
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
    return record;
  }

  /** Adds a step (`add_action` in the Python API). Returns its index. */
  addAction(saga: SagaRef, action: SagaActionInput): number {
    return this.addStep(sagaIdOf(saga), validateAction(action));
  }

  /**
   * Adds a step run through the ToolExecutor with idempotency key `${sagaId}:${index}`; its durable
   * undo comes from the tool registry (e.g. create_booking -> delete_booking of the created event).
   */
  addToolStep(saga: SagaRef, step: SagaToolStepInput): number {
    const sagaId = sagaIdOf(saga);
    if (!this.tools) {
      throw new SagaError(
        "NOT_CONFIGURED",
        "addToolStep needs a ToolExecutor: pass toolExecutor to new CompensationOrchestrator({ ... })",
        sagaId,
      );
    }
    const actionType = step?.actionType ?? this.tools.getToolInfo?.(step?.toolName)?.actionType;
    return this.addStep(sagaId, validateToolStep(actionType ? { ...step, actionType } : step));
  }

  private addStep(sagaId: string, def: StepDefinition): number {
    const plan = this.planned.get(sagaId);
    if (!plan) {
      throw new SagaError(
        "ILLEGAL_STATE",
        `saga ${sagaId}: steps can only be added in the process that created it, before executeSaga`,
        sagaId,
      );
    }
    plan.steps.push(def);
    return plan.steps.length - 1;
  }

  /**
   * Runs the saga's steps in order; on a failure undoes the completed ones newest first. Refused with
   * SAGA_BUSY while another call (here or in another process) holds the saga.
   */
  async executeSaga(saga: SagaRef): Promise<SagaExecutionResult> {
    const sagaId = sagaIdOf(saga);
    const plan = this.planned.get(sagaId);
    const claim = await this.wrap("executeSaga", () =>
      this.store.claim(this.companyId, sagaId, {
        owner: this.owner,
        leaseMs: this.leaseMs,
        statuses: ["created"],
      }),
    );
    if (!claim.ok) {
      const held =
        claim.reason === "status" ? await this.store.get(this.companyId, sagaId).catch(() => null) : null;
      throw refusal(claim, sagaId, this.companyId, held?.owner ?? null);
    }
    if (!plan) {
      await this.store.save(claim.saga.record, { owner: this.owner, release: true }).catch(() => undefined);
      throw new SagaError(
        "ILLEGAL_STATE",
        `saga ${sagaId} was created by another process: its steps exist only there; that process must execute it`,
        sagaId,
      );
    }
    this.planned.delete(sagaId);
    const record = claim.saga.record;
    record.steps = plan.steps.map((def, index) => planStep(sagaId, index, def));
    record.status = "running";
    const ctx = this.context(record, plan.steps);
    ctx.lease.start();
    try {
      await ctx.lease.persist(record);
      let failure: { step: number; error: string } | null = null;
      for (const [index, def] of plan.steps.entries()) {
        const step = record.steps[index];
        if (!step) continue;
        const outcome = await runStep(ctx, def, step);
        if (!outcome.ok) {
          failure = { step: index, error: outcome.error };
          break;
        }
      }
      if (!failure) {
        record.status = "completed";
        record.finishedAt = new Date().toISOString();
        await ctx.lease.persist(record, true);
        return summary(record);
      }
      const failed = record.steps[failure.step];
      record.status = "compensating";
      record.failedAction = failed?.actionName ?? null;
      record.error = failure.error;
      await ctx.lease.persist(record);
      const reason = `saga ${record.sagaName} (${sagaId}) rolled back: ${record.failedAction} failed: ${failure.error}`;
      record.compensationErrors = await compensateSteps(ctx, reason);
      record.status = record.compensationErrors.length > 0 ? "compensation_failed" : "compensated";
      record.finishedAt = new Date().toISOString();
      await ctx.lease.persist(record, true);
      return summary(record);
    } catch (err) {
      if (isSagaError(err)) throw err;
      // The saga store or audit trail failed mid-way: the lease will expire and recovery will finish it.
      throw new SagaError(
        "STORE_UNAVAILABLE",
        `saga ${sagaId} stopped: ${errorText(err)}; recoverSagas() will finish it once its lease expires`,
        sagaId,
      );
    } finally {
      ctx.lease.stop();
    }
  }

  /**
   * Records a saga whose steps another component runs (the agent graph's tool nodes): stored
   * `created` with its steps planned, each keyed by the idempotency key the driver passes to
   * `executeTool`. The driver records each step with `beginStep` / `completeStep` and ends the saga
   * with `finishSaga` or `rollbackSaga`; while it drives the saga it holds its lease, so a driver that
   * dies leaves a saga `recoverSagas()` finishes or undoes.
   *
   * @example
   * const sagaId = await sagas.openDrivenSaga({ userId, sagaName: "booking", conversationId: "42",
   *   steps: [{ key: "benova:42:ref1:book", toolName: "google_calendar", actionType: "booking", parameters }] });
   * await sagas.beginStep(sagaId, "benova:42:ref1:book");
   * const res = await executor.executeTool({ ...call, sagaId, idempotencyKey: "benova:42:ref1:book" });
   * await sagas.completeStep(sagaId, "benova:42:ref1:book", res);
   * await sagas.finishSaga(sagaId);
   */
  async openDrivenSaga(input: {
    userId: string;
    sagaName: string;
    conversationId?: string | null;
    steps: DrivenStepInput[];
  }): Promise<string> {
    return this.driven.open(input, this.tools !== null, async (plan) => {
      // One write: the record is stored with its steps planned (they are not kept in this process).
      const record = plan(this.newRecord(input));
      await this.wrap("createSaga", () => this.store.create(record));
      return record.sagaId;
    });
  }

  /** Writes a driven saga's step `pending` before its side effect (takes the saga's lease first). */
  beginStep(sagaId: string, key: string): Promise<SagaStep> {
    return this.driven.beginStep(sagaId, key);
  }

  /** Records the outcome of a driven saga's step (the ToolResult of its call) and its durable undo. */
  completeStep(sagaId: string, key: string, result: DrivenStepResult): Promise<SagaStep> {
    return this.driven.completeStep(sagaId, key, result);
  }

  /** Ends a driven saga `completed` (every step succeeded) and releases it. */
  finishSaga(sagaId: string): Promise<SagaExecutionResult> {
    return this.driven.finish(sagaId);
  }

  /** Undoes a driven saga's completed steps newest first and ends it `compensated` (or `compensation_failed`). */
  rollbackSaga(sagaId: string, reason: string): Promise<SagaExecutionResult> {
    return this.driven.rollback(sagaId, reason);
  }

  /** The saga as stored (planned steps included before it runs), or null. */
  async getSaga(saga: SagaRef): Promise<SagaView | null> {
    const sagaId = sagaIdOf(saga);
    const stored = await this.wrap("getSaga", () => this.store.get(this.companyId, sagaId));
    if (!stored) return null;
    const plan = this.planned.get(sagaId);
    if (plan && stored.record.steps.length === 0) {
      stored.record.steps = plan.steps.map((def, i) => planStep(sagaId, i, def));
    }
    return view(stored);
  }

  /** Sagas newest first, optionally of one status. */
  async listSagas(options: ListSagasOptions = {}): Promise<SagaView[]> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new SagaError(
        "INVALID_INPUT",
        `limit: expected a whole number from 1 to 1000 (got ${options.limit})`,
      );
    }
    if (options.status !== undefined && !SAGA_STATUSES.includes(options.status)) {
      throw new SagaError(
        "INVALID_INPUT",
        `status: expected one of ${SAGA_STATUSES.join(", ")} (got "${options.status}")`,
      );
    }
    const rows = await this.wrap("listSagas", () =>
      this.store.list(this.companyId, {
        ...(options.status && { status: options.status }),
        limit,
        before: options.before ?? null,
      }),
    );
    return rows.map(view);
  }

  /**
   * Finishes every saga whose process stopped: those `running` or `compensating` whose lease expired,
   * and those created but never run (claimed with an expired lease, or unclaimed for longer than
   * `abandonCreatedAfterMs`, default 10 minutes), which end `compensated` with nothing to undo.
   * Then closes the orphans outside sagas (`recoverOrphans()`, reported as `orphans`), so one call,
   * the one `agent-ledger saga recover` and worker start-up make, leaves nothing pending past its lease.
   * Safe to run in several processes at once: each saga and each entry is claimed first.
   */
  async recoverSagas(
    options: { limit?: number; abandonCreatedAfterMs?: number } = {},
  ): Promise<RecoveryReport> {
    const limit = options.limit ?? 1000;
    const ids = await this.wrap("recoverSagas", () => this.store.expired(this.companyId, limit));
    // Sagas created but never executed: their steps lived only in a process that is gone.
    const abandonAfter = options.abandonCreatedAfterMs ?? ABANDON_CREATED_AFTER_MS;
    const created = await this.wrap("recoverSagas", () =>
      this.store.list(this.companyId, { status: "created", limit, before: null }),
    );
    for (const { record, owner } of created) {
      const stale = Date.parse(record.createdAt) <= Date.now() - abandonAfter;
      if (stale && owner === null && !this.planned.has(record.sagaId) && !ids.includes(record.sagaId)) {
        ids.push(record.sagaId);
      }
    }
    const sagas = await recoverExpired(ids, {
      store: this.store,
      audit: this.auditManager,
      companyId: this.companyId,
      owner: this.owner,
      leaseMs: this.leaseMs,
      logger: this.logger,
      context: (record) => this.context(record, []),
    });
    return { ...sagas, orphans: await this.recoverOrphans({ limit }) };
  }

  /**
   * Closes pending audit entries whose lease lapsed (their process stopped) and that no unfinished
   * saga owns, typically plain `executeTool` calls: reconciled through the tool where it can tell
   * (`success` with the undo parameters, or `failed`), else `needs_attention` for a person
   * (`agent-ledger audit list --status needs_attention`). Live leases are left alone.
   */
  async recoverOrphans(options: { limit?: number } = {}): Promise<OrphanReport> {
    return this.wrap("recoverOrphans", () =>
      recoverOrphans(
        {
          audit: this.auditManager,
          tools: this.tools,
          leaseMs: this.leaseMs,
          logger: this.logger,
          sagaActive: async (sagaId) => {
            const saga = await this.store.get(this.companyId, sagaId);
            return (
              saga !== null &&
              (saga.record.status === "created" || ACTIVE_SAGA_STATUSES.includes(saga.record.status))
            );
          },
        },
        options,
      ),
    );
  }

  private context(record: SagaRecord, definitions: StepDefinition[]): RunContext {
    return {
      record,
      lease: new SagaLease(this.store, this.companyId, record.sagaId, this.owner, this.leaseMs, this.logger),
      audit: this.auditManager,
      tools: this.tools,
      retry: this.retry,
      logger: this.logger.child({ sagaId: record.sagaId }),
      handlers: this.handlers,
      definitions,
      results: new Map(),
    };
  }

  private memoryStore(): SagaStore {
    this.logger.warn("no saga store given: sagas are kept in memory and do not survive a restart");
    return new SqliteSagaStore({ path: ":memory:" });
  }

  private async wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isSagaError(err)) throw err;
      throw new SagaError(
        "STORE_UNAVAILABLE",
        `saga store unavailable during ${operation}: ${errorText(err)}`,
      );
    }
  }
}

/** The id of a saga named by its id or by the object createSaga returned. */
function sagaIdOf(saga: SagaRef): string {
  const id = typeof saga === "string" ? saga : saga && typeof saga === "object" ? saga.sagaId : undefined;
  if (typeof id !== "string" || id === "") {
    throw new SagaError(
      "INVALID_INPUT",
      "saga: expected the saga createSaga returned or its sagaId (a non-empty string)",
    );
  }
  return id;
}
