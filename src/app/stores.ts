import { join } from "node:path";
import type { Redis } from "ioredis";
import { RedisAuditStore } from "../audit/redis/redis-audit-store.js";
import { SqliteAuditStore } from "../audit/sqlite/sqlite-audit-store.js";
import type { AuditStore } from "../audit/store.js";
import type { AppConfig } from "../config/index.js";
import { RedisSagaStore } from "../saga/redis/redis-saga-store.js";
import { SqliteSagaStore } from "../saga/sqlite/sqlite-saga-store.js";
import type { SagaStore } from "../saga/store.js";
import { RedisChatwootDedupStore, SqliteChatwootDedupStore } from "../services/chatwoot/dedup-stores.js";
import type { ChatwootDedupStore } from "../services/chatwoot/types.js";
import { RedisEmailDedupStore, SqliteEmailDedupStore } from "../services/email/dedup-store.js";
import type { EmailDedupStore } from "../services/email/types.js";
import type { Logger } from "../util/logger.js";
import { Closers } from "./closers.js";
import { MonitoredRedis } from "./redis.js";

/**
 * The durable stores shared by every tenant: the audit trail, the saga log and the dedup stores
 * that remember what was sent. With `REDIS_URL` they all live in one Redis (one connection);
 * without it, in SQLite files under `DATA_DIR`.
 */
export class Stores {
  readonly redis: MonitoredRedis | null;
  readonly audit: AuditStore;
  readonly sagas: SagaStore;
  private readonly closers = new Closers();

  constructor(
    private readonly config: AppConfig,
    logger: Logger,
  ) {
    const env = config.env;
    if (env.REDIS_URL) {
      const redis = new MonitoredRedis(env.REDIS_URL, logger);
      this.redis = redis;
      this.audit = new RedisAuditStore({ redis: redis.client });
      this.sagas = new RedisSagaStore({ redis: redis.client, ttlDays: env.AUDIT_TTL_DAYS });
      this.closers.add(() => redis.close());
    } else {
      this.redis = null;
      const audit = new SqliteAuditStore({ path: join(config.dataDir, "audit.db") });
      const sagas = new SqliteSagaStore({
        path: join(config.dataDir, "sagas.db"),
        ttlDays: env.AUDIT_TTL_DAYS,
      });
      this.audit = audit;
      this.sagas = sagas;
      this.closers.add(
        () => audit.close(),
        () => sagas.close(),
      );
    }
  }

  /** The ioredis client, or null on the embedded SQLite stores. */
  get redisClient(): Redis | null {
    return this.redis?.client ?? null;
  }

  /** Sent emails by idempotency key, across processes and restarts. */
  emailDedup(companyId: string): EmailDedupStore {
    const client = this.redisClient;
    if (client) return new RedisEmailDedupStore({ redis: client, companyId });
    const store = new SqliteEmailDedupStore({ companyId, path: join(this.config.dataDir, "email-sent.db") });
    this.closers.add(() => store.close());
    return store;
  }

  /** Sent WhatsApp messages by idempotency key, across processes and restarts. */
  chatwootDedup(companyId: string): ChatwootDedupStore {
    const client = this.redisClient;
    if (client) return new RedisChatwootDedupStore({ redis: client, companyId });
    const store = new SqliteChatwootDedupStore({
      companyId,
      path: join(this.config.dataDir, "chatwoot-sent.db"),
    });
    this.closers.add(() => store.close());
    return store;
  }

  /** Checks that Redis answers (no-op on SQLite); throws a one-line RedisUnavailableError otherwise. */
  async check(timeoutMs?: number): Promise<void> {
    await this.redis?.check(timeoutMs);
  }

  async close(): Promise<void> {
    await this.closers.run();
  }
}
