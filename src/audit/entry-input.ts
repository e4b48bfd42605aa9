import { newId } from "../util/ids.js";
import { assembleEntry, type BaseFields, decodeCursor } from "./entry-codec.js";
import { AuditError } from "./errors.js";
import type { StoreFilters } from "./store.js";
import {
  AUDIT_STATUSES,
  type AuditEntry,
  type AuditQuery,
  type AuditStatus,
  type LogActionInput,
} from "./types.js";

const ACTION_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const TAG = /^[\p{L}\p{N}_:.\-/]{1,64}$/u;
/** A ULID as the audit trail issues them. */
export const AUDIT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const invalid = (message: string) => new AuditError("INVALID_INPUT", message);

interface BuildContext {
  companyId: string;
  now: number;
  redact(value: unknown): unknown;
  /** Called when an action arrives without a userId (it is recorded as `anonymous`). */
  onAnonymous(actionName: string): void;
}

/** Validates logAction's input (naming the field at fault) and builds the fields fixed at creation. */
export function buildBaseFields(input: LogActionInput, ctx: BuildContext): BaseFields {
  if (!input || typeof input !== "object") throw invalid("logAction: expected an options object");
  if (typeof input.actionType !== "string" || !ACTION_TYPE.test(input.actionType)) {
    throw invalid(
      `actionType: expected a lower-case name such as booking, notification, ticket, rag_search or api_call (got "${input.actionType}")`,
    );
  }
  if (
    typeof input.actionName !== "string" ||
    input.actionName.trim() === "" ||
    input.actionName.length > 200
  ) {
    throw invalid("actionName: expected a non-empty string of at most 200 characters");
  }
  const params = input.inputParams ?? {};
  if (typeof params !== "object" || Array.isArray(params)) throw invalid("inputParams: expected an object");
  const tags = input.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string" || !TAG.test(t))) {
    throw invalid("tags: expected an array of short strings (letters, digits, _ : . - /)");
  }
  let userId = input.userId;
  if (userId === undefined || userId === null || userId === "") {
    userId = "anonymous";
    ctx.onAnonymous(input.actionName);
  }
  const compensable = input.compensable ?? false;
  if (compensable && !input.compensationAction) {
    throw invalid(
      "compensationAction: required when compensable is true (name the action that undoes this one)",
    );
  }
  return {
    auditId: newId(ctx.now),
    companyId: ctx.companyId,
    userId: String(userId),
    actionType: input.actionType,
    actionName: input.actionName,
    inputParams: ctx.redact(params) as Record<string, unknown>,
    compensable,
    compensationAction: optional("compensationAction", input.compensationAction),
    compensationParams: input.compensationParams
      ? (ctx.redact(input.compensationParams) as Record<string, unknown>)
      : null,
    agentName: optional("agentName", input.agentName),
    conversationId: optional("conversationId", input.conversationId),
    sagaId: optional("sagaId", input.sagaId),
    idempotencyKey: optional("idempotencyKey", input.idempotencyKey),
    linkedAuditId: optional("linkedAuditId", input.linkedAuditId),
    tags: [...new Set(tags)],
    createdAt: new Date(ctx.now).toISOString(),
  };
}

function optional(name: string, v: string | null | undefined): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string" || v.length > 256)
    throw invalid(`${name}: expected a string of at most 256 characters`);
  return v;
}

/** A new entry as logAction returns it. */
export function pendingEntry(
  base: BaseFields,
  status: AuditStatus,
  updatedAt: string,
  lease: { owner: string; untilMs: number } | null,
): AuditEntry {
  return assembleEntry(base, status, updatedAt, null, null, lease);
}

/** Checks a lease duration (ms), naming the field. */
export function checkLeaseMs(name: string, ms: number): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 50 || ms > 7 * 86_400_000) {
    throw invalid(`${name}: expected a lease of 50 ms to 7 days, in milliseconds (got ${ms})`);
  }
  return Math.round(ms);
}

export function checkDuration(durationMs: number | null): number | null {
  if (durationMs === null || durationMs === undefined) return null;
  if (typeof durationMs !== "number" || !Number.isFinite(durationMs) || durationMs < 0) {
    throw invalid(`durationMs: expected a non-negative number of milliseconds (got ${durationMs})`);
  }
  return durationMs;
}

function toMs(name: string, v: Date | string | number | undefined): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(ms))
    throw invalid(`${name}: expected a date (ISO 8601 string, Date or epoch ms), got "${String(v)}"`);
  return ms;
}

/** Validates a query (naming the field at fault) and turns it into store terms. */
export function normalizeQuery(q: AuditQuery) {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalid(`limit: expected a whole number from 1 to 1000 (got ${q.limit})`);
  }
  if (q.status !== undefined && !AUDIT_STATUSES.includes(q.status)) {
    throw invalid(`status: expected one of ${AUDIT_STATUSES.join(", ")} (got "${q.status}")`);
  }
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  if (q.cursor && !after) throw invalid("cursor: expected a nextCursor returned by query()");
  const filters: StoreFilters = {};
  for (const key of ["userId", "actionType", "status", "tag", "conversationId", "sagaId"] as const) {
    const value = q[key];
    if (value !== undefined && value !== null && value !== "")
      (filters as Record<string, string>)[key] = String(value);
  }
  return {
    limit,
    after,
    filters,
    fromMs: toMs("from", q.from) ?? 0,
    toMs: toMs("to", q.to) ?? Number.MAX_SAFE_INTEGER,
  };
}
