import type { AuditManager } from "../audit/audit-manager.js";
import type { Logger } from "../util/logger.js";
import { redactSecrets } from "../util/redaction.js";
import { type RetryPolicy, sleep } from "../util/retry.js";
import type { CompensationHandler, StepDefinition } from "./definitions.js";
import { SagaError } from "./errors.js";
import type { SagaLease } from "./lease.js";
import type { SagaToolExecutor } from "./tool-port.js";
import type { SagaRecord, SagaStep } from "./types.js";

/** Everything the step and compensation runners need while one process holds one saga. */
export interface RunContext {
  record: SagaRecord;
  lease: SagaLease;
  audit: AuditManager;
  tools: SagaToolExecutor | null;
  retry: RetryPolicy;
  logger: Logger;
  handlers: ReadonlyMap<string, CompensationHandler>;
  /** This process's step definitions (empty during recovery: their functions died with the crashed process). */
  definitions: readonly StepDefinition[];
  /** Results as the executors returned them (lambda compensators receive these, not the stored copy). */
  results: Map<number, unknown>;
}

export function stepKey(sagaId: string, index: number): string {
  return `${sagaId}:${index}`;
}

/** The tool executor, or a clear error naming the option that is missing. */
export function requireTools(ctx: RunContext, what: string): SagaToolExecutor {
  if (!ctx.tools) {
    throw new SagaError(
      "NOT_CONFIGURED",
      `${what} needs a ToolExecutor: pass toolExecutor to new CompensationOrchestrator({ ... })`,
      ctx.record.sagaId,
    );
  }
  return ctx.tools;
}

/** A copy of a result fit for the saga store (secrets redacted, plain JSON). */
export function storedResult(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(redactSecrets(value)));
  } catch {
    return String(value);
  }
}

/** The policy with a step's own retry count. */
export function policyFor(ctx: RunContext, maxRetries: number | null): RetryPolicy {
  return maxRetries === null ? ctx.retry : { ...ctx.retry, maxRetries };
}

/**
 * Runs an audit write that must not be lost (an outcome after the side effect happened): a few quick
 * tries, then the last error is thrown.
 */
export async function auditWrite(fn: () => Promise<unknown>, tries = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (i >= tries || (err as { retriable?: unknown }).retriable === false) throw err;
      await sleep(20 * i);
    }
  }
}

/**
 * Makes sure a step's audit entry no longer says `pending` once the step is known to have succeeded
 * (a crash or an audit outage may have left it so), so it can be marked `compensated`.
 */
export async function finalizeAuditEntry(ctx: RunContext, step: SagaStep): Promise<void> {
  if (!step.auditId) return;
  const entry = await ctx.audit.getEntry(step.auditId);
  if (entry?.status === "pending") {
    await auditWrite(() =>
      ctx.audit.markSuccess(step.auditId as string, step.result, null, {
        ...(step.compensation && { compensationParams: step.compensation.parameters ?? {} }),
      }),
    );
  }
}
