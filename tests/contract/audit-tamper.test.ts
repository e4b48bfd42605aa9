import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { chainLink } from "../../src/audit/signing.js";
import type { TamperKind } from "../../src/audit/types.js";
import { makeStore, type StoreHarness } from "../support/audit-stores.js";

const KEY = "test-signing-key-0123456789abcdef";

/** Reaches behind the store the way an attacker with database access would. */
interface Attacker {
  setOutcome(auditId: string, json: string): Promise<void>;
  deleteEntry(auditId: string): Promise<void>;
  insertEntry(auditId: string, baseJson: string): Promise<void>;
  deleteRecord(seq: number): Promise<void>;
  /** Swaps the records at two sequence positions; with `rehash`, recomputes every chain link after. */
  swapRecords(a: number, b: number, rehash: boolean): Promise<void>;
}

function attackerFor(h: StoreHarness): Attacker {
  if (h.redis) {
    const r = h.redis;
    const root = `${h.prefix}:{benova}`;
    const readAll = async () =>
      (await r.xrange(`${root}:chain`, "-", "+")).map(([id, f]) => {
        const o: Record<string, string> = {};
        for (let i = 0; i < f.length; i += 2) o[f[i] as string] = f[i + 1] as string;
        return { id, o };
      });
    const rewrite = async (rows: { o: Record<string, string> }[]) => {
      await r.del(`${root}:chain`);
      for (const row of rows) await r.xadd(`${root}:chain`, "*", ...Object.entries(row.o).flat());
    };
    return {
      setOutcome: async (id, json) => void (await r.hset(`${root}:e:${id}`, "outcome", json)),
      deleteEntry: async (id) => void (await r.del(`${root}:e:${id}`)),
      insertEntry: async (id, base) =>
        void (await r.hset(
          `${root}:e:${id}`,
          "base",
          base,
          "status",
          "success",
          "updatedAt",
          new Date().toISOString(),
        )),
      deleteRecord: async (seq) => {
        const row = (await readAll()).find((x) => Number(x.o.seq) === seq);
        if (row) await r.xdel(`${root}:chain`, row.id);
      },
      swapRecords: async (a, b, rehash) => {
        const rows = await readAll();
        const ia = rows.findIndex((x) => Number(x.o.seq) === a);
        const ib = rows.findIndex((x) => Number(x.o.seq) === b);
        const ra = rows[ia] as (typeof rows)[number];
        rows[ia] = rows[ib] as (typeof rows)[number];
        rows[ib] = ra;
        if (rehash) {
          let prev = rows[0]?.o.prev ?? "";
          rows.forEach((row, i) => {
            row.o.seq = String(i + 1);
            row.o.prev = prev;
            row.o.chain = chainLink(prev, row.o.sig ?? "");
            prev = row.o.chain;
          });
          await r.set(`${root}:head`, `${rows.length}:${prev}`);
        }
        await rewrite(rows);
      },
    };
  }
  const db = h.sqlite?.database;
  if (!db) throw new Error("no store to attack");
  return {
    setOutcome: async (id, json) =>
      void db.prepare("UPDATE audit_entries SET outcome = ? WHERE audit_id = ?").run(json, id),
    deleteEntry: async (id) => void db.prepare("DELETE FROM audit_entries WHERE audit_id = ?").run(id),
    insertEntry: async (id, base) =>
      void db
        .prepare(
          "INSERT INTO audit_entries (company_id, audit_id, status, user_id, action_type, created_ms, expire_ms, base, updated_at) VALUES ('benova', ?, 'success', 'u', 'booking', ?, ?, ?, '')",
        )
        .run(id, Date.now(), Date.now() + 86_400_000, base),
    deleteRecord: async (seq) => void db.prepare("DELETE FROM audit_chain WHERE seq = ?").run(seq),
    swapRecords: async (a, b, rehash) => {
      db.prepare("UPDATE audit_chain SET seq = -1 WHERE seq = ?").run(a);
      db.prepare("UPDATE audit_chain SET seq = ? WHERE seq = ?").run(a, b);
      db.prepare("UPDATE audit_chain SET seq = ? WHERE seq = -1").run(b);
      if (rehash) {
        const rows = db
          .prepare<[], { seq: number; sig: string; prev: string }>(
            "SELECT seq, sig, prev FROM audit_chain ORDER BY seq",
          )
          .all();
        let prev = rows[0]?.prev ?? "";
        for (const row of rows) {
          const chain = chainLink(prev, row.sig);
          db.prepare("UPDATE audit_chain SET prev = ?, chain = ? WHERE seq = ?").run(prev, chain, row.seq);
          prev = chain;
        }
        db.prepare("UPDATE audit_heads SET chain = ?").run(prev);
      }
    },
  };
}

