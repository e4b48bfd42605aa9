import type { AuditManager } from "../audit/audit-manager.js";
import type { AuditEntry, AuditStatus } from "../audit/types.js";
import type { Logger } from "../util/logger.js";
import { errorText } from "./errors.js";
import type { SagaToolExecutor } from "./tool-port.js";

/** What `recoverOrphans()` did with pending audit entries whose owner stopped. */
export interface OrphanReport {
  /** Pending entries looked at. */
  examined: number;
  /** Pending entries whose lease is still live (their owner is working on them): left alone. */
  leased: number;
  /** Entries closed: success (it took effect), failed (it did not), needs_attention (nobody can tell). */
  closed: { auditId: string; actionName: string; to: AuditStatus; reason: string }[];
  /** Entries left for later (a saga's own recovery handles them, another process claimed them first, or an error). */
  skipped: { auditId: string; reason: string }[];
}

export interface OrphanRecoveryDeps {
  audit: AuditManager;
  tools: SagaToolExecutor | null;
  /** Whether a saga is still unfinished: its own recovery then owns its entries. */
  sagaActive(sagaId: string): Promise<boolean>;
  /** How long this process holds an orphan it claimed while reconciling it. */
  leaseMs: number;
  logger: Logger;
  now?: () => number;
}

const OWNER_STOPPED = "recovery: the process that ran it stopped before recording the outcome";

/**
 * Closes every `pending` entry of the tenant whose lease lapsed (its process stopped), except those
 * of unfinished sagas: claims it (compare-and-set, so of several recovering processes one acts), asks
 * the tool whether the call took effect and marks it `success` with the reconciled result and undo
 * parameters (so it can be compensated), `failed`, or `needs_attention` when the tool cannot tell.
 * A reconcile that throws (service down) leaves the entry for a later run.
 */
export async function recoverOrphans(
  deps: OrphanRecoveryDeps,
  options: { limit?: number } = {},
): Promise<OrphanReport> {
  const report: OrphanReport = { examined: 0, leased: 0, closed: [], skipped: [] };
  const limit = options.limit ?? 1000;
  const now = deps.now ?? Date.now;
  const sagaState = new Map<string, Promise<boolean>>();
  let cursor: string | undefined;
  do {
    const page = await deps.audit.query({
      status: "pending",
      limit: Math.min(1000, limit - report.examined),
      ...(cursor && { cursor }),
    });
    cursor = page.nextCursor ?? undefined;
    for (const entry of page.entries) {
      report.examined++;
      if (entry.leaseUntil !== null && Date.parse(entry.leaseUntil) >= now()) {
        report.leased++;
        continue;
      }
      if (entry.sagaId) {
        let active = sagaState.get(entry.sagaId);
        if (!active) {
          active = deps.sagaActive(entry.sagaId);
          sagaState.set(entry.sagaId, active);
        }
        if (await active) {
          report.skipped.push({ auditId: entry.auditId, reason: `saga ${entry.sagaId} recovers it` });
          continue;
        }
      }
      await closeOrphan(deps, entry, report);
    }
  } while (cursor && report.examined < limit);
  return report;
}

async function closeOrphan(deps: OrphanRecoveryDeps, entry: AuditEntry, report: OrphanReport): Promise<void> {
  const { audit, logger } = deps;
  const auditId = entry.auditId;
  const claim = await audit.claimLease(auditId, deps.leaseMs);
  if (!claim.ok) {
    const reason =
      claim.status === "pending" ? `claimed by ${claim.owner}` : `already ${claim.status ?? "gone"}`;
    report.skipped.push({ auditId, reason });
    return;
  }
  let answer: Awaited<ReturnType<NonNullable<SagaToolExecutor["reconcileEntry"]>>> = null;
  try {
    answer = deps.tools?.reconcileEntry ? await deps.tools.reconcileEntry(entry) : null;
  } catch (err) {
    // The service could not be asked: try again on a later run rather than guess.
    report.skipped.push({ auditId, reason: `reconcile failed: ${errorText(err)}` });
    logger.warn("orphan reconcile failed; tried again later", { auditId, err: errorText(err) });
    return;
  }
  let to: AuditStatus;
  let reason: string;
  try {
    if (answer?.happened) {
      to = "success";
      reason = `${OWNER_STOPPED}; the tool reports it took effect`;
      await audit.markSuccess(auditId, answer.result, null, {
        ...(answer.compensationParams && { compensationParams: answer.compensationParams }),
      });
    } else if (answer) {
      to = "failed";
      reason = `${OWNER_STOPPED}; the tool reports it did not take effect`;
      await audit.markFailed(auditId, reason);
    } else {
      to = "needs_attention";
      reason = `${OWNER_STOPPED}; ${entry.actionName} cannot tell whether it took effect: check it by hand`;
      await audit.markNeedsAttention(auditId, reason);
    }
  } catch (err) {
    // E.g. its owner recorded the outcome after all (a late call settling): that outcome stands.
    report.skipped.push({ auditId, reason: `not closed: ${errorText(err)}` });
    return;
  }
  report.closed.push({ auditId, actionName: entry.actionName, to, reason });
  logger.warn("orphaned audit entry closed", { auditId, actionName: entry.actionName, to });
}
