/**
 * Where an audited action is in its life: `pending -> success -> compensated`, `pending -> failed`,
 * and `pending -> needs_attention` when recovery found a call whose owner stopped and could not tell
 * whether it took effect (a person must check it).
 */
export type AuditStatus = "pending" | "success" | "failed" | "compensated" | "needs_attention";
export const AUDIT_STATUSES: readonly AuditStatus[] = [
  "pending",
  "success",
  "failed",
  "compensated",
  "needs_attention",
];

/** Built-in action types; the set is open, any other lower-case name is accepted too. */
export type ActionType = "booking" | "notification" | "ticket" | "rag_search" | "api_call" | (string & {});

/** One audited action, as callers see it. */
export interface AuditEntry {
  auditId: string;
  companyId: string;
  userId: string;
  actionType: ActionType;
  actionName: string;
  inputParams: Record<string, unknown>;
  compensable: boolean;
  compensationAction: string | null;
  compensationParams: Record<string, unknown> | null;
  agentName: string | null;
  conversationId: string | null;
  sagaId: string | null;
  idempotencyKey: string | null;
  /** For a compensation entry: the audit id of the action it undoes. */
  linkedAuditId: string | null;
  tags: string[];
  status: AuditStatus;
  result: unknown;
  errorMessage: string | null;
  durationMs: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  compensationReason: string | null;
  compensatedAt: string | null;
  /** The audit id of the compensation entry that undid this action, when known. */
  compensationAuditId: string | null;
  /** While `pending`: the process working on it (null once finished). */
  leaseOwner: string | null;
  /** While `pending`: until when its owner holds it (ISO); after that recovery may close it. */
  leaseUntil: string | null;
}

export interface LogActionInput {
  userId?: string | null;
  actionType: ActionType;
  actionName: string;
  inputParams?: Record<string, unknown>;
  compensable?: boolean;
  compensationAction?: string | null;
  compensationParams?: Record<string, unknown> | null;
  agentName?: string | null;
  conversationId?: string | null;
  sagaId?: string | null;
  idempotencyKey?: string | null;
  linkedAuditId?: string | null;
  tags?: string[];
  /** How long the new `pending` entry is leased to this process (ms; default: the manager's leaseMs). */
  leaseMs?: number;
}

export interface AuditQuery {
  userId?: string;
  actionType?: ActionType;
  status?: AuditStatus;
  tag?: string;
  conversationId?: string;
  sagaId?: string;
  /** Inclusive lower bound on createdAt (Date, ISO string or epoch ms). */
  from?: Date | string | number;
  /** Exclusive upper bound on createdAt. */
  to?: Date | string | number;
  /** 1..1000, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

export type TamperKind = "changed" | "deleted" | "inserted" | "reordered" | "forged";

export interface TamperFinding {
  kind: TamperKind;
  /** The audit entry concerned, when one can be named. */
  auditId: string | null;
  /** The chain sequence number concerned, when one can be named. */
  seq: number | null;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  companyId: string;
  /** Whether records were signed with a key (without one, only accidental damage is detectable). */
  signed: boolean;
  entriesChecked: number;
  recordsChecked: number;
  sealsChecked: number;
  /** Records written after the newest seal: protected by their signatures, not yet by a seal. */
  unsealedRecords: number;
  findings: TamperFinding[];
}
