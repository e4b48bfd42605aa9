import type Database from "better-sqlite3";
import type { Cluster, Redis } from "ioredis";
import { SqliteSentKeys } from "../../util/sqlite-sent-keys.js";
import type { EmailDedupStore } from "./types.js";

export interface RedisEmailDedupStoreOptions {
  redis: Redis | Cluster;
  companyId: string;
  /** Key prefix shared by the application's keys. Default `agent-ledger`. */
  prefix?: string;
}

/**
 * Sent idempotency keys in Redis, so a retry in another process (a redelivered webhook, a resumed
 * graph) does not send the email again. Keys live under the tenant's `{companyId}` hash tag and
 * expire after the TTL. The first writer wins (`SET NX PX`): a later `set` never replaces the
 * recorded result.
 *
 * @example
 * const store = new RedisEmailDedupStore({ redis, companyId: "benova" });
 * const email = new EmailService(config, { dedupStore: store });
 */
export class RedisEmailDedupStore implements EmailDedupStore {
  private readonly redis: Redis | Cluster;
  private readonly base: string;

  constructor(options: RedisEmailDedupStoreOptions) {
    this.redis = options.redis;
    this.base = `${options.prefix ?? "agent-ledger"}:{${options.companyId}}:email:sent:`;
  }

  /** The Redis key of an idempotency key. */
  keyFor(idempotencyKey: string): string {
    return `${this.base}${idempotencyKey}`;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.keyFor(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyFor(key), value, "PX", Math.max(1, Math.round(ttlMs)), "NX");
  }
}

/**
 * Sent idempotency keys in a SQLite table (the embedded default), so a retry after a restart does
 * not send the email again. Rows are scoped by tenant and expire after the TTL; the first writer wins.
 */
export class SqliteEmailDedupStore implements EmailDedupStore {
  private readonly keys: SqliteSentKeys;

  constructor(options: { companyId: string; path?: string; database?: Database.Database }) {
    this.keys = new SqliteSentKeys({ ...options, table: "email_sent" });
  }

  async get(key: string): Promise<string | null> {
    return this.keys.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.keys.put(key, value, ttlMs);
  }

  close(): void {
    this.keys.close();
  }
}
