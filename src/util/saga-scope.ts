import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The saga step (or step undo) whose code is running. Set by the saga orchestrator around an
 * in-process executor or compensator, read by the ToolExecutor so tool calls made there are linked to
 * the saga and the step: when the saga undoes the step, those calls are marked undone with it.
 */
export interface SagaScope {
  companyId: string;
  sagaId: string;
  stepIndex: number;
  /** The audit entry of the step itself (tool calls made inside it link to it). */
  stepAuditId: string | null;
  /** `step` while the step runs, `undo` while its compensator runs. */
  phase: "step" | "undo";
}

const storage = new AsyncLocalStorage<SagaScope>();

/** Runs `fn` inside a saga step's scope. */
export function runInSagaScope<T>(scope: SagaScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The saga step whose code is running, if any. */
export function currentSagaScope(): SagaScope | undefined {
  return storage.getStore();
}

/** The tag that marks the tool calls made inside step `index` of a saga. */
export function sagaStepTag(scope: Pick<SagaScope, "stepIndex" | "phase">): string {
  return `saga-${scope.phase}:${scope.stepIndex}`;
}
