import type { Cluster, Redis } from "ioredis";
import { AuditKeys, resolvePrefix } from "../../redis/keys.js";
import { idTime } from "../../util/ids.js";
import { AUDIT_ID } from "../entry-input.js";
import { AuditError } from "../errors.js";
import type {
  AuditStore,
  ChainRecord,
  CreateCommand,
  EntryStatus,
  LeaseCommand,
  LeaseOutcome,
  SealRecord,
  StoredEntry,
  StoreQuery,
  StoreQueryResult,
  TransitionCommand,
  TransitionOutcome,
} from "../store.js";
import type { AuditStatus } from "../types.js";
import { ENTRIES, STATUSES } from "./read-scripts.js";
import { CREATE, LEASE, QUERY, SEAL, TRANSITION } from "./scripts.js";

type RedisLike = Redis | Cluster;
/**
 * The scripts' command names on the ioredis connection. The version is part of the name: change a
 * script, bump its version (tests/unit/redis-commands.test.ts pins each script to its name), so two
 * deployed versions of this code sharing a connection never run each other's script under one name.
 */
const CMD = {
  create: "alAuditCreateV1",
  transition: "alAuditTransitionV1",
  query: "alAuditQueryV1",
  seal: "alAuditSealV1",
  entries: "alAuditEntriesV1",
  statuses: "alAuditStatusesV1",
  lease: "alAuditLeaseV1",
} as const;
interface AuditCommands {
  [CMD.create](...args: (string | number)[]): Promise<number>;
  [CMD.transition](...args: (string | number)[]): Promise<[number, string | number]>;
  [CMD.query](...args: (string | number)[]): Promise<[string, string, string]>;
  [CMD.seal](...args: (string | number)[]): Promise<number>;
  [CMD.entries](...args: (string | number)[]): Promise<(string | null)[]>;
  [CMD.statuses](...args: (string | number)[]): Promise<(string | null)[]>;
  [CMD.lease](...args: (string | number)[]): Promise<[number, string?, string?, string?]>;
}

export interface RedisAuditStoreOptions {
  /** An ioredis `Redis` or `Cluster`; the store does not close it. */
  redis: RedisLike;
  /** Key prefix (default "al", see src/redis/keys.ts); tests use one per test. */
  prefix?: string;
  /** Candidates a filtered query examines at most per page before returning a cursor (default 5000). */
  scanBudget?: number;
}

/** An entry from its hash fields in ENTRY_FIELDS order (as HMGET returns them); null when gone. */
function toEntry(auditId: string, createdMs: number, f: (string | null)[]): StoredEntry | null {
  const [base, status, outcome, comp, updatedAt, owner, leaseUntil] = f;
  if (!base || !status) return null;
  return {
    auditId,
    createdMs,
    base,
    status: status as AuditStatus,
    outcome: outcome ?? null,
    comp: comp ?? null,
    updatedAt: updatedAt ?? "",
    leaseOwner: owner || null,
    leaseUntil: leaseUntil ? Number(leaseUntil) : null,
  };
}
const ENTRY_FIELDS = ["base", "status", "outcome", "comp", "updatedAt", "owner", "leaseUntil"] as const;

const TRIM_EVERY = 16;
const HOUR_MS = 3_600_000;
const hourBucket = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/**
 * The production audit store: one Lua script per transition (one round trip), entry hashes with a
 * TTL, time-scored sorted-set indexes trimmed by score on write, and the chain in a Redis stream.
 */
export class RedisAuditStore implements AuditStore {
  readonly kind = "redis";
  private readonly redis: RedisLike & AuditCommands;
  private readonly prefix: string;
  private readonly scanBudget: number;
  private writes = 0;
  /** Index keys this instance already extended, with the hour bucket they were extended to. */
  private readonly extended = new Map<string, number>();

  constructor(options: RedisAuditStoreOptions) {
    this.prefix = resolvePrefix(options.prefix);
    this.scanBudget = options.scanBudget ?? 5000;
    const redis = options.redis as RedisLike & Partial<AuditCommands>;
    if (!redis[CMD.create]) {
      redis.defineCommand(CMD.create, { lua: CREATE });
      redis.defineCommand(CMD.transition, { numberOfKeys: 5, lua: TRANSITION });
      redis.defineCommand(CMD.query, { numberOfKeys: 1, lua: QUERY });
      redis.defineCommand(CMD.seal, { numberOfKeys: 1, lua: SEAL });
    }
    if (!redis[CMD.entries]) {
      redis.defineCommand(CMD.entries, { lua: ENTRIES });
      redis.defineCommand(CMD.statuses, { lua: STATUSES });
    }
    // Defined apart so a connection shared with an older store instance still gets it.
    if (!redis[CMD.lease]) redis.defineCommand(CMD.lease, { numberOfKeys: 1, lua: LEASE });
    this.redis = redis as RedisLike & AuditCommands;
  }

