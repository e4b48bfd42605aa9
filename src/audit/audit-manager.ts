import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { idTime } from "../util/ids.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { type RedactionOptions, redactSecrets } from "../util/redaction.js";
import { type CompensationFields, decodeEntry, encodeCursor, type OutcomeFields } from "./entry-codec.js";
import {
  AUDIT_ID,
  buildBaseFields,
  checkDuration,
  checkLeaseMs,
  normalizeQuery,
  pendingEntry,
} from "./entry-input.js";
import { AuditError, AuditStoreError } from "./errors.js";
import { fieldDigest, Signer } from "./signing.js";
import type { AuditOp, AuditStore, LeaseOutcome, SealRecord, TransitionCommand } from "./store.js";
import type {
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditStatus,
  LogActionInput,
  VerifyReport,
} from "./types.js";
import { verifyTrail } from "./verify.js";

const DAY_MS = 86_400_000;
/** The guide's default page size for getUserActions and getActionsByType. */
const DEFAULT_LIST_LIMIT = 100;

/** A limit, or `{ limit, cursor }`. */
export type ListOptions = number | { limit?: number; cursor?: string };

function listOptions(options: ListOptions): { limit: number; cursor?: string } {
  if (typeof options === "number") return { limit: options };
  if (options === null || typeof options !== "object") {
    throw new AuditError(
      "INVALID_INPUT",
      `limit: expected a number or { limit, cursor } (got ${String(options)})`,
    );
  }
  return { ...options, limit: options.limit ?? DEFAULT_LIST_LIMIT };
}

export interface AuditManagerOptions {
  companyId: string;
  store: AuditStore;
  /** Retention in days (default 90): older entries vanish from every query. */
  ttlDays?: number;
  /** false makes every call a cheap no-op that stores nothing. */
  enabled?: boolean;
  /** Extra PII keys to mask and literal secret values to scrub; secret-looking keys are always redacted. */
  redact?: RedactionOptions;
  /** HMAC key for tamper evidence. Kept in this process only, never written to the store. */
  signingKey?: string | null;
  /** Who this process is in the leases of pending entries (default host:pid:random). */
  owner?: string;
  /**
   * How long a new `pending` entry is leased to this process when logAction names no lease (ms,
   * default 5 minutes). Once it lapses without an outcome, recovery may close the entry.
   */
  leaseMs?: number;
  /** How soon after a write the chain head is sealed (ms, default 1000; 0 = only on seal()/close()). */
  sealIntervalMs?: number;
  logger?: Logger;
  /** Clock, for tests of retention. */
  now?: () => number;
}

/**
 * The audit trail of one tenant: every action is logged `pending` (leased to this process) before it
 * runs, then marked `success` or `failed`, and successful compensable actions may later be
 * `compensated`. A pending entry whose process stopped and whose outcome nobody can establish ends
 * `needs_attention` (set by recovery).
 *
 * @example
 * const audit = new AuditManager({ companyId: "benova", store: new SqliteAuditStore({ path: ".data/audit.db" }) });
 * const { auditId } = await audit.logAction({ userId: "u1", actionType: "booking", actionName: "create_booking" });
 * await audit.markSuccess(auditId, { event_id: "abc" }, 120);
 */
export class AuditManager {
  readonly companyId: string;
  readonly enabled: boolean;
  readonly ttlMs: number;
  readonly owner: string;
  readonly leaseMs: number;
  private readonly store: AuditStore;
  private readonly signer: Signer;
  private readonly redaction: RedactionOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sealIntervalMs: number;
  private sealTimer: NodeJS.Timeout | null = null;
  private lastSealSig: string | null = null;