describe.each(["redis", "sqlite"] as const)("tamper evidence on %s", (kind) => {
  let h: StoreHarness;
  let audit: AuditManager;
  let ids: string[];
  let attacker: Attacker;

  beforeEach(async () => {
    h = await makeStore(kind);
    attacker = attackerFor(h);
    audit = new AuditManager({ companyId: "benova", store: h.store, signingKey: KEY, sealIntervalMs: 0 });
    ids = [];
    for (let i = 0; i < 4; i++) {
      const e = await audit.logAction({
        userId: `u${i}`,
        actionType: "booking",
        actionName: "create_booking",
        compensable: true,
        compensationAction: "delete_booking",
      });
      await audit.markSuccess(e.auditId, { event_id: `ev${i}` }, 10);
      ids.push(e.auditId);
    }
    await audit.compensate(ids[1] as string, "rolled back");
    await audit.seal();
  });
  afterEach(async () => {
    await audit.close();
    await h.cleanup();
  });

  const kinds = async () => (await audit.verify()).findings.map((f) => f.kind as TamperKind);

  it("an untouched trail verifies, and the key is not in the store", async () => {
    const report = await audit.verify();
    expect(report).toMatchObject({
      ok: true,
      signed: true,
      entriesChecked: 4,
      recordsChecked: 9,
      sealsChecked: 1,
      unsealedRecords: 0,
    });
    if (h.redis) {
      const dump = JSON.stringify(
        await Promise.all((await h.redis.keys(`${h.prefix}*`)).map((k) => h.redis?.dump(k))),
      );
      expect(dump).not.toContain(KEY);
    } else {
      expect(JSON.stringify(h.sqlite?.database.prepare("SELECT * FROM audit_chain").all())).not.toContain(
        KEY,
      );
    }
  });

  it("detects a changed record and names the entry", async () => {
    const id = ids[2] as string;
    await attacker.setOutcome(
      id,
      JSON.stringify({
        durationMs: 10,
        finishedAt: new Date().toISOString(),
        result: { event_id: "forged" },
      }),
    );
    const report = await audit.verify();
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: "changed", auditId: id }));
  });

  it("detects a deleted entry and a deleted chain record", async () => {
    const id = ids[0] as string;
    await attacker.deleteEntry(id);
    expect((await audit.verify()).findings).toContainEqual(
      expect.objectContaining({ kind: "deleted", auditId: id }),
    );
    await attacker.deleteRecord(5);
    const report = await audit.verify();
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: "deleted", seq: 5 }));
  });

  it("detects an inserted entry and a forged record", async () => {
    const fake = "01KZZZZZZZZZZZZZZZZZZZZZZZ";
    await attacker.insertEntry(
      fake,
      JSON.stringify({ auditId: fake, companyId: "benova", userId: "u", actionType: "booking" }),
    );
    expect((await audit.verify()).findings).toContainEqual(
      expect.objectContaining({ kind: "inserted", auditId: fake }),
    );
    // A record written through the store API without the key does not carry a valid signature.
    const intruder = new AuditManager({
      companyId: "benova",
      store: h.store,
      signingKey: "not-the-right-key-000000",
      sealIntervalMs: 0,
    });
    const forged = await intruder.logAction({ userId: "x", actionType: "booking", actionName: "fake" });
    const report = await audit.verify();
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: "forged", auditId: forged.auditId }),
    );
  });

  it("detects reordered records, also when the attacker re-hashes the chain", async () => {
    await attacker.swapRecords(3, 4, false);
    expect(await kinds()).toContain("reordered");
    await attacker.swapRecords(3, 4, false); // undo
    expect((await audit.verify()).ok).toBe(true);
    await attacker.swapRecords(3, 4, true);
    const report = await audit.verify();
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: "reordered", seq: 9 }));
  });

  it("reports records written after the newest seal", async () => {
    const e = await audit.logAction({ userId: "late", actionType: "ticket", actionName: "create_ticket" });
    await audit.markFailed(e.auditId, "x");
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, unsealedRecords: 2 });
    await audit.seal();
    expect((await audit.verify()).unsealedRecords).toBe(0);
  });
});
