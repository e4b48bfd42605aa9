import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { SqliteAuditStore } from "../../src/audit/sqlite/sqlite-audit-store.js";
import type { AuditStore } from "../../src/audit/store.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "./redis.js";

/** A store under test plus the means to reach behind it (for tamper tests) and to clean up. */
export interface StoreHarness {
  kind: "redis" | "sqlite";
  store: AuditStore;
  prefix: string;
  redis: Redis | null;
  sqlite: SqliteAuditStore | null;
  cleanup(): Promise<void>;
}

export async function makeStore(kind: "redis" | "sqlite"): Promise<StoreHarness> {
  const prefix = uniquePrefix("audit");
  if (kind === "redis") {
    const redis = testRedis();
    const store = new RedisAuditStore({ redis, prefix });
    return {
      kind,
      store,
      prefix,
      redis,
      sqlite: null,
      cleanup: async () => {
        await deleteByPrefix(redis, prefix);
        redis.disconnect();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "agent-ledger-audit-"));
  const store = new SqliteAuditStore({ path: join(dir, "audit.db") });
  return {
    kind,
    store,
    prefix,
    redis: null,
    sqlite: store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
