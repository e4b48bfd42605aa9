import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { SqliteAuditStore } from "../../src/audit/sqlite/sqlite-audit-store.js";
import type { AuditStore } from "../../src/audit/store.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import { SqliteSagaStore } from "../../src/saga/sqlite/sqlite-saga-store.js";
import type { SagaStore } from "../../src/saga/store.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "./redis.js";

export const SAGA_STORE_KINDS = ["redis", "sqlite"] as const;
export type SagaStoreKind = (typeof SAGA_STORE_KINDS)[number];

/** A saga store and an audit trail of one kind, on a private prefix or temp dir, and their cleanup. */
export interface SagaHarness {
  kind: SagaStoreKind;
  store: SagaStore;
  auditStore: AuditStore;
  audit: AuditManager;
  redis: Redis | null;
  prefix: string;
  /** Another store on the same data, as a second process would open it. */
  reopen(): SagaStore;
  cleanup(): Promise<void>;
}

export async function makeSagaHarness(kind: SagaStoreKind, companyId = "benova"): Promise<SagaHarness> {
  const prefix = uniquePrefix("saga");
  if (kind === "redis") {
    const redis = testRedis();
    const auditStore = new RedisAuditStore({ redis, prefix });
    const audit = new AuditManager({ companyId, store: auditStore, sealIntervalMs: 0 });
    const extra: Redis[] = [];
    return {
      kind,
      store: new RedisSagaStore({ redis, prefix }),
      auditStore,
      audit,
      redis,
      prefix,
      reopen: () => {
        const other = testRedis();
        extra.push(other);
        return new RedisSagaStore({ redis: other, prefix });
      },
      cleanup: async () => {
        await audit.close();
        await deleteByPrefix(redis, prefix);
        redis.disconnect();
        for (const r of extra) r.disconnect();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "agent-ledger-saga-"));
  const path = join(dir, "sagas.db");
  const store = new SqliteSagaStore({ path });
  const auditStore = new SqliteAuditStore({ path: join(dir, "audit.db") });
  const audit = new AuditManager({ companyId, store: auditStore, sealIntervalMs: 0 });
  const extra: SqliteSagaStore[] = [];
  return {
    kind,
    store,
    auditStore,
    audit,
    redis: null,
    prefix,
    reopen: () => {
      const other = new SqliteSagaStore({ path });
      extra.push(other);
      return other;
    },
    cleanup: async () => {
      await audit.close();
      await store.close();
      for (const s of extra) await s.close();
      await auditStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