  /** Whether this write also trims indexes and the chain by score (one write in TRIM_EVERY). */
  private trimNow(): "1" | "0" {
    return ++this.writes % TRIM_EVERY === 0 ? "1" : "0";
  }

  /**
   * Index keys live until the expiry of their newest member, rounded up to the hour: one expiry
   * call per key and hour (per process) instead of one per write. A trimming write always extends,
   * so a key emptied by trimming and created again gets its expiry back.
   */
  private expiryFlags(keys: string[], bucket: number, trim: boolean): string {
    if (this.extended.size > 50_000) this.extended.clear();
    return keys.map((key) => (trim || this.extended.get(key) !== bucket ? "1" : "0")).join("");
  }

  private remember(keys: string[], bucket: number): void {
    for (const key of keys) this.extended.set(key, bucket);
  }

  private keys(companyId: string): AuditKeys {
    return new AuditKeys(this.prefix, companyId);
  }

  async create(cmd: CreateCommand): Promise<void> {
    const k = this.keys(cmd.companyId);
    const ix = cmd.index;
    const indexKeys = [k.all, k.user(ix.userId), k.type(ix.actionType), k.status("pending")];
    if (ix.conversationId) indexKeys.push(k.conversation(ix.conversationId));
    if (ix.sagaId) indexKeys.push(k.saga(ix.sagaId));
    for (const tag of ix.tags) indexKeys.push(k.tag(tag));
    const keys = [
      k.entry(cmd.auditId),
      k.chain,
      k.head,
      ix.idempotencyKey ? k.idempotency(ix.idempotencyKey) : k.head,
      ...indexKeys,
    ];
    const trim = this.trimNow();
    const bucket = hourBucket(cmd.expireMs);
    try {
      await this.redis[CMD.create](
        keys.length,
        ...keys,
        cmd.auditId,
        cmd.createdMs,
        cmd.expireMs,
        cmd.cutoffMs,
        cmd.base,
        cmd.updatedAt,
        cmd.stamp.sig,
        cmd.stamp.digest,
        cmd.stamp.at,
        ix.idempotencyKey ? "1" : "0",
        trim,
        bucket,
        this.expiryFlags(indexKeys, bucket, trim === "1"),
        cmd.lease.owner,
        cmd.lease.untilMs,
      );
    } catch (err) {
      // The script refuses a taken id with an EXISTS error reply: the same final error as on SQLite.
      if (err instanceof Error && err.message.startsWith("EXISTS")) {
        throw new AuditError("DUPLICATE_ID", `audit id ${cmd.auditId} is already used`, cmd.auditId);
      }
      throw err;
    }
    this.remember(indexKeys, bucket);
  }

  async lease(cmd: LeaseCommand): Promise<LeaseOutcome> {
    const [ok, status, owner, until] = await this.redis[CMD.lease](
      this.keys(cmd.companyId).entry(cmd.auditId),
      cmd.mode,
      cmd.owner,
      cmd.untilMs,
      cmd.nowMs,
    );
    if (ok === 1) return { ok: true };
    return {
      ok: false,
      status: status ? (status as AuditStatus) : null,
      owner: owner || null,
      untilMs: until ? Number(until) : null,
    };
  }

  async transition(cmd: TransitionCommand): Promise<TransitionOutcome> {
    const k = this.keys(cmd.companyId);
    const target = k.status(cmd.to);
    const trim = this.trimNow();
    const bucket = hourBucket(cmd.expireMs);
    const [ok, current] = await this.redis[CMD.transition](
      k.entry(cmd.auditId),
      k.chain,
      k.head,
      k.status(cmd.from),
      target,
      cmd.auditId,
      cmd.from,
      cmd.to,
      cmd.field,
      cmd.value,
      cmd.updatedAt,
      cmd.createdMs,
      this.expiryFlags([target], bucket, trim === "1") === "1" ? bucket : "",
      cmd.cutoffMs,
      cmd.stamp.sig,
      cmd.stamp.digest,
      cmd.stamp.at,
      cmd.stamp.op,
      trim,
    );
    if (ok === 1) this.remember([target], bucket);
    if (ok === 1) return { ok: true };
    return { ok: false, current: current === "" ? null : (current as AuditStatus) };
  }

  async get(companyId: string, auditId: string): Promise<StoredEntry | null> {
    const fields = await this.redis.hmget(this.keys(companyId).entry(auditId), ...ENTRY_FIELDS);
    return toEntry(auditId, idTime(auditId), fields);
  }

