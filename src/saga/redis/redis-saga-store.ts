import type { Cluster, Redis } from "ioredis";
import { resolvePrefix, SagaKeys } from "../../redis/keys.js";
import { newId } from "../../util/ids.js";
import { SagaError } from "../errors.js";
import { decodeRecord, encodeRecord } from "../record-codec.js";
import type { ClaimOutcome, SagaListQuery, SagaStore, SaveOutcome } from "../store.js";
import { SAGA_STATUSES, type SagaRecord, type SagaStatus, type StoredSaga } from "../types.js";
import { CLAIM, SAGA_COMMANDS as CMD, CREATE, EXPIRED, RENEW, SAVE } from "./scripts.js";

type RedisLike = Redis | Cluster;
type Reply = (string | number | null)[];
interface SagaCommands {
  [CMD.create](...args: (string | number)[]): Promise<number>;
  [CMD.claim](...args: (string | number)[]): Promise<Reply>;
  [CMD.renew](...args: (string | number)[]): Promise<number>;
  [CMD.save](...args: (string | number)[]): Promise<Reply>;
  [CMD.expired](...args: (string | number)[]): Promise<string[]>;
}

export interface RedisSagaStoreOptions {
  /** An ioredis `Redis` or `Cluster`; the store does not close it. */
  redis: RedisLike;
  /** Key prefix (default "al", as every store's: see src/redis/keys.ts); tests use one per test. */
  prefix?: string;
  /** How long a saga is kept after it was created, in days (default 90, as the audit trail). */
  ttlDays?: number;
}

const DAY_MS = 86_400_000;

/**
 * The production saga store: one hash per saga (record JSON, status, owner, lease expiry, version),
 * lexically ordered id indexes (all, per status) and a lease index scored by expiry. Each write is one
 * Lua script; `save` is a compare-and-set on the owner.
 *
 * @example
 * const store = new RedisSagaStore({ redis: new Redis(process.env.REDIS_URL) });
 */
