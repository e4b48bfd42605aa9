import type { DurableCompensation } from "./types.js";

/** What a step's executor receives (zero-argument executors may ignore it). */
export interface StepContext {
  sagaId: string;
  stepIndex: number;
  /** 1 for the first try. */
  attempt: number;
  /** `${sagaId}:${stepIndex}`: pass it to the service so a retry never acts twice. */
  idempotencyKey: string;
  /** Aborted when the step's timeout passes. */
  signal: AbortSignal;
}

/** What an undo receives besides the step result or its parameters. */
export interface CompensationContext {
  sagaId: string;
  stepIndex: number;
  attempt: number;
  /** Why the saga is being rolled back. */
  reason: string;
  /** A stable key for this undo: repeats of it must be no-ops. */
  idempotencyKey: string;
  signal: AbortSignal;
}

type ParamsOf = Record<string, unknown> | ((result: unknown) => Record<string, unknown>);

/**
 * The durable form of an undo. Parameters given as a function are resolved from the step result
 * right after the step succeeds and stored as plain JSON before the next step starts.
 * - `{ toolName, parameters }`: a ToolExecutor call;
 * - `{ handler, parameters? }` or just the handler's name: a function registered with
 *   `registerCompensation` in every process (the name form passes `{ result }`).
 */
export type CompensationSpec =
  | { toolName: string; parameters: ParamsOf }
  | { handler: string; parameters?: ParamsOf }
  | string;

/** A registered undo: must be idempotent (it may run again after a crash). */
export type CompensationHandler = (
  parameters: Record<string, unknown>,
  ctx: CompensationContext,
) => unknown | Promise<unknown>;

/** The arguments of `addAction` (`add_action` in the Python API). */
export interface SagaActionInput {
  actionType: string;
  actionName: string;
  /** Runs the step; may throw or return a ToolResult (`{ success: false }` counts as a failure). */
  executor: (ctx: StepContext) => unknown | Promise<unknown>;
  /**
   * In-process undo, given the executor's result; `null` (or absent) when the step cannot be undone,
   * such as a sent email. Lost if the process dies: prefer `compensation`.
   */
  compensator?: ((result: unknown, ctx: CompensationContext) => unknown | Promise<unknown>) | null;
  /** Durable undo, runnable by any process after a crash. Used instead of `compensator` when both are given. */
  compensation?: CompensationSpec;
  /** Retries after the first try (default: the orchestrator's retry policy). */
  maxRetries?: number;
  /** Deadline of one try in ms (default none). The executor's signal is aborted then: honour it. */
  timeoutMs?: number;
  /** What the step does, recorded as the audit entry's input. */
  parameters?: Record<string, unknown>;
}

/** A step run through the ToolExecutor (its undo comes from the tool registry). */
export interface SagaToolStepInput {
  toolName: string;
  parameters: Record<string, unknown>;
  /** Audit action type (default the tool's own). */
  actionType?: string;
  /** Default `${toolName}` plus `.${parameters.action}` when there is one. */
  actionName?: string;
  agentName?: string;
  tags?: string[];
  /** Retries of the whole call after the executor's own (default: the orchestrator's policy). */
  maxRetries?: number;
}

/** A step as this process knows it: the stored part plus the functions that live only here. */
export interface StepDefinition {
  kind: "lambda" | "tool";
  actionType: string;
  actionName: string;
  parameters: Record<string, unknown>;
  toolName: string | null;
  agentName: string | null;
  tags: string[];
  executor: ((ctx: StepContext) => unknown | Promise<unknown>) | null;
  compensator: ((result: unknown, ctx: CompensationContext) => unknown | Promise<unknown>) | null;
  compensation: CompensationSpec | null;
  maxRetries: number | null;
  timeoutMs: number | null;
}

/** The durable undo of a step from its spec and result, as plain JSON; null when none was given. */
export function resolveCompensation(
  spec: CompensationSpec | null,
  result: unknown,
): DurableCompensation | null {
  if (spec === null) return null;
  if (typeof spec === "string") return { kind: "handler", name: spec, parameters: toJson({ result }) };
  const params = (p: ParamsOf | undefined): Record<string, unknown> =>
    toJson(typeof p === "function" ? p(result) : (p ?? { result }));
  if ("toolName" in spec)
    return { kind: "tool", toolName: spec.toolName, parameters: params(spec.parameters) };
  return { kind: "handler", name: spec.handler, parameters: params(spec.parameters) };
}

/** The undo known before the step runs (parameters that do not depend on the result), else null. */
export function staticCompensation(spec: CompensationSpec | null): DurableCompensation | null {
  if (spec === null || typeof spec === "string") return null;
  if (typeof spec.parameters === "function") return null;
  if ("toolName" in spec)
    return { kind: "tool", toolName: spec.toolName, parameters: toJson(spec.parameters) };
  return spec.parameters
    ? { kind: "handler", name: spec.handler, parameters: toJson(spec.parameters) }
    : null;
}

/** A plain-JSON copy (what the store keeps): functions, undefined and class identity are dropped. */
export function toJson<T>(value: T): T {
  if (value === undefined) return null as T;
  return JSON.parse(JSON.stringify(value)) as T;
}