  async findByIdempotencyKey(companyId: string, key: string): Promise<string | null> {
    return this.redis.get(this.keys(companyId).idempotency(key));
  }

  async query(q: StoreQuery): Promise<StoreQueryResult> {
    const k = this.keys(q.companyId);
    const { key, used } = k.bestIndex(q.filters);
    const rest: Record<string, string> = {};
    for (const [name, value] of Object.entries(q.filters)) if (name !== used && value) rest[name] = value;
    const max = q.toMs >= Number.MAX_SAFE_INTEGER ? "+inf" : `(${q.toMs}`;
    const [page, nextScore, nextId] = await this.redis[CMD.query](
      key,
      k.entryPrefix,
      max,
      q.fromMs,
      q.limit,
      q.after ? String(q.after.score) : "",
      q.after ? q.after.id : "",
      JSON.stringify(rest),
      this.scanBudget,
    );
    const entries: StoredEntry[] = [];
    for (const row of page ? page.split("\x1e") : []) {
      const [id, score, ...fields] = row.split("\x1f");
      const entry = toEntry(
        id as string,
        Number(score),
        fields.map((f) => f || null),
      );
      if (entry) entries.push(entry);
    }
    return { entries, next: nextId ? { score: Number(nextScore), id: nextId } : null };
  }

  async *readChain(companyId: string): AsyncIterable<ChainRecord[]> {
    const key = this.keys(companyId).chain;
    let start = "-";
    for (;;) {
      const rows = await this.redis.xrange(key, start, "+", "COUNT", 1000);
      if (rows.length === 0) return;
      yield rows.map(([, fields]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
        return {
          seq: Number(f.seq),
          auditId: f.id ?? "",
          op: f.op as ChainRecord["op"],
          digest: f.digest ?? "",
          at: Number(f.at),
          sig: f.sig ?? "",
          prev: f.prev ?? "",
          chain: f.chain ?? "",
        };
      });
      if (rows.length < 1000) return;
      start = `(${rows[rows.length - 1]?.[0]}`;
    }
  }

  async getMany(companyId: string, auditIds: readonly string[]): Promise<Map<string, StoredEntry>> {
    const out = new Map<string, StoredEntry>();
    if (auditIds.length === 0) return out;
    const k = this.keys(companyId);
    const keys = auditIds.map((id) => k.entry(id));
    const values = await this.redis[CMD.entries](keys.length, ...keys);
    auditIds.forEach((id, i) => {
      // A forged chain record may name an id that is no ULID: still read, reported by verify.
      const entry = toEntry(id, AUDIT_ID.test(id) ? idTime(id) : 0, values.slice(5 * i, 5 * i + 5));
      if (entry) out.set(id, entry);
    });
    return out;
  }

  async *listEntries(companyId: string): AsyncIterable<EntryStatus[]> {
    const k = this.keys(companyId);
    const prefix = k.entryPrefix;
    const nodes =
      "nodes" in this.redis && typeof this.redis.nodes === "function"
        ? (this.redis as Cluster).nodes("master")
        : [this.redis as Redis];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length === 0) continue;
        const statuses = await this.redis[CMD.statuses](keys.length, ...keys);
        const page: EntryStatus[] = [];
        keys.forEach((key, i) => {
          const status = statuses[i];
          if (status) page.push({ auditId: key.slice(prefix.length), status: status as AuditStatus });
        });
        if (page.length > 0) yield page;
      } while (cursor !== "0");
    }
  }

  async chainHead(companyId: string): Promise<{ seq: number; chain: string } | null> {
    const k = this.keys(companyId);
    const head = await this.redis.get(k.head);
    const sep = head ? head.indexOf(":") : -1;
    return head && sep > 0 ? { seq: Number(head.slice(0, sep)), chain: head.slice(sep + 1) } : null;
  }

  async appendSeal(companyId: string, seal: SealRecord, cutoffMs: number): Promise<boolean> {
    const res = await this.redis[CMD.seal](
      this.keys(companyId).seals,
      seal.seq,
      seal.chain,
      seal.at,
      seal.prevSig,
      seal.sig,
      cutoffMs,
    );
    return res === 1;
  }

  async readSeals(companyId: string): Promise<SealRecord[]> {
    const rows = await this.redis.xrange(this.keys(companyId).seals, "-", "+");
    return rows.map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
      return {
        seq: Number(f.seq),
        chain: f.chain ?? "",
        at: Number(f.at),
        prevSig: f.prevSig ?? "",
        sig: f.sig ?? "",
      };
    });
  }

  async close(): Promise<void> {}
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}
