import Database from "better-sqlite3";
import type { Cluster, Redis } from "ioredis";
import type { ChatwootDedupStore, SentMessage } from "./types.js";

/** How long a sent message is remembered by its idempotency key (7 days). */
const REMEMBER_MS = 7 * 86_400_000;

/**
 * Sent WhatsApp messages by idempotency key in Redis, so a redelivered webhook or a resumed graph in
 * another process does not message the customer twice. Keys live under the tenant's hash tag.
 */
export class RedisChatwootDedupStore implements ChatwootDedupStore {
  private readonly base: string;
  constructor(private readonly options: { redis: Redis | Cluster; companyId: string; prefix?: string }) {
    this.base = `${options.prefix ?? "al"}:{${options.companyId}}:chatwoot:sent:`;
  }

  async get(key: string): Promise<SentMessage | undefined> {
    const value = await this.options.redis.get(this.base + key);
    return value ? (JSON.parse(value) as SentMessage) : undefined;
  }

  async set(key: string, value: SentMessage): Promise<void> {
    await this.options.redis.set(this.base + key, JSON.stringify(value), "PX", REMEMBER_MS, "NX");
  }
}

/** The same in a SQLite table, for deployments without Redis. */
export class SqliteChatwootDedupStore implements ChatwootDedupStore {
  private readonly db: Database.Database;

  constructor(private readonly options: { companyId: string; path: string }) {
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS chatwoot_sent (
        company_id TEXT NOT NULL, idem_key TEXT NOT NULL, value TEXT NOT NULL, expire_ms INTEGER NOT NULL,
        PRIMARY KEY (company_id, idem_key)) WITHOUT ROWID`,
    );
  }

  async get(key: string): Promise<SentMessage | undefined> {
    const row = this.db
      .prepare<[string, string, number], { value: string }>(
        "SELECT value FROM chatwoot_sent WHERE company_id = ? AND idem_key = ? AND expire_ms > ?",
      )
      .get(this.options.companyId, key, Date.now());
    return row ? (JSON.parse(row.value) as SentMessage) : undefined;
  }

  async set(key: string, value: SentMessage): Promise<void> {
    this.db
      .prepare("INSERT OR REPLACE INTO chatwoot_sent VALUES (?, ?, ?, ?)")
      .run(this.options.companyId, key, JSON.stringify(value), Date.now() + REMEMBER_MS);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
