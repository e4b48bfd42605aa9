import type { OrphanReport } from "./orphan-recovery.js";
/**
 * Where a saga is in its life:
 * `created -> running -> completed`, or `running -> compensating -> compensated | compensation_failed`.
 */
export type SagaStatus =
  | "created"
  | "running"
  | "completed"
  | "compensating"
  | "compensated"
  | "compensation_failed";
export const SAGA_STATUSES: readonly SagaStatus[] = [
  "created",
  "running",
  "completed",
  "compensating",
  "compensated",
  "compensation_failed",
];
/** Statuses a process is working on (it holds the lease); recovery takes over when the lease expires. */
export const ACTIVE_SAGA_STATUSES: readonly SagaStatus[] = ["running", "compensating"];
export const TERMINAL_SAGA_STATUSES: readonly SagaStatus[] = [
  "completed",
  "compensated",
  "compensation_failed",
];

/**
 * Where one step is:
 * - `planned`: added, not started;
 * - `pending`: written before its side effect runs (with its idempotency key), outcome not yet known;
 * - `succeeded` / `failed`;
 * - `compensating` (written before the undo runs), `compensated`, `compensation_failed`;
 * - `skipped`: it succeeded but has nothing that undoes it;
 * - `needs_attention`: its only undo was an in-process function lost with a crashed process, so a
 *   person has to undo it by hand (the step says what).
 */
export type StepStatus =
  | "planned"
  | "pending"
  | "succeeded"
  | "failed"
  | "compensating"
  | "compensated"
  | "compensation_failed"
  | "skipped"
  | "needs_attention";

/**
 * The durable form of an undo, stored as plain JSON so any process can run it after a crash:
 * - `tool`: a ToolExecutor call (`executeTool({toolName, parameters})`);
 * - `tool_audit`: the ToolExecutor's own compensation of the step's audit entry (`compensate(auditId)`),
 *   used for steps added with `addToolStep`; `toolName`/`parameters` show what it will run;
 * - `handler`: a function registered under `name` with `registerCompensation` in every process.
 */
export type DurableCompensation =
  | { kind: "tool"; toolName: string; parameters: Record<string, unknown> }
  | {
      kind: "tool_audit";
      auditId: string;
      toolName: string | null;
      parameters: Record<string, unknown> | null;
    }
  | { kind: "handler"; name: string; parameters: Record<string, unknown> };

/** One step as stored. */
export interface SagaStep {
  index: number;
  actionType: string;
  actionName: string;
  /** `lambda`: an in-process executor; `tool`: a ToolExecutor call (stored, so recovery can reconcile it). */
  kind: "lambda" | "tool";
  toolName: string | null;
  /** The tool step's parameters, or what the caller described for a lambda step (audit input). */
  parameters: Record<string, unknown>;
  status: StepStatus;
  /** `${sagaId}:${index}`: the same key on every attempt, so a repeated call never acts twice. */
  idempotencyKey: string;
  maxRetries: number | null;
  timeoutMs: number | null;
  /** The undo that survives a crash, resolved from the result as soon as the step succeeded. */
  compensation: DurableCompensation | null;
  /** Whether the step was given any undo (an in-process `compensator` is lost if the process dies). */
  hasCompensator: boolean;
  auditId: string | null;
  attempts: number;
  result: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  compensationAuditId: string | null;
  compensationAttempts: number;
  compensationError: string | null;
  compensatedAt: string | null;
  /** For `needs_attention`: what a person must undo by hand. */
  attention: string | null;
}

/** A saga as stored. */
export interface SagaRecord {
  sagaId: string;
  companyId: string;
  sagaName: string;
  userId: string;
  conversationId: string | null;
  status: SagaStatus;
  steps: SagaStep[];
  /** The step that failed (its actionName), when the saga was rolled back. */
  failedAction: string | null;
  error: string | null;
  compensationErrors: CompensationError[];
  /** Set when `recoverSagas()` finished this saga for a crashed process. */
  recoveredBy: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A saga plus who holds it, as the store returns it. */
export interface StoredSaga {
  record: SagaRecord;
  owner: string | null;
  /** Epoch ms until which `owner` may work on it. */
  leaseUntil: number | null;
  version: number;
}

export interface CompensationError {
  stepIndex: number;
  actionName: string;
  error: string;
  /** `compensation_failed` (the undo kept failing) or `needs_attention` (no undo survived a crash). */
  status: "compensation_failed" | "needs_attention";
}

/** What `executeSaga` answers (the Python API's result, camelCase). */
export interface SagaExecutionResult {
  success: boolean;
  sagaId: string;
  status: SagaStatus;
  /** How many steps succeeded. */
  actionsExecuted: number;
  /** How many steps were undone. */
  actionsCompensated: number;
  /** Steps that succeeded but have no undo (left as they are). */
  actionsSkipped?: string[];
  failedAction?: string;
  error?: string;
  compensationErrors?: CompensationError[];
}

/** What `recoverSagas()` did. */
export interface RecoveryReport {
  /** Sagas examined whose lease had expired. */
  examined: number;
  recovered: { sagaId: string; sagaName: string; from: SagaStatus; to: SagaStatus }[];
  /** Sagas another process took over first, or that could not be finished (with the error). */
  skipped: { sagaId: string; reason: string }[];
  /** Pending audit entries outside unfinished sagas whose owner stopped (plain tool calls), closed after the sagas. */
  orphans: OrphanReport;
}

export interface ListSagasOptions {
  status?: SagaStatus;
  /** 1..1000, default 50. */
  limit?: number;
  /** Continue with sagas older than this saga id (the last id of the previous page). */
  before?: string;
}

/** A saga as `getSaga` / `listSagas` show it: the record plus who holds it now. */
export interface SagaView extends SagaRecord {
  owner: string | null;
  /** Epoch ms until which `owner` holds the lease. */
  leaseUntil: number | null;
}

/** What `createSaga` returns: the new saga, named by `sagaId` wherever a saga is expected. */
export interface SagaHandle {
  sagaId: string;
  companyId: string;
  sagaName: string;
  userId: string;
  conversationId: string | null;
  status: SagaStatus;
  createdAt: string;
}

/** A saga named by its id or by the object `createSaga` returned. */
export type SagaRef = string | { sagaId: string };
