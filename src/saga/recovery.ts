import type { AuditManager } from "../audit/audit-manager.js";
import type { AuditEntry } from "../audit/types.js";
import type { Logger } from "../util/logger.js";
import { compensateSteps } from "./compensation-runner.js";
import { errorText } from "./errors.js";
import { auditWrite, type RunContext, storedResult } from "./run-context.js";
import type { SagaStore } from "./store.js";
import {
  ACTIVE_SAGA_STATUSES,
  type RecoveryReport,
  type SagaRecord,
  type SagaStatus,
  type SagaStep,
} from "./types.js";

const ABANDONED = "abandoned: process crashed";

/** Every audit entry of a saga, newest first. */
export async function sagaEntries(audit: AuditManager, sagaId: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await audit.query({ sagaId, limit: 1000, ...(cursor && { cursor }) });
    out.push(...page.entries);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/**
 * Finishes a saga whose process stopped (its lease expired): works out what each step left `pending`
 * really did, then either marks the saga completed (every step had succeeded; only the last write was
 * lost) or undoes what happened, newest first, with the durable compensations. A step whose only undo
 * was an in-process function becomes `needs_attention`. No audit entry of the saga is left `pending`.
 */
export async function recoverSaga(ctx: RunContext, previousOwner: string | null): Promise<SagaStatus> {
  const record = ctx.record;
  if (record.status === "created") {
    // Its steps lived only in the process that created it, and that process is gone: nothing ran,
    // so there is nothing to undo. It ends `compensated`, saying so, rather than staying `created`.
    const now = new Date().toISOString();
    record.status = "compensated";
    record.recoveredBy = ctx.lease.owner;
    record.error = `never started: the process that created saga ${record.sagaName} stopped before running it; nothing ran`;
    record.finishedAt = now;
    await ctx.lease.persist(record, true);
    return record.status;
  }
  record.recoveredBy = ctx.lease.owner;
  const entries = await sagaEntries(ctx.audit, record.sagaId);
  let uncertain = false;
  for (const step of record.steps) {
    if (step.status === "pending")
      uncertain = (await reconcilePending(ctx, step, entries)) === "unsure" || uncertain;
  }
  const allDone = !uncertain && record.steps.every((s) => s.status === "succeeded");
  if (record.status === "running" && allDone) {
    record.status = "completed";
  } else {
    const reason =
      `recovery: the process running saga ${record.sagaName} (${record.sagaId})` +
      `${previousOwner ? ` as ${previousOwner}` : ""} stopped while it was ${record.status}`;
    if (record.status === "running") {
      record.status = "compensating";
      record.error ??= reason;
      record.failedAction ??=
        record.steps.find((s) => s.status === "failed" || s.status === "needs_attention")?.actionName ?? null;
    }
    await ctx.lease.persist(record);
    const errors = await compensateSteps(ctx, record.error ?? reason);
    record.compensationErrors = record.steps
      .filter((s) => s.status === "compensation_failed" || s.status === "needs_attention")
      .map(
        (s) =>
          errors.find((e) => e.stepIndex === s.index) ?? {
            stepIndex: s.index,
            actionName: s.actionName,
            error: (s.status === "needs_attention" ? s.attention : s.compensationError) ?? s.status,
            status: s.status as "compensation_failed" | "needs_attention",
          },
      );
    record.status = record.compensationErrors.length > 0 ? "compensation_failed" : "compensated";
  }
  await closeAbandonedEntries(ctx);
  record.finishedAt = new Date().toISOString();
  await ctx.lease.persist(record, true);
  return record.status;
}

/**
 * Claims each saga whose lease expired (compare-and-set: of several recovering processes one wins)
 * and finishes it with `recoverSaga`. A failure leaves the saga for a later run.
 */
export async function recoverExpired(
  ids: string[],
  deps: {
    store: SagaStore;
    audit: AuditManager;
    companyId: string;
    owner: string;
    leaseMs: number;
    logger: Logger;
    context(record: SagaRecord): RunContext;
  },
): Promise<Omit<RecoveryReport, "orphans">> {
  const report: Omit<RecoveryReport, "orphans"> = { examined: 0, recovered: [], skipped: [] };
  for (const sagaId of ids) {
    report.examined++;
    // A call of the saga may still be running (it outlived its deadline in a live process, which keeps
    // its audit lease): reconciling it now could record "did not happen" just before it happens.
    const live = await liveLeasedEntry(deps.audit, sagaId);
    if (live) {
      report.skipped.push({
        sagaId,
        reason: `its call ${live.actionName} (${live.auditId}) is still running under ${live.leaseOwner} until ${live.leaseUntil}`,
      });
      continue;
    }
    const before = await deps.store.get(deps.companyId, sagaId);
    const claim = await deps.store.claim(deps.companyId, sagaId, {
      owner: deps.owner,
      leaseMs: deps.leaseMs,
      statuses: ["created", ...ACTIVE_SAGA_STATUSES],
    });
    if (!claim.ok) {
      report.skipped.push({
        sagaId,
        reason: claim.reason === "leased" ? `held by ${claim.owner}` : claim.reason,
      });
      continue;
    }
    const record = claim.saga.record;
    const from = record.status;
    const ctx = deps.context(record);
    ctx.lease.start();
    try {
      const to = await recoverSaga(ctx, before?.owner ?? null);
      report.recovered.push({ sagaId, sagaName: record.sagaName, from, to });
      deps.logger.info("saga recovered", { sagaId, from, to });
    } catch (err) {
      report.skipped.push({ sagaId, reason: errorText(err) });
      deps.logger.error("saga recovery failed; it is tried again when its lease expires", { sagaId, err });
    } finally {
      ctx.lease.stop();
    }
  }
  return report;
}

/** A pending entry of the saga whose audit lease has not lapsed, if any. */
async function liveLeasedEntry(audit: AuditManager, sagaId: string): Promise<AuditEntry | null> {
  const now = Date.now();
  const page = await audit.query({ sagaId, status: "pending", limit: 1000 });
  return page.entries.find((e) => e.leaseUntil !== null && Date.parse(e.leaseUntil) >= now) ?? null;
}

/** Marks every audit entry of the saga still `pending` as failed: its process is gone. */
async function closeAbandonedEntries(ctx: RunContext): Promise<void> {
  for (const entry of await sagaEntries(ctx.audit, ctx.record.sagaId)) {
    if (entry.status === "pending") {
      await auditWrite(() =>
        ctx.audit.markFailed(entry.auditId, `${ABANDONED} before the outcome was recorded`),
      );
    }
  }
}

async function markAbandoned(ctx: RunContext, entries: AuditEntry[], why: string): Promise<void> {
  for (const e of entries) {
    if (e.status === "pending")
      await auditWrite(() => ctx.audit.markFailed(e.auditId, `${ABANDONED}; ${why}`));
  }
}

/** Decides what a step left `pending` did, from its audit entries and, for tools, by asking the tool. */
async function reconcilePending(
  ctx: RunContext,
  step: SagaStep,
  all: AuditEntry[],
): Promise<"sure" | "unsure"> {
  const mine = all.filter((e) => e.idempotencyKey === step.idempotencyKey);
  const succeeded = mine.find((e) => e.status === "success" || e.status === "compensated");
  const pending = mine.filter((e) => e.status === "pending");
  step.finishedAt = new Date().toISOString();
  const fail = async (why: string) => {
    await markAbandoned(ctx, pending, why);
    step.status = "failed";
    step.error = `${ABANDONED}; ${why}`;
    return "sure" as const;
  };
  const attention = async (why: string) => {
    await markAbandoned(ctx, pending, why);
    step.status = "needs_attention";
    step.attention = `check "${step.actionName}" (${step.idempotencyKey}) by hand: ${why}`;
    return "sure" as const;
  };

  if (succeeded) {
    step.status = "succeeded";
    step.auditId = succeeded.auditId;
    step.result = storedResult(succeeded.result);
    if (step.kind === "tool" && ctx.tools) {
      const plan = await ctx.tools.compensationFor(succeeded.auditId);
      step.compensation = plan ? { kind: "tool_audit", auditId: succeeded.auditId, ...plan } : null;
    }
    await markAbandoned(ctx, pending, `superseded by entry ${succeeded.auditId}`);
    return "sure";
  }
  if (mine.length === 0) return fail("the step had not started");
  if (pending.length === 0) return fail("every attempt had failed");

  if (step.kind === "lambda") {
    if (step.compensation) {
      // Possibly done: its undo is known without the result and is idempotent, so run it anyway.
      await markAbandoned(ctx, pending, "outcome unknown; compensated in case it took effect");
      step.status = "succeeded";
      step.auditId = null;
      step.error = `${ABANDONED}; outcome unknown, compensated in case it took effect`;
      return "unsure";
    }
    if (step.hasCompensator) return attention("the process stopped while it ran; it may have taken effect");
    return fail("outcome unknown; the step has no undo");
  }

  const tools = ctx.tools;
  const toolName = step.toolName as string;
  // The executor recorded, before running, whether this call has an undo.
  const compensable = pending.some((e) => e.compensable);
  let answer: { happened: boolean; result?: unknown } | null = null;
  try {
    answer = tools
      ? await tools.reconcile({ toolName, parameters: step.parameters, idempotencyKey: step.idempotencyKey })
      : null;
  } catch (err) {
    ctx.logger.warn("reconcile failed; treating the outcome as unknown", { sagaId: ctx.record.sagaId, err });
  }
  if (answer && !answer.happened) return fail("the tool reports the call did not take effect");
  if (!answer && !compensable) return fail("outcome unknown; the call cannot be undone");
  const [first] = pending;
  if (answer && (!compensable || !tools)) {
    if (first) await auditWrite(() => ctx.audit.markSuccess(first.auditId, answer?.result ?? null));
    await markAbandoned(ctx, pending.slice(1), `superseded by entry ${first?.auditId}`);
    step.status = "succeeded";
    step.auditId = first?.auditId ?? null;
    step.result = storedResult(answer.result ?? null);
    return "sure";
  }
  if (!tools) return attention("no ToolExecutor is configured to undo the call");
  // It happened, or the tool cannot tell (treated as possibly done): repeat the call with the same
  // idempotency key, which the tool turns into a no-op if it did happen (invariant 4), so the
  // executor records it with its undo; then it is undone through that entry like any other step.
  const again = await tools.executeTool({
    toolName,
    parameters: step.parameters,
    userId: ctx.record.userId,
    conversationId: ctx.record.conversationId,
    sagaId: ctx.record.sagaId,
    idempotencyKey: step.idempotencyKey,
    tags: ["saga", "recovery"],
  });
  if (!again.success || !again.auditId) {
    return attention(
      `the call may have taken effect but could not be recorded for undoing: ${again.error ?? "no audit id"}`,
    );
  }
  const auditId = again.auditId;
  await markAbandoned(ctx, pending, `the call was repeated with its idempotency key as entry ${auditId}`);
  step.status = "succeeded";
  step.auditId = auditId;
  step.result = storedResult(again.data);
  try {
    const plan = await tools.compensationFor(auditId);
    step.compensation = plan ? { kind: "tool_audit", auditId, ...plan } : null;
  } catch (err) {
    step.hasCompensator = true; // its undo exists but could not be read: a person must look
    step.error = `undo unknown: ${errorText(err)}`;
  }
  return "sure";
}
