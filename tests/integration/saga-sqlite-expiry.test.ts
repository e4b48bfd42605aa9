import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSagaStore } from "../../src/saga/sqlite/sqlite-saga-store.js";
import type { SagaRecord } from "../../src/saga/types.js";
import { newId } from "../../src/util/ids.js";

const DAY_MS = 86_400_000;

function record(sagaId: string, companyId = "benova"): SagaRecord {
  const now = new Date().toISOString();
  return {
    sagaId,
    companyId,
    sagaName: "complete_booking_flow",
    userId: "user-1",
    conversationId: "conv-1",
    status: "created",
    steps: [],
    failedAction: null,
    error: null,
    compensationErrors: [],
    recoveredBy: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}

describe("SQLite saga store: expired sagas", () => {
  let store: SqliteSagaStore | null = null;
  afterEach(async () => {
    await store?.close();
  });

  it("drops a tenant's expired sagas when a new one is stored, through an index rather than a scan", async () => {
    store = new SqliteSagaStore({ path: ":memory:", ttlDays: 1 });
    const db = (store as unknown as { db: Database.Database }).db;
    const old = newId(Date.now() - 3 * DAY_MS);
    const otherTenantOld = newId(Date.now() - 3 * DAY_MS);
    await store.create(record(old));
    await store.create(record(otherTenantOld, "other"));
    const fresh = newId();
    await store.create(record(fresh));
    const ids = db
      .prepare<[], { company_id: string; saga_id: string }>("SELECT company_id, saga_id FROM saga_records")
      .all()
      .map((r) => `${r.company_id}/${r.saga_id}`)
      .sort();
    // Only the tenant that stored a saga is purged; the other tenant's expired row waits for its own.
    expect(ids).toEqual([`benova/${fresh}`, `other/${otherTenantOld}`].sort());
    const plan = db
      .prepare<[string, number], { detail: string }>(
        "EXPLAIN QUERY PLAN DELETE FROM saga_records WHERE company_id = ? AND expire_ms <= ?",
      )
      .all("benova", Date.now())
      .map((r) => r.detail)
      .join("; ");
    expect(plan).toContain("USING INDEX saga_by_expiry");
  });
});
