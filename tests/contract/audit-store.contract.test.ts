import { readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { AuditError } from "../../src/audit/errors.js";
import { makeStore, type StoreHarness } from "../support/audit-stores.js";

const KINDS = ["redis", "sqlite"] as const;

describe.each(KINDS)("audit trail contract on %s", (kind) => {
  let h: StoreHarness;
  let audit: AuditManager;
  beforeEach(async () => {
    h = await makeStore(kind);
    audit = new AuditManager({ companyId: "benova", store: h.store, sealIntervalMs: 0 });
  });
  afterEach(async () => {
    await audit.close();
    await h.cleanup();
  });

  const booking = (userId = "user-1", extra: Partial<Parameters<AuditManager["logAction"]>[0]> = {}) =>
    audit.logAction({
      userId,
      actionType: "booking",
      actionName: "create_booking",
      inputParams: { date: "2026-12-01", time: "10:00" },
      compensable: true,
      compensationAction: "delete_booking",
      agentName: "schedule",
      conversationId: "conv-1",
      tags: ["calendar"],
      ...extra,
    });

  it("logs a pending entry with every field and a time-sortable id", async () => {
    const a = await booking();
    const b = await booking();
    expect(a.auditId < b.auditId).toBe(true);
    const stored = await audit.getEntry(a.auditId);
    expect(stored).toMatchObject({
      auditId: a.auditId,
      companyId: "benova",
      userId: "user-1",
      actionType: "booking",
      actionName: "create_booking",
      inputParams: { date: "2026-12-01", time: "10:00" },
      compensable: true,
      compensationAction: "delete_booking",
      agentName: "schedule",
      conversationId: "conv-1",
      tags: ["calendar"],
      status: "pending",
      result: null,
    });
    expect(Date.parse(stored?.createdAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
  });

  it("moves pending -> success -> compensated and records result, duration and reason", async () => {
    const { auditId } = await booking();
    await audit.markSuccess(auditId, { event_id: "ev1" }, 42, { compensationParams: { event_id: "ev1" } });
    let e = await audit.getEntry(auditId);
    expect(e).toMatchObject({
      status: "success",
      result: { event_id: "ev1" },
      durationMs: 42,
      compensationParams: { event_id: "ev1" },
    });
    expect(await audit.compensate(auditId, "email failed")).toEqual({ changed: true });
    e = await audit.getEntry(auditId);
    expect(e).toMatchObject({ status: "compensated", compensationReason: "email failed" });
    expect(e?.compensatedAt).toBeTruthy();
    // A second compensate is a no-op and changes nothing.
    expect(await audit.compensate(auditId, "again")).toEqual({ changed: false });
    expect((await audit.getEntry(auditId))?.compensationReason).toBe("email failed");
  });

  it("moves pending -> failed with the error message", async () => {
    const { auditId } = await booking();
    await audit.markFailed(auditId, "calendar down", 7);
    expect(await audit.getEntry(auditId)).toMatchObject({
      status: "failed",
      errorMessage: "calendar down",
      durationMs: 7,
    });
  });

  it("refuses illegal transitions and leaves the entry unchanged", async () => {
    const pending = await booking();
    await expect(audit.compensate(pending.auditId, "x")).rejects.toMatchObject({
      code: "ILLEGAL_TRANSITION",
    });
    expect((await audit.getEntry(pending.auditId))?.status).toBe("pending");

    const failed = await booking();
    await audit.markFailed(failed.auditId, "boom");
    await expect(audit.compensate(failed.auditId, "x")).rejects.toMatchObject({ code: "ILLEGAL_TRANSITION" });
    await expect(audit.markSuccess(failed.auditId, { ok: 1 })).rejects.toMatchObject({
      code: "ILLEGAL_TRANSITION",
    });
    expect(await audit.getEntry(failed.auditId)).toMatchObject({
      status: "failed",
      errorMessage: "boom",
      result: null,
    });

    const done = await booking();
    await audit.markSuccess(done.auditId, { a: 1 });
    await expect(audit.markFailed(done.auditId, "late")).rejects.toMatchObject({
      code: "ILLEGAL_TRANSITION",
    });
    await expect(audit.markSuccess(done.auditId, { a: 2 })).rejects.toBeInstanceOf(AuditError);
    expect(await audit.getEntry(done.auditId)).toMatchObject({
      status: "success",
      result: { a: 1 },
      errorMessage: null,
    });

    const notCompensable = await audit.logAction({
      userId: "u",
      actionType: "notification",
      actionName: "send_email",
    });
    await audit.markSuccess(notCompensable.auditId, {});
    await expect(audit.compensate(notCompensable.auditId, "x")).rejects.toMatchObject({
      code: "NOT_COMPENSABLE",
    });
    await expect(audit.markSuccess("01HZZZZZZZZZZZZZZZZZZZZZZZ", {})).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const report = await audit.verify();
    expect(report.findings).toEqual([]);
  });

  it("leases each pending entry to its writer in the same write; needs_attention only from pending", async () => {
    const before = Date.now();
    const a = await booking("user-1", { leaseMs: 60_000 });
    expect(a.leaseOwner).toBe(audit.owner);
    const stored = await audit.getEntry(a.auditId);
    expect(stored?.leaseOwner).toBe(audit.owner);
    const until = Date.parse(stored?.leaseUntil ?? "");
    expect(until).toBeGreaterThanOrEqual(before + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    const [listed] = (await audit.query({ status: "pending" })).entries;
    expect(listed).toMatchObject({ auditId: a.auditId, leaseOwner: audit.owner });

    await audit.markNeedsAttention(a.auditId, "owner stopped; outcome unknown");
    const closed = await audit.getEntry(a.auditId);
    expect(closed).toMatchObject({
      status: "needs_attention",
      errorMessage: "owner stopped; outcome unknown",
      leaseOwner: null,
      leaseUntil: null,
    });
    expect((await audit.query({ status: "needs_attention" })).entries.map((e) => e.auditId)).toEqual([
      a.auditId,
    ]);
    expect((await audit.query({ status: "pending" })).entries).toHaveLength(0);
    await expect(audit.markSuccess(a.auditId, {})).rejects.toMatchObject({ code: "ILLEGAL_TRANSITION" });
    const done = await booking();
    await audit.markSuccess(done.auditId, {});
    await expect(audit.markNeedsAttention(done.auditId, "x")).rejects.toMatchObject({
      code: "ILLEGAL_TRANSITION",
      currentStatus: "success",
    });
    expect((await audit.getEntry(done.auditId))?.leaseOwner).toBeNull();
    expect((await audit.verify()).findings).toEqual([]);
  });

  it("renews a lease only for its owner and lets another process claim it only once it lapsed", async () => {
    const entry = await booking("user-1", { leaseMs: 1_000 });
    const later = new AuditManager({
      companyId: "benova",
      store: h.store,
      sealIntervalMs: 0,
      owner: "recovery-1",
      now: () => Date.now() + 5_000,
    });
    const early = new AuditManager({
      companyId: "benova",
      store: h.store,
      sealIntervalMs: 0,
      owner: "early",
    });
    // Live lease: another process may neither claim nor renew it.
    expect(await early.claimLease(entry.auditId, 1_000)).toMatchObject({
      ok: false,
      status: "pending",
      owner: audit.owner,
    });
    expect(await early.renewLease(entry.auditId)).toBe(false);
    expect(await audit.renewLease(entry.auditId, 1_000)).toBe(true);
    // Lapsed (seen from a clock 5 s ahead): one claim wins, then the old owner has lost it.
    expect(await later.claimLease(entry.auditId, 60_000)).toEqual({ ok: true });
    expect((await audit.getEntry(entry.auditId))?.leaseOwner).toBe("recovery-1");
    expect(await audit.renewLease(entry.auditId)).toBe(false);
    expect((await later.claimLease(entry.auditId, 60_000)).ok).toBe(false);
    await later.markFailed(entry.auditId, "no effect found");
    expect(await later.claimLease(entry.auditId, 60_000)).toMatchObject({ ok: false, status: "failed" });
    expect(await later.renewLease(entry.auditId)).toBe(false);
    expect(await audit.claimLease("01HZZZZZZZZZZZZZZZZZZZZZZZ")).toMatchObject({ ok: false, status: null });
    expect((await audit.verify()).findings).toEqual([]);
  });

  it("refuses a reused audit id with the final error DUPLICATE_ID, changing nothing", async () => {
    const first = await booking();
    const at = Date.now();
    const cmd = {
      companyId: "benova",
      auditId: first.auditId,
      base: JSON.stringify({ forged: true }),
      updatedAt: new Date(at).toISOString(),
      createdMs: at,
      expireMs: at + 60_000,
      cutoffMs: 0,
      index: {
        userId: "x",
        actionType: "x",
        conversationId: null,
        sagaId: null,
        idempotencyKey: null,
        tags: [],
      },
      stamp: { op: "create" as const, digest: "d", at, sig: "s" },
      lease: { owner: "x", untilMs: at + 60_000 },
    };
    const err = await h.store.create(cmd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect(err).toMatchObject({ code: "DUPLICATE_ID", retriable: false, auditId: first.auditId });
    expect(await audit.getEntry(first.auditId)).toMatchObject({ userId: "user-1", status: "pending" });
  });

  it("rejects bad input naming the field, writing nothing", async () => {
    await expect(audit.logAction({ userId: "u", actionType: "Booking!", actionName: "x" })).rejects.toThrow(
      /actionType/,
    );
    await expect(audit.logAction({ userId: "u", actionType: "booking", actionName: "" })).rejects.toThrow(
      /actionName/,
    );
    await expect(
      audit.logAction({ userId: "u", actionType: "booking", actionName: "x", compensable: true }),
    ).rejects.toThrow(/compensationAction/);
    await expect(audit.query({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(audit.query({ cursor: "nonsense" })).rejects.toThrow(/cursor/);
    expect((await audit.query({})).entries).toHaveLength(0);
  });

  it("records an action without a userId as anonymous", async () => {
    const { auditId } = await audit.logAction({ actionType: "rag_search", actionName: "knowledge_base" });
    expect((await audit.getEntry(auditId))?.userId).toBe("anonymous");
    expect(await audit.getUserActions("anonymous")).toHaveLength(1);
  });

  it("queries by every filter, newest first, with cursor paging", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const e = await booking(i % 2 === 0 ? "ana" : "bea", {
        conversationId: `c${i % 3}`,
        sagaId: i < 3 ? "saga-1" : null,
        tags: i === 4 ? ["vip"] : [],
      });
      ids.push(e.auditId);
    }
    await audit.logAction({ userId: "ana", actionType: "notification", actionName: "send_email" });
    await audit.markSuccess(ids[0] as string, {});
    await audit.markFailed(ids[1] as string, "x");

    const ana = await audit.getUserActions("ana", { limit: 50 });
    expect(ana.map((e) => e.actionName)).toEqual([
      "send_email",
      "create_booking",
      "create_booking",
      "create_booking",
      "create_booking",
    ]);
    expect((await audit.getActionsByType("booking")).map((e) => e.auditId)).toEqual([...ids].reverse());
    expect((await audit.query({ status: "failed" })).entries.map((e) => e.auditId)).toEqual([ids[1]]);
    expect((await audit.query({ status: "success" })).entries.map((e) => e.auditId)).toEqual([ids[0]]);
    expect((await audit.query({ tag: "vip" })).entries.map((e) => e.auditId)).toEqual([ids[4]]);
    expect((await audit.query({ sagaId: "saga-1" })).entries.map((e) => e.auditId)).toEqual([
      ids[2],
      ids[1],
      ids[0],
    ]);
    expect(
      (await audit.query({ conversationId: "c1", userId: "bea" })).entries.map((e) => e.auditId),
    ).toEqual([ids[1]]);
    expect(
      (await audit.query({ userId: "ana", actionType: "booking", status: "pending" })).entries,
    ).toHaveLength(3);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.query({ actionType: "booking", limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries.map((e) => e.auditId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const future = await audit.query({ from: new Date(Date.now() + 60_000) });
    expect(future.entries).toHaveLength(0);
    const upToNow = await audit.query({ to: new Date(Date.now() + 60_000), limit: 100 });
    expect(upToNow.entries).toHaveLength(8);
  });

  it("isolates tenants even when given another tenant's audit id", async () => {
    const other = new AuditManager({ companyId: "othercorp", store: h.store, sealIntervalMs: 0 });
    const mine = await booking("shared-user");
    const theirs = await other.logAction({
      userId: "shared-user",
      actionType: "booking",
      actionName: "create_booking",
      compensable: true,
      compensationAction: "delete_booking",
    });
    await other.markSuccess(theirs.auditId, { event_id: "theirs" });

    expect(await audit.getEntry(theirs.auditId)).toBeNull();
    await expect(audit.markSuccess(theirs.auditId, { hijack: true })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(audit.compensate(theirs.auditId, "hijack")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await other.getEntry(theirs.auditId))?.status).toBe("success");
    expect((await audit.getUserActions("shared-user")).map((e) => e.auditId)).toEqual([mine.auditId]);
    expect((await other.getUserActions("shared-user")).map((e) => e.auditId)).toEqual([theirs.auditId]);
    expect((await other.verify()).ok).toBe(true);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("finds the entry of an idempotency key", async () => {
    const e = await booking("u", { idempotencyKey: "benova:conv-1:book" });
    expect((await audit.findByIdempotencyKey("benova:conv-1:book"))?.auditId).toBe(e.auditId);
    expect(await audit.findByIdempotencyKey("missing")).toBeNull();
  });

  it("never stores a secret given in params, result or error", async () => {
    const secret = "sk-live-SUPERSECRET-9f8e7d";
    const redacting = new AuditManager({
      companyId: "benova",
      store: h.store,
      sealIntervalMs: 0,
      redact: { piiKeys: ["phone"], secretValues: ["hunter2-hunter2"] },
    });
    const e = await redacting.logAction({
      userId: "u",
      actionType: "api_call",
      actionName: "call",
      inputParams: {
        api_key: secret,
        nested: { password: secret, Authorization: `Bearer ${secret}` },
        phone: "+34600123456",
        note: "uses hunter2-hunter2",
      },
    });
    await redacting.markSuccess(e.auditId, { token: secret, headers: { "x-api-key": secret } });
    const f = await redacting.logAction({ userId: "u", actionType: "api_call", actionName: "call" });
    await redacting.markFailed(f.auditId, `request failed with Authorization: Bearer ${secret}`);
    const stored = await redacting.getEntry(e.auditId);
    expect(stored?.inputParams).toMatchObject({
      api_key: "[REDACTED]",
      phone: "+34******456",
      note: "uses [REDACTED]",
    });

    let everything = "";
    if (h.redis) {
      for (const key of await h.redis.keys(`${h.prefix}*`)) {
        const type = await h.redis.type(key);
        if (type === "hash") everything += JSON.stringify(await h.redis.hgetall(key));
        else if (type === "zset") everything += JSON.stringify(await h.redis.zrange(key, 0, -1));
        else if (type === "stream") everything += JSON.stringify(await h.redis.xrange(key, "-", "+"));
        else if (type === "string") everything += await h.redis.get(key);
      }
    } else if (h.sqlite) {
      const file = h.sqlite.database.name;
      h.sqlite.database.pragma("wal_checkpoint(TRUNCATE)");
      for (const name of readdirSync(dirname(file)))
        everything += readFileSync(`${dirname(file)}/${name}`).toString("latin1");
    }
    expect(everything.length).toBeGreaterThan(100);
    expect(everything).toContain("[REDACTED]");
    expect(everything).not.toContain("SUPERSECRET");
    expect(everything).not.toContain("hunter2-hunter2");
    expect(everything).not.toContain("600123");
  });

  it("forgets entries after the retention period", async () => {
    const ttlDays = 1;
    const almostExpired = new AuditManager({
      companyId: "benova",
      store: h.store,
      sealIntervalMs: 0,
      ttlDays,
      now: () => Date.now() - 86_400_000 + 800,
    });
    const old = await almostExpired.logAction({
      userId: "ttl-user",
      actionType: "booking",
      actionName: "old",
      tags: ["t"],
      conversationId: "c",
      idempotencyKey: "k-old",
    });
    const reader = new AuditManager({ companyId: "benova", store: h.store, sealIntervalMs: 0, ttlDays });
    const fresh = await reader.logAction({
      userId: "ttl-user",
      actionType: "booking",
      actionName: "fresh",
      tags: ["t"],
      conversationId: "c",
    });
    expect((await reader.getUserActions("ttl-user")).map((e) => e.actionName)).toEqual(["fresh", "old"]);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await reader.getEntry(old.auditId)).toBeNull();
    for (const q of [
      { userId: "ttl-user" },
      { tag: "t" },
      { conversationId: "c" },
      { actionType: "booking" },
      { status: "pending" as const },
      {},
    ]) {
      expect((await reader.query(q)).entries.map((e) => e.auditId)).toEqual([fresh.auditId]);
    }
    expect(await reader.findByIdempotencyKey("k-old")).toBeNull();
    await expect(reader.markSuccess(old.auditId, {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    if (h.redis) {
      expect(await h.redis.exists(`${h.prefix}:{benova}:e:${old.auditId}`)).toBe(0);
      // Entries, indexes and idempotency keys all carry an expiry: nothing outlives its retention.
      const keys = (await h.redis.keys(`${h.prefix}:*`)).filter((k) => /:(e|i|k):/.test(k));
      expect(keys.length).toBeGreaterThan(5);
      for (const key of keys) expect(await h.redis.pttl(key), key).toBeGreaterThan(0);
    }
  });

  it("does nothing and stores nothing when disabled", async () => {
    const off = new AuditManager({ companyId: "benova", store: h.store, enabled: false });
    const e = await off.logAction({ userId: "u", actionType: "booking", actionName: "x" });
    expect(e.auditId).toHaveLength(26);
    await off.markSuccess(e.auditId, {});
    expect(await off.getEntry(e.auditId)).toBeNull();
    expect((await audit.query({})).entries).toHaveLength(0);
  });
});
