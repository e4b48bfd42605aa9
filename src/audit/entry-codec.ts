import type { AuditOp, StoredEntry } from "./store.js";
import type { AuditEntry, AuditStatus } from "./types.js";

/** Fields fixed when an entry is created. */
export type BaseFields = Pick<
  AuditEntry,
  | "auditId"
  | "companyId"
  | "userId"
  | "actionType"
  | "actionName"
  | "inputParams"
  | "compensable"
  | "compensationAction"
  | "compensationParams"
  | "agentName"
  | "conversationId"
  | "sagaId"
  | "idempotencyKey"
  | "linkedAuditId"
  | "tags"
  | "createdAt"
>;

/** Fields written by markSuccess / markFailed / markNeedsAttention. */
export interface OutcomeFields {
  result?: unknown;
  errorMessage?: string;
  durationMs: number | null;
  finishedAt: string;
  /** markSuccess may complete the compensation parameters from the result (e.g. an event id). */
  compensationParams?: Record<string, unknown>;
}

/** Fields written by compensate. */
export interface CompensationFields {
  compensationReason: string;
  compensatedAt: string;
  compensationAuditId: string | null;
}

/** The status each transition sets. */
export const STATUS_OF_OP: Record<AuditOp, AuditStatus> = {
  create: "pending",
  success: "success",
  failed: "failed",
  compensate: "compensated",
  attention: "needs_attention",
};

/** Turns the stored field groups back into an entry; null when the groups are unreadable. */
export function decodeEntry(stored: StoredEntry): AuditEntry | null {
  let base: BaseFields;
  let outcome: OutcomeFields | null;
  let comp: CompensationFields | null;
  try {
    base = JSON.parse(stored.base) as BaseFields;
    outcome = stored.outcome ? (JSON.parse(stored.outcome) as OutcomeFields) : null;
    comp = stored.comp ? (JSON.parse(stored.comp) as CompensationFields) : null;
  } catch {
    return null;
  }
  const lease =
    stored.status === "pending" && stored.leaseOwner !== null && stored.leaseUntil !== null
      ? { owner: stored.leaseOwner, untilMs: stored.leaseUntil }
      : null;
  return assembleEntry(base, stored.status, stored.updatedAt, outcome, comp, lease);
}

/**
 * An entry from its field groups. Fields are listed one by one on purpose: a spread into a literal
 * this wide is a slow path in V8, and this runs for every entry written or read.
 */
export function assembleEntry(
  base: BaseFields,
  status: AuditStatus,
  updatedAt: string,
  outcome: OutcomeFields | null,
  comp: CompensationFields | null,
  lease: { owner: string; untilMs: number } | null = null,
): AuditEntry {
  return {
    auditId: base.auditId,
    companyId: base.companyId,
    userId: base.userId,
    actionType: base.actionType,
    actionName: base.actionName,
    inputParams: base.inputParams,
    compensable: base.compensable,
    compensationAction: base.compensationAction,
    compensationParams: outcome?.compensationParams ?? base.compensationParams,
    agentName: base.agentName,
    conversationId: base.conversationId,
    sagaId: base.sagaId,
    idempotencyKey: base.idempotencyKey,
    linkedAuditId: base.linkedAuditId,
    tags: base.tags,
    status,
    result: outcome?.result ?? null,
    errorMessage: outcome?.errorMessage ?? null,
    durationMs: outcome?.durationMs ?? null,
    createdAt: base.createdAt,
    updatedAt,
    finishedAt: outcome?.finishedAt ?? null,
    compensationReason: comp?.compensationReason ?? null,
    compensatedAt: comp?.compensatedAt ?? null,
    compensationAuditId: comp?.compensationAuditId ?? null,
    leaseOwner: lease?.owner ?? null,
    leaseUntil: lease ? new Date(lease.untilMs).toISOString() : null,
  };
}

/** Opaque paging cursor: base64url of "score:id". */
export function encodeCursor(pos: { score: number; id: string }): string {
  return Buffer.from(`${pos.score}:${pos.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { score: number; id: string } | null {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^(\d{1,15}):([0-9A-HJKMNP-TV-Z]{26})$/.exec(text);
  return m ? { score: Number(m[1]), id: m[2] as string } : null;
}
