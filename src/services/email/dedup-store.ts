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
