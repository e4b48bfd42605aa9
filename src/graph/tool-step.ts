import { errorText, isSagaError } from "../saga/errors.js";
import type { SagaStep } from "../saga/types.js";
import type { ToolName } from "../tools/tool-map.js";
import type { CompensationPlan, ToolResult } from "../tools/types.js";
import type { GraphDeps } from "./deps.js";
import type { CompensationRecord, GraphStateType, ToolOutcome } from "./state.js";
import { type AnyToolCall, actionOf } from "./tool-call.js";

/** One tool call of a tool node: a built-in tool with its own parameters, and where it belongs. */
export type StepCall<N extends ToolName = ToolName> = AnyToolCall<N> & {
  node: string;
  agentName: string;
  /** The step's idempotency key (thread + business reference + step). */
  key: string;
  /** The saga the step belongs to, if any. */
  sagaId?: string | null;
};

export interface StepDone {
  result: ToolResult;
  outcome: ToolOutcome;
  /** The undo the executor registered, to append to state in the same node. */
  compensation: Omit<CompensationRecord, "seq"> | null;
}

/**
 * One audited tool call of a tool node: recorded `pending` in the saga (when there is one), run through
 * the executor with its step key (a repeat returns the earlier outcome), then recorded with its undo.
 */
export async function runToolStep(deps: GraphDeps, state: GraphStateType, call: StepCall): Promise<StepDone> {
  const action = actionOf(call);
  const fail = (error: string): StepDone => ({
    result: { success: false, tool: call.toolName, data: null, error, auditId: null, retriable: false },
    outcome: {
      node: call.node,
      tool: call.toolName,
      action,
      success: false,
      auditId: null,
      key: call.key,
      compensable: false,
      error,
    },
    compensation: null,
  });
  const sagaId = call.sagaId && deps.sagas ? call.sagaId : null;
  if (sagaId && deps.sagas) {
    try {
      await deps.sagas.beginStep(sagaId, call.key);
    } catch (err) {
      // E.g. recovery already finished the saga after this process lost it: the flow must not go on.
      if (isSagaError(err)) return fail(`the booking flow's saga cannot continue: ${errorText(err)}`);
      throw err;
    }
  }
  const result: ToolResult = await deps.executor.executeTool<ToolName>({
    toolName: call.toolName,
    parameters: call.parameters,
    userId: state.userId,
    agentName: call.agentName,
    conversationId: state.conversationId,
    sagaId,
    idempotencyKey: call.key,
    tags: ["graph", call.node],
  });
  const step = sagaId && deps.sagas ? await deps.sagas.completeStep(sagaId, call.key, result) : null;
  const plan = result.success && result.auditId ? await undoOf(deps, result.auditId, step) : null;
  return {
    result,
    outcome: {
      node: call.node,
      tool: call.toolName,
      action,
      success: result.success,
      auditId: result.auditId,
      key: call.key,
      compensable: plan !== null,
      ...(result.replayed ? { replayed: true } : {}),
      ...(result.error ? { error: result.error } : {}),
    },
    compensation:
      plan && result.auditId
        ? {
            auditId: result.auditId,
            tool: plan.toolName,
            action: typeof plan.parameters.action === "string" ? plan.parameters.action : plan.toolName,
            params: plan.parameters,
          }
        : null,
  };
}

/** The undo of a successful call: as the saga step just recorded it, else read from the audit entry. */
async function undoOf(
  deps: GraphDeps,
  auditId: string,
  step: SagaStep | null,
): Promise<CompensationPlan | null> {
  if (step?.status === "succeeded" && step.auditId === auditId) {
    const c = step.compensation;
    if (c === null) return null;
    if (c.kind === "tool_audit" && c.auditId === auditId && c.toolName && c.parameters)
      return { toolName: c.toolName, parameters: c.parameters };
  }
  return deps.executor.compensationFor(auditId);
}

/** Whether a tool node of this turn failed (the graph then rolls back). */
export function failedThisTurn(state: Pick<GraphStateType, "toolOutcomes">, node: string): boolean {
  return state.toolOutcomes.some((o) => o.node === node && !o.success);
}
