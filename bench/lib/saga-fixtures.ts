import type { AuditManager } from "../../src/audit/index.js";
import type { CompensationOrchestrator } from "../../src/saga/index.js";

/** The registered (durable) undo every benchmark step names. */
export const UNDO = "bench.undo";
export const STEPS = 3;

/** Adds the benchmark's three no-op audited steps, each with a durable undo (a registered handler). */
export function addNoopSteps(
  sagas: CompensationOrchestrator,
  sagaId: string,
  executor: (step: number) => unknown | Promise<unknown> = () => ({ ok: true }),
): void {
  for (let step = 0; step < STEPS; step++) {
    sagas.addAction(sagaId, {
      actionType: "api_call",
      actionName: `bench.step${step + 1}`,
      executor: () => executor(step),
      // Parameters known before the step runs, so even a step left pending by a crash can be undone.
      compensation: { handler: UNDO, parameters: { step } },
      parameters: { step },
    });
  }
}

/**
 * The same three audited steps without a saga: the audit writes a saga step makes (pending with its
 * idempotency key and undo, then success with the undo parameters), nothing else.
 */
export async function threeAuditedSteps(audit: AuditManager, i: number): Promise<void> {
  for (let step = 0; step < STEPS; step++) {
    const entry = await audit.logAction({
      userId: `u${String(i % 1000).padStart(4, "0")}`,
      actionType: "api_call",
      actionName: `bench.step${step + 1}`,
      inputParams: { step },
      compensable: true,
      compensationAction: UNDO,
      conversationId: `c${i % 100}`,
      idempotencyKey: `plain-${i}:${step}`,
      tags: ["saga", "attempt:1"],
    });
    await audit.markSuccess(entry.auditId, { ok: true }, 0, { compensationParams: { step } });
  }
}
