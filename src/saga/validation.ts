import type { CompensationSpec, SagaActionInput, SagaToolStepInput, StepDefinition } from "./definitions.js";
import { SagaError } from "./errors.js";
import { stepKey } from "./run-context.js";
import type { SagaStep } from "./types.js";

const ACTION_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

function invalid(message: string): never {
  throw new SagaError("INVALID_INPUT", message);
}

function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 200) {
    invalid(`${field}: expected a non-empty string of at most 200 characters`);
  }
  return value;
}

function checkLimits(
  maxRetries: unknown,
  timeoutMs: unknown,
): { maxRetries: number | null; timeoutMs: number | null } {
  if (
    maxRetries !== undefined &&
    (!Number.isInteger(maxRetries) || (maxRetries as number) < 0 || (maxRetries as number) > 20)
  ) {
    invalid(`maxRetries: expected a whole number from 0 to 20 (got ${String(maxRetries)})`);
  }
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    invalid(`timeoutMs: expected a positive number of milliseconds (got ${String(timeoutMs)})`);
  }
  return {
    maxRetries: maxRetries === undefined ? null : (maxRetries as number),
    timeoutMs: timeoutMs === undefined ? null : (timeoutMs as number),
  };
}

function checkCompensation(spec: unknown): CompensationSpec | null {
  if (spec === undefined || spec === null) return null;
  if (typeof spec === "string" && spec.trim() !== "") return spec;
  if (typeof spec === "object") {
    const s = spec as { toolName?: unknown; handler?: unknown; parameters?: unknown };
    const params = s.parameters;
    const paramsOk =
      params === undefined ||
      typeof params === "function" ||
      (typeof params === "object" && params !== null && !Array.isArray(params));
    if (typeof s.toolName === "string" && s.toolName !== "" && params !== undefined && paramsOk) {
      return spec as CompensationSpec;
    }
    if (typeof s.handler === "string" && s.handler !== "" && paramsOk) return spec as CompensationSpec;
  }
  return invalid(
    "compensation: expected { toolName, parameters } (parameters an object or a function of the step result), { handler, parameters? } or a registered handler name",
  );
}

/** Checks the arguments of `addAction`; names the field that is wrong. */
export function validateAction(action: SagaActionInput): StepDefinition {
  if (!action || typeof action !== "object") invalid("addAction: expected an action object");
  if (typeof action.actionType !== "string" || !ACTION_TYPE.test(action.actionType)) {
    invalid(
      `actionType: expected a lower-case name such as booking, notification or ticket (got "${String(action.actionType)}")`,
    );
  }
  const actionName = checkName("actionName", action.actionName);
  if (typeof action.executor !== "function") invalid("executor: expected a function that runs the step");
  if (
    action.compensator !== undefined &&
    action.compensator !== null &&
    typeof action.compensator !== "function"
  ) {
    invalid("compensator: expected a function given the step result, or null when the step cannot be undone");
  }
  const params = action.parameters ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    invalid("parameters: expected an object");
  }
  return {
    kind: "lambda",
    actionType: action.actionType,
    actionName,
    parameters: params,
    toolName: null,
    agentName: null,
    tags: [],
    executor: action.executor,
    compensator: action.compensator ?? null,
    compensation: checkCompensation(action.compensation),
    ...checkLimits(action.maxRetries, action.timeoutMs),
  };
}

/** Checks an `addToolStep` call; names the field that is wrong. */
export function validateToolStep(step: SagaToolStepInput): StepDefinition {
  if (!step || typeof step !== "object") invalid("addToolStep: expected a step object");
  const toolName = checkName("toolName", step.toolName);
  const p = step.parameters;
  if (typeof p !== "object" || p === null || Array.isArray(p)) invalid("parameters: expected an object");
  const action = typeof p.action === "string" ? `.${p.action}` : "";
  const actionType = step.actionType ?? toolName.replace(/[^a-z0-9_]/g, "_");
  if (!ACTION_TYPE.test(actionType)) invalid(`actionType: expected a lower-case name (got "${actionType}")`);
  if (
    step.tags !== undefined &&
    (!Array.isArray(step.tags) || step.tags.some((t) => typeof t !== "string"))
  ) {
    invalid("tags: expected an array of strings");
  }
  return {
    kind: "tool",
    actionType,
    actionName: step.actionName ? checkName("actionName", step.actionName) : `${toolName}${action}`,
    parameters: JSON.parse(JSON.stringify(p)) as Record<string, unknown>,
    toolName,
    agentName: step.agentName ?? null,
    tags: step.tags ?? [],
    executor: null,
    compensator: null,
    compensation: null,
    ...checkLimits(step.maxRetries, undefined),
  };
}

/** The stored form of a step that has not started. */
export function planStep(sagaId: string, index: number, def: StepDefinition): SagaStep {
  return notStartedStep({
    index,
    actionType: def.actionType,
    actionName: def.actionName,
    kind: def.kind,
    toolName: def.toolName,
    parameters: def.parameters,
    idempotencyKey: stepKey(sagaId, index),
    maxRetries: def.maxRetries,
    timeoutMs: def.timeoutMs,
    hasCompensator: def.compensator !== null || def.compensation !== null,
  });
}

/** What defines a step before it runs; everything else starts empty. */
export type StepPlan = Pick<
  SagaStep,
  | "index"
  | "actionType"
  | "actionName"
  | "kind"
  | "toolName"
  | "parameters"
  | "idempotencyKey"
  | "maxRetries"
  | "timeoutMs"
  | "hasCompensator"
>;

/** A `planned` step with no attempt, result, undo or error recorded yet. */
export function notStartedStep(plan: StepPlan): SagaStep {
  return {
    ...plan,
    status: "planned",
    compensation: null,
    auditId: null,
    attempts: 0,
    result: null,
    error: null,
    startedAt: null,
    finishedAt: null,
    compensationAuditId: null,
    compensationAttempts: 0,
    compensationError: null,
    compensatedAt: null,
    attention: null,
  };
}
