import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SagaError } from "../../src/saga/errors.js";
import type { SagaRecord, SagaStatus } from "../../src/saga/types.js";
import { newId } from "../../src/util/ids.js";
import { makeSagaHarness, SAGA_STORE_KINDS, type SagaHarness } from "../support/saga-stores.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function record(companyId = "benova", status: SagaStatus = "created"): SagaRecord {
  const now = new Date().toISOString();
  return {
    sagaId: newId(),
    companyId,
    sagaName: "complete_booking_flow",
    userId: "user-1",
    conversationId: "conv-1",
    status,
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

describe.each(SAGA_STORE_KINDS)("saga store contract on %s", (kind) => {
  let h: SagaHarness;
  beforeEach(async () => {
    h = await makeSagaHarness(kind);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("stores a new saga unowned and refuses a second one with the same id", async () => {
    const r = record();
    await h.store.create(r);
    const got = await h.store.get("benova", r.sagaId);
    expect(got).toMatchObject({ record: r, owner: null, leaseUntil: null });
    await expect(h.store.create(r)).rejects.toBeInstanceOf(SagaError);
    expect(await h.store.get("benova", newId())).toBeNull();
  });

  it("lets exactly one of two processes claim a saga, and the other only after the lease expires", async () => {
    const r = record();
    await h.store.create(r);
    const other = h.reopen();
    const [a, b] = await Promise.all([
      h.store.claim("benova", r.sagaId, { owner: "A", leaseMs: 150, statuses: ["created"] }),
      other.claim("benova", r.sagaId, { owner: "B", leaseMs: 150, statuses: ["created"] }),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    const winner = a.ok ? "A" : "B";
    expect(loser).toMatchObject({ ok: false, reason: "leased", owner: winner });
    expect(await h.store.expired("benova", 10)).toEqual([]);

    await sleep(200);
    expect(await h.store.expired("benova", 10)).toEqual([r.sagaId]);
    const late = await other.claim("benova", r.sagaId, { owner: "C", leaseMs: 5_000, statuses: ["created"] });
    expect(late.ok).toBe(true);
    // The first holder's writes are refused from now on, and change nothing.
    const stale = { ...r, status: "running" as const };
    expect(await h.store.save(stale, { owner: winner })).toEqual({ ok: false, owner: "C" });
    expect(await h.store.renew("benova", r.sagaId, winner, 5_000)).toBe(false);
    expect((await h.store.get("benova", r.sagaId))?.record.status).toBe("created");
  });

  it("claims only in the given statuses and reports a missing saga", async () => {
    const r = record();
    await h.store.create(r);
    expect(
      await h.store.claim("benova", r.sagaId, { owner: "A", leaseMs: 1000, statuses: ["running"] }),
    ).toEqual({
      ok: false,
      reason: "status",
      status: "created",
    });
    expect(
      await h.store.claim("benova", newId(), { owner: "A", leaseMs: 1000, statuses: ["created"] }),
    ).toEqual({
      ok: false,
      reason: "not_found",
    });
  });

  it("saves only for the holder, keeps the lease alive on renew and gives it up on release", async () => {
    const r = record();
    await h.store.create(r);
    const claim = await h.store.claim("benova", r.sagaId, {
      owner: "A",
      leaseMs: 120,
      statuses: ["created"],
    });
    expect(claim.ok).toBe(true);
    expect(await h.store.save({ ...r, status: "running" }, { owner: "B" })).toEqual({
      ok: false,
      owner: "A",
    });
    expect(await h.store.save({ ...r, status: "running" }, { owner: null })).toEqual({
      ok: false,
      owner: "A",
    });
    expect((await h.store.save({ ...r, status: "running" }, { owner: "A" })).ok).toBe(true);
    for (let i = 0; i < 4; i++) {
      await sleep(50);
      expect(await h.store.renew("benova", r.sagaId, "A", 120)).toBe(true);
    }
    expect(await h.store.expired("benova", 10)).toEqual([]);
    const done = { ...r, status: "completed" as const };
    expect((await h.store.save(done, { owner: "A", release: true })).ok).toBe(true);
    const got = await h.store.get("benova", r.sagaId);
    expect(got).toMatchObject({ owner: null, leaseUntil: null, record: { status: "completed" } });
    await sleep(150);
    expect(await h.store.expired("benova", 10)).toEqual([]);
  });

  it("lists newest first, by status, page by page", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = record();
      await h.store.create(r);
      ids.push(r.sagaId);
    }
    const all = await h.store.list("benova", { limit: 10, before: null });
    expect(all.map((s) => s.record.sagaId)).toEqual([...ids].reverse());
    const page1 = await h.store.list("benova", { limit: 2, before: null });
    const page2 = await h.store.list("benova", { limit: 2, before: page1.at(-1)?.record.sagaId ?? null });
    expect([...page1, ...page2].map((s) => s.record.sagaId)).toEqual([ids[4], ids[3], ids[2], ids[1]]);

    const target = ids[1] as string;
    const stored = await h.store.get("benova", target);
    await h.store.claim("benova", target, { owner: "A", leaseMs: 1000, statuses: ["created"] });
    await h.store.save(
      { ...(stored?.record as SagaRecord), status: "compensated" },
      { owner: "A", release: true },
    );
    expect(
      (await h.store.list("benova", { status: "compensated", limit: 10, before: null })).map(
        (s) => s.record.sagaId,
      ),
    ).toEqual([target]);
    expect(await h.store.list("benova", { status: "created", limit: 10, before: null })).toHaveLength(4);
  });

  it("keeps tenants apart", async () => {
    const mine = record("benova");
    const theirs = record("other-clinic");
    await h.store.create(mine);
    await h.store.create(theirs);
    expect(await h.store.get("benova", theirs.sagaId)).toBeNull();
    expect((await h.store.list("benova", { limit: 10, before: null })).map((s) => s.record.sagaId)).toEqual([
      mine.sagaId,
    ]);
    expect(
      await h.store.claim("benova", theirs.sagaId, { owner: "A", leaseMs: 10, statuses: ["created"] }),
    ).toEqual({
      ok: false,
      reason: "not_found",
    });
  });
});
