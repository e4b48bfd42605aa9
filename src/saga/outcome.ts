import { SagaError } from "./errors.js";
import type { ClaimOutcome } from "./store.js";
import {
  ACTIVE_SAGA_STATUSES,
  type SagaExecutionResult,
  type SagaRecord,
  type SagaView,
  type StoredSaga,
} from "./types.js";

/** Why `executeSaga` could not take a saga, as the error its caller sees. */
export function refusal(
  claim: Exclude<ClaimOutcome, { ok: true }>,
  sagaId: string,
  companyId: string,
  heldBy: string | null,
): SagaError {
  if (claim.reason === "leased") {
    return new SagaError(
      "SAGA_BUSY",
      `saga ${sagaId} is already being executed by ${claim.owner} (lease until ${new Date(claim.leaseUntil).toISOString()}); wait for it or, if that process died, run recoverSagas() after the lease expires`,
      sagaId,
    );
  }
  if (claim.reason === "status" && ACTIVE_SAGA_STATUSES.includes(claim.status)) {
    return new SagaError(
      "SAGA_BUSY",
      `saga ${sagaId} is already ${claim.status}${heldBy ? ` (held by ${heldBy})` : ""}; wait for it or, if that process died, run recoverSagas() after its lease expires`,
      sagaId,
    );
  }
  if (claim.reason === "status") {
    return new SagaError(
      "ILLEGAL_STATE",
      `saga ${sagaId} is ${claim.status}: a saga runs once; create a new saga to run the steps again`,
      sagaId,
    );
  }
  return new SagaError("NOT_FOUND", `saga ${sagaId} not found for company ${companyId}`, sagaId);
}

/** The result of the Python API (camelCase) for a finished saga. */
export function summary(record: SagaRecord): SagaExecutionResult {
  const executed = record.steps.filter(
    (s) => s.finishedAt && s.status !== "failed" && s.status !== "pending",
  );
  const skipped = record.steps.filter((s) => s.status === "skipped").map((s) => s.actionName);
  return {
    success: record.status === "completed",
    sagaId: record.sagaId,
    status: record.status,
    actionsExecuted: executed.length,
    actionsCompensated: record.steps.filter((s) => s.status === "compensated").length,
    ...(skipped.length > 0 && { actionsSkipped: skipped }),
    ...(record.failedAction && { failedAction: record.failedAction }),
    ...(record.error && { error: record.error }),
    ...(record.compensationErrors.length > 0 && { compensationErrors: record.compensationErrors }),
  };
}

export function view(stored: StoredSaga): SagaView {
  return { ...stored.record, owner: stored.owner, leaseUntil: stored.leaseUntil };
}