export class RedisSagaStore implements SagaStore {
  readonly kind = "redis";
  private readonly redis: RedisLike & SagaCommands;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisSagaStoreOptions) {
    this.prefix = resolvePrefix(options.prefix);
    const ttlDays = options.ttlDays ?? 90;
    if (!(ttlDays > 0)) {
      throw new SagaError("INVALID_INPUT", `ttlDays: expected a positive number of days (got ${ttlDays})`);
    }
    this.ttlMs = ttlDays * DAY_MS;
    const redis = options.redis as RedisLike & Partial<SagaCommands>;
    if (!redis[CMD.create]) {
      redis.defineCommand(CMD.create, { numberOfKeys: 3, lua: CREATE });
      redis.defineCommand(CMD.claim, { numberOfKeys: 2, lua: CLAIM });
      redis.defineCommand(CMD.renew, { numberOfKeys: 2, lua: RENEW });
      redis.defineCommand(CMD.save, { lua: SAVE });
      redis.defineCommand(CMD.expired, { numberOfKeys: 1, lua: EXPIRED });
    }
    this.redis = redis as RedisLike & SagaCommands;
  }

  private keys(companyId: string): SagaKeys {
    return new SagaKeys(this.prefix, companyId);
  }

  async create(record: SagaRecord): Promise<void> {
    const k = this.keys(record.companyId);
    const now = Date.now();
    const created = await this.redis[CMD.create](
      k.record(record.sagaId),
      k.all,
      k.status(record.status),
      record.sagaId,
      encodeRecord(record),
      record.status,
      now + this.ttlMs,
      newId(now - this.ttlMs).slice(0, 10),
    );
    if (created !== 1) {
      throw new SagaError("INVALID_INPUT", `sagaId: ${record.sagaId} is already used`, record.sagaId);
    }
  }

  async get(companyId: string, sagaId: string): Promise<StoredSaga | null> {
    const [data, owner, lease, version] = await this.redis.hmget(
      this.keys(companyId).record(sagaId),
      "data",
      "owner",
      "lease",
      "version",
    );
    return toStored(data ?? null, owner ?? null, lease ?? null, version ?? null);
  }

  async list(companyId: string, query: SagaListQuery): Promise<StoredSaga[]> {
    const k = this.keys(companyId);
    const index = query.status ? k.status(query.status) : k.all;
    const max = query.before ? `(${query.before}` : "+";
    const out: StoredSaga[] = [];
    let upper = max;
    // Ids whose record expired are skipped; read on until the page is full or the index ends.
    while (out.length < query.limit) {
      const ids = await this.redis.zrange(index, upper, "-", "BYLEX", "REV", "LIMIT", 0, query.limit);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(k.record(id), "data", "owner", "lease", "version");
      const rows = (await pipeline.exec()) ?? [];
      for (const [err, row] of rows) {
        if (err) throw err;
        const [data, owner, lease, version] = row as (string | null)[];
        const saga = toStored(data ?? null, owner ?? null, lease ?? null, version ?? null);
        if (saga && (!query.status || saga.record.status === query.status)) out.push(saga);
        if (out.length >= query.limit) break;
      }
      upper = `(${ids.at(-1)}`;
      if (ids.length < query.limit) break;
    }
    return out;
  }

  async claim(
    companyId: string,
    sagaId: string,
    options: { owner: string; leaseMs: number; statuses: readonly SagaStatus[] },
  ): Promise<ClaimOutcome> {
    const k = this.keys(companyId);
    const reply = await this.redis[CMD.claim](
      k.record(sagaId),
      k.leases,
      sagaId,
      options.owner,
      Math.max(1, Math.round(options.leaseMs)),
      options.statuses.join(","),
    );
    if (reply[0] === 1) {
      const saga = toStored(
        String(reply[1]),
        options.owner,
        String(reply[3]),
        String(reply[2]),
      ) as StoredSaga;
      return { ok: true, saga };
    }
    if (reply[1] === "status") return { ok: false, reason: "status", status: reply[2] as SagaStatus };
    if (reply[1] === "leased")
      return { ok: false, reason: "leased", owner: String(reply[2]), leaseUntil: Number(reply[3]) };
    return { ok: false, reason: "not_found" };
  }

  async renew(companyId: string, sagaId: string, owner: string, leaseMs: number): Promise<boolean> {
    const k = this.keys(companyId);
    const until = await this.redis[CMD.renew](
      k.record(sagaId),
      k.leases,
      sagaId,
      owner,
      Math.max(1, Math.round(leaseMs)),
    );
    return until > 0;
  }

  async save(record: SagaRecord, options: { owner: string | null; release?: boolean }): Promise<SaveOutcome> {
    const k = this.keys(record.companyId);
    const statusKeys = k.statusIndexes(SAGA_STATUSES);
    const keys = [k.record(record.sagaId), k.leases, ...statusKeys];
    const reply = await this.redis[CMD.save](
      keys.length,
      ...keys,
      record.sagaId,
      options.owner ?? "",
      encodeRecord(record),
      record.status,
      options.release ? "1" : "0",
      3 + SAGA_STATUSES.indexOf(record.status),
    );
    if (reply[0] === 1) return { ok: true, version: Number(reply[1]) };
    const owner = String(reply[1] ?? "");
    return { ok: false, owner: owner === "" ? null : owner };
  }

  async expired(companyId: string, limit: number): Promise<string[]> {
    return this.redis[CMD.expired](this.keys(companyId).leases, limit);
  }

  async close(): Promise<void> {}
}

function toStored(
  data: string | null,
  owner: string | null,
  lease: string | null,
  version: string | null,
): StoredSaga | null {
  if (!data) return null;
  const record = decodeRecord(data);
  if (!record) return null;
  const leaseUntil = Number(lease ?? 0);
  return {
    record,
    owner: owner ? owner : null,
    leaseUntil: owner && leaseUntil > 0 ? leaseUntil : null,
    version: Number(version ?? 0),
  };
}
