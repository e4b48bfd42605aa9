import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { chainLink, Signer } from "../../src/audit/signing.js";
import { verifyTrail } from "../../src/audit/verify.js";
import { makeStore, type StoreHarness } from "../support/audit-stores.js";

const KEY = "test-signing-key-0123456789abcdef";
const DAY_MS = 86_400_000;

/** Runs `op` for 0..total-1 with `inFlight` calls pending at once. */
async function fill(total: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) await op(i);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const action = (i: number) => ({
  userId: `u${i % 500}`,
  actionType: "api_call",
  actionName: "scale.fill",
  inputParams: { n: i },
});

describe("verify on a Redis trail of 100,000 actions", () => {
  let h: StoreHarness;
  afterEach(async () => h.cleanup());

  it("verifies it, and finds a record tampered with in the middle of it", async () => {
    h = await makeStore("redis");
    const redis = h.redis;
    if (!redis) throw new Error("expected a Redis harness");
    const audit = new AuditManager({
      companyId: "benova",
      store: h.store,
      signingKey: KEY,
      sealIntervalMs: 0,
    });
    const total = 100_000;
    const ids: string[] = new Array(total);
    await fill(total, 256, async (i) => {
      ids[i] = (await audit.logAction(action(i))).auditId;
    });
    await audit.seal();

    const clean = await audit.verify();
    expect(clean).toMatchObject({
      ok: true,
      entriesChecked: total,
      recordsChecked: total,
      sealsChecked: 1,
      unsealedRecords: 0,
      findings: [],
    });

    const root = `${h.prefix}:{benova}`;
    // Changed: the base of the entry in the middle.
    const changed = ids[total / 2] as string;
    const base = JSON.parse((await redis.hget(`${root}:e:${changed}`, "base")) as string);
    await redis.hset(`${root}:e:${changed}`, "base", JSON.stringify({ ...base, actionName: "other" }));
    // Changed: a status moved on without its record.
    const moved = ids[total / 4] as string;
    await redis.hset(`${root}:e:${moved}`, "status", "success", "outcome", '{"result":{"ok":true}}');
    // Inserted: an entry no record accounts for.
    const fake = "01KZZZZZZZZZZZZZZZZZZZZZZZ";
    await redis.hset(`${root}:e:${fake}`, "base", "{}", "status", "success", "updatedAt", "");
    // Deleted: chain record #60000, which also leaves its entry without a record.
    const rows = await redis.xrange(`${root}:chain`, "-", "+", "COUNT", 60_000);
    const [streamId, fields] = rows[59_999] as [string, string[]];
    expect(fields.slice(0, 2)).toEqual(["seq", "60000"]);
    const orphan = fields[fields.indexOf("id") + 1] as string;
    expect([changed, moved]).not.toContain(orphan);
    await redis.xdel(`${root}:chain`, streamId);

    const report = await audit.verify();
    expect(report.ok).toBe(false);
    expect(report.recordsChecked).toBe(total - 1);
    const found = report.findings.map((f) => [f.kind, f.auditId, f.kind === "deleted" ? f.seq : null]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["changed", changed, null],
        ["changed", moved, null],
        ["inserted", fake, null],
        ["deleted", null, 60_000],
        ["inserted", orphan, null],
      ]),
    );
    expect(report.findings).toHaveLength(5);
  }, 180_000);
});

describe.each(["redis", "sqlite"] as const)("verify across pages on %s", (kind) => {
  let h: StoreHarness;
  let audit: AuditManager;
  let ids: string[];
  beforeEach(async () => {
    h = await makeStore(kind);
    audit = new AuditManager({ companyId: "benova", store: h.store, signingKey: KEY, sealIntervalMs: 0 });
    ids = [];
    // 1,200 entries, 2,400 records: three chain pages, two entry pages.
    await fill(1200, 32, async (i) => {
      const e = await audit.logAction({ ...action(i), compensable: true, compensationAction: "undo" });
      await audit.markSuccess(e.auditId, { n: i });
      ids[i] = e.auditId;
    });
    await audit.seal();
  });
  afterEach(async () => {
    await audit.close();
    await h.cleanup();
  });

  const setStatus = async (auditId: string, status: string) => {
    if (h.redis) await h.redis.hset(`${h.prefix}:{benova}:e:${auditId}`, "status", status);
    else
      h.sqlite?.database
        .prepare("UPDATE audit_entries SET status = ? WHERE audit_id = ?")
        .run(status, auditId);
  };
  const insert = async (auditId: string) => {
    if (h.redis) await h.redis.hset(`${h.prefix}:{benova}:e:${auditId}`, "base", "{}", "status", "pending");
    else
      h.sqlite?.database
        .prepare(
          "INSERT INTO audit_entries (company_id, audit_id, status, user_id, action_type, created_ms, expire_ms, base, updated_at) VALUES ('benova', ?, 'pending', 'u', 'x', ?, ?, '{}', '')",
        )
        .run(auditId, Date.now(), Date.now() + DAY_MS);
  };

  it("names entries whose status no record set, rolled forward or back", async () => {
    expect(await audit.verify()).toMatchObject({ ok: true, entriesChecked: 1200, recordsChecked: 2400 });
    await setStatus(ids[10] as string, "compensated");
    await setStatus(ids[1100] as string, "pending");
    await setStatus(ids[600] as string, "failed");
    const report = await audit.verify();
    const changed = report.findings.filter((f) => f.kind === "changed").map((f) => f.auditId);
    expect(changed.sort()).toEqual([ids[10], ids[600], ids[1100]].sort());
    expect(report.findings).toHaveLength(3);
  });

  it("reports a record naming something that is no audit id instead of failing", async () => {
    const head = await h.store.chainHead("benova");
    if (!head) throw new Error("expected a chain");
    const rec = { seq: head.seq + 1, id: "not/an id", op: "create", digest: "d", at: Date.now(), sig: "s" };
    const chain = chainLink(head.chain, rec.sig);
    if (h.redis)
      await h.redis.xadd(
        `${h.prefix}:{benova}:chain`,
        "*",
        ...Object.entries({ ...rec, prev: head.chain, chain }).flatMap(([k, v]) => [k, String(v)]),
      );
    else
      h.sqlite?.database
        .prepare("INSERT INTO audit_chain VALUES ('benova', ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(rec.seq, rec.id, rec.op, rec.digest, rec.at, rec.sig, head.chain, chain);
    const report = await audit.verify();
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: "forged", auditId: rec.id }));
    expect(report.recordsChecked).toBe(2401);
  });

  it("names every inserted entry when they do not fit in one group of the entry budget", async () => {
    const fakes = Array.from(
      { length: 40 },
      (_, i) => `01KZZZZZZZZZZZZZZZZZZZZZ${String(i).padStart(2, "0")}`,
    );
    for (const id of fakes) await insert(id);
    const report = await verifyTrail({
      companyId: "benova",
      store: h.store,
      signer: new Signer(KEY),
      now: Date.now(),
      ttlMs: 90 * DAY_MS,
      entryBudget: 5,
    });
    expect(report.findings.map((f) => [f.kind, f.auditId]).sort()).toEqual(
      fakes.map((id) => ["inserted", id]).sort(),
    );
    expect(report.entriesChecked).toBe(1240);
  });
});
