import Database from "better-sqlite3";
import type { Cluster, Redis } from "ioredis";
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
  private readonly db: Database.Database;
  private readonly owns: boolean;

  constructor(private readonly options: { companyId: string; path?: string; database?: Database.Database }) {
    this.owns = options.database === undefined;
    this.db = options.database ?? new Database(options.path ?? ":memory:");
    this.db.pragma("journal_mode = WAL");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS email_sent (
        company_id TEXT NOT NULL, idem_key TEXT NOT NULL, value TEXT NOT NULL, expire_ms INTEGER NOT NULL,
        PRIMARY KEY (company_id, idem_key)) WITHOUT ROWID`,
    );
  }

  async get(key: string): Promise<string | null> {
    const row = this.db
      .prepare<[string, string, number], { value: string }>(
        "SELECT value FROM email_sent WHERE company_id = ? AND idem_key = ? AND expire_ms > ?",
      )
      .get(this.options.companyId, key, Date.now());
    return row?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM email_sent WHERE company_id = ? AND idem_key = ? AND expire_ms <= ?")
        .run(this.options.companyId, key, now);
      this.db
        .prepare("INSERT OR IGNORE INTO email_sent VALUES (?, ?, ?, ?)")
        .run(this.options.companyId, key, value, now + Math.max(1, Math.round(ttlMs)));
    })();
  }

  close(): void {
    if (this.owns && this.db.open) this.db.close();
  }
}
