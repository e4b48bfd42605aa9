import type Database from "better-sqlite3";
import type { Cluster, Redis } from "ioredis";
import { LEGACY_EMAIL_PREFIX, resolvePrefix } from "../../redis/keys.js";
import { RedisSendClaims } from "../../util/redis-send-claims.js";
import { SqliteSentKeys } from "../../util/sqlite-sent-keys.js";
import type { EmailDedupStore } from "./types.js";

const WEEK_MS = 7 * 86_400_000;

export interface RedisEmailDedupStoreOptions {
  redis: Redis | Cluster;
  companyId: string;
  /** Key prefix shared by the application's keys (default "al", see src/redis/keys.ts). */
  prefix?: string;
  /**
   * A prefix this store's keys were written under before, read while a key is unset under `prefix`.
   * Default: `agent-ledger` (the default before every key moved under "al") when `prefix` is not
   * set, none otherwise; `null` turns it off. Remove once keys written before the move have
   * expired (the TTL: 7 days unless configured).
   */
  legacyPrefix?: string | null;
  /** How long a sent key is remembered when the service does not say; default 7 days. */
  ttlMs?: number;
}

/**
 * Send claims and sent idempotency keys in Redis, so that of several processes sending one key
 * (a redelivered webhook picked up twice, a resumed graph) exactly one sends. Keys live under the
 * tenant's `{companyId}` hash tag and expire after the TTL. Keys written under the former default
 * prefix (`agent-ledger:{companyId}:email:sent:<key>`) are still honoured until they expire.
 *
 * @example
 * const store = new RedisEmailDedupStore({ redis, companyId: "benova" });
 * const email = new EmailService(config, { dedupStore: store });
 */
export class RedisEmailDedupStore extends RedisSendClaims implements EmailDedupStore {
  constructor(options: RedisEmailDedupStoreOptions) {
    const legacy =
      options.legacyPrefix === undefined && options.prefix === undefined
        ? LEGACY_EMAIL_PREFIX
        : options.legacyPrefix;
    super({
      redis: options.redis,
      prefix: resolvePrefix(options.prefix),
      companyId: options.companyId,
      channel: "email",
      ...(legacy == null ? {} : { legacyPrefix: resolvePrefix(legacy) }),
      ttlMs: options.ttlMs ?? WEEK_MS,
    });
  }
}

/**
 * The same in a SQLite table (the embedded default); processes sharing the file claim through it.
 * Rows are scoped by tenant and expire after the TTL.
 */
export class SqliteEmailDedupStore extends SqliteSentKeys implements EmailDedupStore {
  constructor(options: { companyId: string; path?: string; database?: Database.Database; ttlMs?: number }) {
    super({ ...options, table: "email_sent" });
  }
}
