import type { AuditStatus } from "./types.js";

/** The kinds of transition written to the audit chain. */
export type AuditOp = "create" | "success" | "failed" | "compensate" | "attention";

/**
 * What the chain holds for one transition. `digest` covers exactly the fields that transition wrote;
 * `sig` is HMAC-SHA256(key, companyId|auditId|op|digest|at) (plain SHA-256 without a key). The store
 * adds `seq`, `prev` and `chain = sha1(prev + "|" + sig)` inside the same atomic write.
 */
export interface ChainStamp {
  op: AuditOp;
  digest: string;
  at: number;
  sig: string;
}

export interface ChainRecord extends ChainStamp {
  seq: number;
  auditId: string;
  prev: string;
  chain: string;
}

/** A signed checkpoint over the chain head: re-hashing a reordered chain cannot match it. */
export interface SealRecord {
  seq: number;
  chain: string;
  at: number;
  prevSig: string;
  sig: string;
}

/** Index fields of a new entry. */
export interface EntryIndex {
  userId: string;
  actionType: string;
  conversationId: string | null;
  sagaId: string | null;
  idempotencyKey: string | null;
  tags: string[];
}

export interface CreateCommand {
  companyId: string;
  auditId: string;
  /** JSON of the fields fixed at creation. */
  base: string;
  updatedAt: string;
  createdMs: number;
  expireMs: number;
  /** Index members scored below this are trimmed on write. */
  cutoffMs: number;
  index: EntryIndex;
  stamp: ChainStamp;
  /** Who works on the new pending entry and until when (epoch ms): written in the same atomic create. */
  lease: { owner: string; untilMs: number };
}

/**
 * Takes or extends the lease of a pending entry. `renew`: only while `owner` still holds it;
 * `claim`: only once the current lease ended before `nowMs` (recovery taking over an orphan).
 */
export interface LeaseCommand {
  companyId: string;
  auditId: string;
  mode: "renew" | "claim";
  owner: string;
  untilMs: number;
  nowMs: number;
}

export type LeaseOutcome =
  | { ok: true }
  | { ok: false; status: AuditStatus | null; owner: string | null; untilMs: number | null };

export interface TransitionCommand {
  companyId: string;
  auditId: string;
  from: AuditStatus;
  to: AuditStatus;
  /** Which field group the transition writes. */
  field: "outcome" | "comp";
  value: string;
  updatedAt: string;
  createdMs: number;
  expireMs: number;
  cutoffMs: number;
  stamp: ChainStamp;
}

export type TransitionOutcome = { ok: true } | { ok: false; current: AuditStatus | null };

/** An entry as stored: field groups kept as the JSON the manager wrote, so digests are exact. */
export interface StoredEntry {
  auditId: string;
  createdMs: number;
  base: string;
  status: AuditStatus;
  outcome: string | null;
  comp: string | null;
  updatedAt: string;
  /** The lease of a pending entry (null once it left `pending`). */
  leaseOwner: string | null;
  leaseUntil: number | null;
}

/** What verify needs of an entry when walking all of them. */
export interface EntryStatus {
  auditId: string;
  status: AuditStatus;
}

export type IndexName = "all" | "user" | "type" | "status" | "tag" | "conversation" | "saga";

export interface StoreFilters {
  userId?: string;
  actionType?: string;
  status?: AuditStatus;
  tag?: string;
  conversationId?: string;
  sagaId?: string;
}

export interface StoreQuery {
  companyId: string;
  filters: StoreFilters;
  /** Inclusive lower bound on created time (already raised to the retention cutoff). */
  fromMs: number;
  /** Exclusive upper bound on created time. */
  toMs: number;
  limit: number;
  /** Continue strictly after (older than) this position. */
  after: { score: number; id: string } | null;
}

export interface StoreQueryResult {
  entries: StoredEntry[];
  /** Position to continue from, or null when nothing older matches. */
  next: { score: number; id: string } | null;
}

/**
 * Persistence of the audit trail. Every method is scoped by `companyId`; each write is one atomic
 * operation (one Lua script on Redis, one transaction on SQLite) covering the entry, its indexes and
 * its chain record. A create that reuses an audit id throws `AuditError` DUPLICATE_ID on every store.
 */
export interface AuditStore {
  readonly kind: string;
  create(cmd: CreateCommand): Promise<void>;
  transition(cmd: TransitionCommand): Promise<TransitionOutcome>;
  /** Renews or claims the lease of a pending entry (compare-and-set; never touches the chain). */
  lease(cmd: LeaseCommand): Promise<LeaseOutcome>;
  get(companyId: string, auditId: string, nowMs: number): Promise<StoredEntry | null>;
  findByIdempotencyKey(companyId: string, key: string, nowMs: number): Promise<string | null>;
  query(q: StoreQuery, nowMs: number): Promise<StoreQueryResult>;
  /** Every chain record still kept, in sequence order, one page (at most 1000 records) at a time. */
  readChain(companyId: string): AsyncIterable<ChainRecord[]>;
  /**
   * The entries among `auditIds` that are present and not expired, by audit id (one round trip or
   * one statement per call: verify reads the entries a page of chain records names).
   */
  getMany(companyId: string, auditIds: readonly string[], nowMs: number): Promise<Map<string, StoredEntry>>;
  /**
   * Id and status of every entry present, whether or not an index points at it, one page at a time.
   * An entry may be listed twice (a Redis SCAN may repeat keys); one without base or status is skipped.
   */
  listEntries(companyId: string, nowMs: number): AsyncIterable<EntryStatus[]>;
  chainHead(companyId: string): Promise<{ seq: number; chain: string } | null>;
  /**
   * Appends a seal if `prevSig` still names the newest seal (compare-and-set); false otherwise.
   * Seals older than `cutoffMs` may be dropped on the way.
   */
  appendSeal(companyId: string, seal: SealRecord, cutoffMs: number): Promise<boolean>;
  readSeals(companyId: string): Promise<SealRecord[]>;
  close(): Promise<void>;
}
