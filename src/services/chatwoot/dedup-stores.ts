import type { Cluster, Redis } from "ioredis";
import { SqliteSentKeys } from "../../util/sqlite-sent-keys.js";
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
  private readonly keys: SqliteSentKeys;

  constructor(options: { companyId: string; path: string }) {
    this.keys = new SqliteSentKeys({ ...options, table: "chatwoot_sent" });
  }

  async get(key: string): Promise<SentMessage | undefined> {
    const value = this.keys.get(key);
    return value ? (JSON.parse(value) as SentMessage) : undefined;
  }

  async set(key: string, value: SentMessage): Promise<void> {
    this.keys.put(key, JSON.stringify(value), REMEMBER_MS);
  }

  close(): void {
    this.keys.close();
  }
}