  constructor(options: AuditManagerOptions) {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(options.companyId ?? "")) {
      throw new AuditError(
        "INVALID_INPUT",
        `companyId: expected lower-case letters, digits, - or _ (got "${options.companyId}")`,
      );
    }
    const store = options.store as Partial<AuditStore> | undefined;
    if (!store || typeof store.create !== "function" || typeof store.transition !== "function") {
      // The guide's `AuditManager(company_id=...)` finds Redis by itself; here the store is explicit.
      throw new AuditError(
        "INVALID_INPUT",
        "store: expected an audit store, e.g. new RedisAuditStore({ redis: new Redis(process.env.REDIS_URL) }) " +
          'for Redis persistence or new SqliteAuditStore({ path: ".data/audit.db" }); ' +
          "new App(loadConfig()).auditFor(companyId) builds one from the environment",
      );
    }
    const ttlDays = options.ttlDays ?? 90;
    if (!(ttlDays > 0))
      throw new AuditError("INVALID_INPUT", `ttlDays: expected a positive number of days (got ${ttlDays})`);
    this.companyId = options.companyId;
    this.store = options.store;
    this.enabled = options.enabled ?? true;
    this.ttlMs = ttlDays * DAY_MS;
    this.signer = new Signer(options.signingKey ?? null);
    this.redaction = options.redact ?? {};
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.sealIntervalMs = options.sealIntervalMs ?? 1000;
    this.leaseMs = checkLeaseMs("leaseMs", options.leaseMs ?? 5 * 60_000);
    const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    if (!/^[\w.:@/-]{1,128}$/.test(owner)) {
      throw new AuditError(
        "INVALID_INPUT",
        `owner: expected 1-128 letters, digits or _ . : @ / - (got "${owner}")`,
      );
    }
    this.owner = owner;
  }

  get signed(): boolean {
    return this.signer.signed;
  }

  /**
   * Records an action as `pending` before it runs, leased to this process (`owner`) for `leaseMs`, in
   * one atomic write. Throws AuditStoreError when it cannot be stored.
   */
  async logAction(input: LogActionInput): Promise<AuditEntry> {
    const leaseMs = checkLeaseMs("leaseMs", input?.leaseMs ?? this.leaseMs);
    const base = buildBaseFields(input, {
      companyId: this.companyId,
      now: this.now(),
      redact: (v) => this.redactValue(v),
      onAnonymous: (actionName) =>
        this.logger.warn("action audited without a userId; recorded as anonymous", { actionName }),
    });
    const at = idTime(base.auditId);
    const lease = { owner: this.owner, untilMs: at + leaseMs };
    const entry = pendingEntry(base, "pending", base.createdAt, lease);
    if (!this.enabled) return entry;
    // The digest covers the exact stored text, so plain JSON.stringify is enough (no key sorting).
    const baseJson = JSON.stringify(base);
    const stamp = this.stamp(base.auditId, "create", "pending", baseJson, at);
    try {
      await this.store.create({
        companyId: this.companyId,
        auditId: base.auditId,
        base: baseJson,
        updatedAt: base.createdAt,
        createdMs: at,
        expireMs: at + this.ttlMs,
        cutoffMs: this.now() - this.ttlMs,
        index: {
          userId: base.userId,
          actionType: base.actionType,
          conversationId: base.conversationId,
          sagaId: base.sagaId,
          idempotencyKey: base.idempotencyKey,
          tags: base.tags,
        },
        stamp,
        lease,
      });
    } catch (err) {
      throw err instanceof AuditError ? err : new AuditStoreError("logAction", err);
    }
    this.scheduleSeal();
    return entry;
  }

  /** Marks a pending action successful. `compensationParams` completes the undo parameters from the result. */
  async markSuccess(
    auditId: string,
    result: unknown,
    durationMs: number | null = null,
    options: { compensationParams?: Record<string, unknown> } = {},
  ): Promise<void> {
    const outcome: OutcomeFields = {
      result: this.redactValue(result ?? null),
      durationMs: checkDuration(durationMs),
      finishedAt: new Date(this.now()).toISOString(),
    };
    if (options.compensationParams)
      outcome.compensationParams = this.redactValue(options.compensationParams) as Record<string, unknown>;
    await this.transition(auditId, "pending", "success", "success", "outcome", outcome);
  }

  /** Marks a pending action failed. */
  async markFailed(auditId: string, errorMessage: string, durationMs: number | null = null): Promise<void> {
    const outcome: OutcomeFields = {
      errorMessage: this.redactValue(String(errorMessage ?? "")) as string,
      durationMs: checkDuration(durationMs),
      finishedAt: new Date(this.now()).toISOString(),
    };
    await this.transition(auditId, "pending", "failed", "failed", "outcome", outcome);
  }

  /**
   * Closes a pending action whose outcome nobody can establish (its process stopped and its tool
   * cannot tell whether it took effect): a person must check it. Reachable only from `pending`.
   */
  async markNeedsAttention(auditId: string, reason: string, durationMs: number | null = null): Promise<void> {
    if (typeof reason !== "string" || reason.trim() === "")
      throw new AuditError("INVALID_INPUT", "reason: expected a non-empty string");
    const outcome: OutcomeFields = {
      errorMessage: this.redactValue(reason) as string,
      durationMs: checkDuration(durationMs),
      finishedAt: new Date(this.now()).toISOString(),
    };
    await this.transition(auditId, "pending", "needs_attention", "attention", "outcome", outcome);
  }

  /**
   * Extends this process's lease on a pending entry it still owns (while a long call runs).
   * Returns false when the entry is no longer pending or another process took it over.
   */
  async renewLease(auditId: string, leaseMs: number = this.leaseMs): Promise<boolean> {
    return (await this.lease(auditId, "renew", leaseMs)).ok;
  }

  /**
   * Takes over a pending entry whose lease ran out (recovery): of several processes trying, one wins.
   * Refused (with the current status and holder) while the lease is live or once the entry finished.
   */
  async claimLease(auditId: string, leaseMs: number = this.leaseMs): Promise<LeaseOutcome> {
    return this.lease(auditId, "claim", leaseMs);
  }

  private async lease(auditId: string, mode: "renew" | "claim", leaseMs: number): Promise<LeaseOutcome> {
    if (!this.enabled) return { ok: true };
    if (typeof auditId !== "string" || !AUDIT_ID.test(auditId)) {
      throw new AuditError("INVALID_INPUT", `auditId: expected a 26-character audit id (got "${auditId}")`);
    }
    const now = this.now();
    const untilMs = now + checkLeaseMs("leaseMs", leaseMs);
    return this.wrap(`${mode}Lease`, () =>
      this.store.lease({ companyId: this.companyId, auditId, mode, owner: this.owner, untilMs, nowMs: now }),
    );
  }

  /**
   * Marks a successful compensable action as undone. A second call is a no-op that returns
   * `{ changed: false }`; compensating a pending, failed or non-compensable entry is refused.
   */
  async compensate(
    auditId: string,
    reason: string,
    options: { compensationAuditId?: string } = {},
  ): Promise<{ changed: boolean }> {
    if (!this.enabled) return { changed: false };
    if (typeof reason !== "string" || reason.trim() === "")
      throw new AuditError("INVALID_INPUT", "reason: expected a non-empty string");
    const entry = await this.getEntry(auditId);
    if (!entry)
      throw new AuditError(
        "NOT_FOUND",
        `audit entry ${auditId} not found for company ${this.companyId}`,
        auditId,
      );
    if (entry.status === "compensated") return { changed: false };
    if (!entry.compensable) {
      throw new AuditError(
        "NOT_COMPENSABLE",
        `audit entry ${auditId} (${entry.actionName}) is not compensable`,
        auditId,
        entry.status,
      );
    }
    const comp: CompensationFields = {
      compensationReason: this.redactValue(reason) as string,
      compensatedAt: new Date(this.now()).toISOString(),
      compensationAuditId: options.compensationAuditId ?? null,
    };
    try {
      await this.transition(auditId, "success", "compensated", "compensate", "comp", comp);
    } catch (err) {
      // A concurrent compensate won the race: same outcome, so still a no-op.
      if (err instanceof AuditError && err.currentStatus === "compensated") return { changed: false };
      throw err;
    }
    return { changed: true };
  }

  /** One entry of this tenant, or null (also for another tenant's id). */
  async getEntry(auditId: string): Promise<AuditEntry | null> {
    if (!this.enabled || typeof auditId !== "string" || !AUDIT_ID.test(auditId)) return null;
    const stored = await this.wrap("getEntry", () => this.store.get(this.companyId, auditId, this.now()));
    if (!stored) return null;
    const entry = decodeEntry(stored);
    return entry && entry.companyId === this.companyId ? entry : null;
  }

  /** The newest successful entry recorded with this idempotency key, if any. */
  async findByIdempotencyKey(key: string): Promise<AuditEntry | null> {
    if (!this.enabled || !key) return null;
    const id = await this.wrap("findByIdempotencyKey", () =>
      this.store.findByIdempotencyKey(this.companyId, key, this.now()),
    );
    return id ? this.getEntry(id) : null;
  }

  /**
   * The newest actions of a user (default 100, as the guide), newest first. The limit may be given
   * positionally, as the guide does: `getUserActions("user_maria", 50)`.
   */
  async getUserActions(userId: string, options: ListOptions = {}): Promise<AuditEntry[]> {
    return (await this.query({ ...listOptions(options), userId })).entries;
  }

  /** The newest actions of a type (default 100), newest first: `getActionsByType("booking", 100)`. */
  async getActionsByType(actionType: string, options: ListOptions = {}): Promise<AuditEntry[]> {
    return (await this.query({ ...listOptions(options), actionType })).entries;
  }

  /** Entries matching every given filter, newest first, one page at a time. */
  async query(q: AuditQuery = {}): Promise<AuditPage> {
    const { limit, after, fromMs, toMs, filters } = normalizeQuery(q);
    if (!this.enabled) return { entries: [], nextCursor: null };
    const now = this.now();
    const res = await this.wrap("query", () =>
      this.store.query(
        {
          companyId: this.companyId,
          filters,
          fromMs: Math.max(fromMs, now - this.ttlMs),
          toMs,
          limit,
          after,
        },
        now,
      ),
    );
    const entries = res.entries
      .map(decodeEntry)
      .filter((e): e is AuditEntry => e !== null && e.companyId === this.companyId);
    return { entries, nextCursor: res.next ? encodeCursor(res.next) : null };
  }

  /** Checks every kept record against its signature, the chain and the seals; names what was tampered with. */
  async verify(): Promise<VerifyReport> {
    if (!this.enabled) {
      return {
        ok: true,
        companyId: this.companyId,
        signed: this.signed,
        entriesChecked: 0,
        recordsChecked: 0,
        sealsChecked: 0,
        unsealedRecords: 0,
        findings: [],
      };
    }
    return this.wrap("verify", () =>
      verifyTrail({
        companyId: this.companyId,
        store: this.store,
        signer: this.signer,
        now: this.now(),
        ttlMs: this.ttlMs,
      }),
    );
  }

  /** Signs the current chain head so that rewriting earlier records is detectable. */
  async seal(): Promise<SealRecord | null> {
    if (!this.enabled) return null;
    const head = await this.wrap("seal", () => this.store.chainHead(this.companyId));
    if (!head) return null;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.lastSealSig === null) {
        const seals = await this.store.readSeals(this.companyId);
        const last = seals.at(-1);
        this.lastSealSig = last?.sig ?? "";
        if (last && last.seq >= head.seq) return last;
      }
      const unsigned = { seq: head.seq, chain: head.chain, at: this.now(), prevSig: this.lastSealSig };
      const seal: SealRecord = { ...unsigned, sig: this.signer.seal(this.companyId, unsigned) };
      if (await this.store.appendSeal(this.companyId, seal, unsigned.at - this.ttlMs)) {
        this.lastSealSig = seal.sig;
        return seal;
      }
      this.lastSealSig = null; // another writer sealed first: reload and try again
    }
    return null;
  }

  /** Seals what was written and stops the seal timer. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    if (this.sealTimer) clearTimeout(this.sealTimer);
    this.sealTimer = null;
    if (this.enabled)
      await this.seal().catch((err) => this.logger.warn("audit seal failed on close", { err }));
  }

  private scheduleSeal(): void {
    if (this.sealIntervalMs <= 0 || this.sealTimer) return;
    this.sealTimer = setTimeout(() => {
      this.sealTimer = null;
      this.seal().catch((err) => this.logger.warn("audit seal failed", { err }));
    }, this.sealIntervalMs);
    this.sealTimer.unref();
  }

  private async transition(
    auditId: string,
    from: AuditStatus,
    to: AuditStatus,
    op: AuditOp,
    field: TransitionCommand["field"],
    value: OutcomeFields | CompensationFields,
  ): Promise<void> {
    if (!this.enabled) return;
    if (typeof auditId !== "string" || !AUDIT_ID.test(auditId)) {
      throw new AuditError("INVALID_INPUT", `auditId: expected a 26-character audit id (got "${auditId}")`);
    }
    const json = JSON.stringify(value);
    const at = this.now();
    const createdMs = idTime(auditId);
    const res = await this.wrap(op, () =>
      this.store.transition({
        companyId: this.companyId,
        auditId,
        from,
        to,
        field,
        value: json,
        updatedAt: new Date(at).toISOString(),
        createdMs,
        expireMs: createdMs + this.ttlMs,
        cutoffMs: at - this.ttlMs,
        stamp: this.stamp(auditId, op, to, json, at),
      }),
    );
    if (!res.ok) {
      if (res.current === null)
        throw new AuditError(
          "NOT_FOUND",
          `audit entry ${auditId} not found for company ${this.companyId}`,
          auditId,
        );
      throw new AuditError(
        "ILLEGAL_TRANSITION",
        `cannot move audit entry ${auditId} from "${res.current}" to "${to}": only "${from}" entries can become "${to}"`,
        auditId,
        res.current,
      );
    }
    this.scheduleSeal();
  }

  private stamp(auditId: string, op: AuditOp, status: AuditStatus, json: string, at: number) {
    const digest = fieldDigest(op, status, json);
    return { op, digest, at, sig: this.signer.record(this.companyId, auditId, op, digest, at) };
  }

  private redactValue(value: unknown): unknown {
    return redactSecrets(value, this.redaction);
  }

  private async wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AuditError || err instanceof AuditStoreError) throw err;
      throw new AuditStoreError(operation, err);
    }
  }
}
