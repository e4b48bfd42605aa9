import type { Cluster, Redis } from "ioredis";
import { resolvePrefix } from "../../redis/keys.js";
import { RedisSendClaims } from "../../util/redis-send-claims.js";
import { SqliteSentKeys } from "../../util/sqlite-sent-keys.js";
import type { ChatwootDedupStore } from "./types.js";

/** How long a sent message is remembered by its idempotency key (7 days). */
const REMEMBER_MS = 7 * 86_400_000;

/**
 * Send claims and sent WhatsApp messages by idempotency key in Redis, so that of several processes
 * sending one key (a redelivered webhook, a resumed graph) exactly one messages the customer.
 * Keys live under the tenant's hash tag.
 */
export class RedisChatwootDedupStore extends RedisSendClaims implements ChatwootDedupStore {
  /** `prefix`: key prefix (default "al", see src/redis/keys.ts); tests use one per test. */
  constructor(options: { redis: Redis | Cluster; companyId: string; prefix?: string }) {
    super({
      redis: options.redis,
      prefix: resolvePrefix(options.prefix),
      companyId: options.companyId,
      channel: "whatsapp",
      ttlMs: REMEMBER_MS,
    });
  }
}

/** The same in a SQLite table, for deployments without Redis; processes sharing the file claim through it. */
export class SqliteChatwootDedupStore extends SqliteSentKeys implements ChatwootDedupStore {
  constructor(options: { companyId: string; path: string }) {
    super({ ...options, table: "chatwoot_sent", ttlMs: REMEMBER_MS });
  }
}
