import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { abandonSaga } from "../support/saga-abandoned.js";
import { makeSagaHarness, SAGA_STORE_KINDS, type SagaHarness } from "../support/saga-stores.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAST = { maxRetries: 1, baseDelayMs: 2, maxDelayMs: 5, jitter: 0 };

describe.each(SAGA_STORE_KINDS)("recoverSagas on %s", (kind) => {
  let h: SagaHarness;
  let undone: Record<string, unknown>[];
  const recoverer = (store = h.store, owner = "recoverer") =>
    new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store,
      retry: FAST,
      owner,
    }).registerCompensation("release_slot", (params) => {
      undone.push(params);
    });

  beforeEach(async () => {
    h = await makeSagaHarness(kind);
    undone = [];
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("closes a saga created but never run once its creator is gone, and leaves a fresh one alone", async () => {
    const creator = recoverer(h.store, "creator");
    const { sagaId } = await creator.createSaga({ userId: "u1", sagaName: "booking", conversationId: "c1" });
    creator.addAction(sagaId, {
      actionType: "booking",
      actionName: "hold_slot",
      executor: async () => ({ ok: true }),
    });
    // The creator still plans to run it: its own recovery never takes it.
    expect((await creator.recoverSagas({ abandonCreatedAfterMs: 0 })).recovered).toEqual([]);
    // Another process within the grace period leaves it alone too.
    expect((await recoverer().recoverSagas()).recovered).toEqual([]);
    expect((await recoverer().getSaga(sagaId))?.status).toBe("created");
    // Past the grace period (the creator died before executeSaga) it is closed: nothing ran.
    const report = await recoverer().recoverSagas({ abandonCreatedAfterMs: 0 });
    expect(report.recovered).toEqual([{ sagaId, sagaName: "booking", from: "created", to: "compensated" }]);
    const saga = await recoverer().getSaga(sagaId);
    expect(saga).toMatchObject({ status: "compensated", steps: [] });
    expect(saga?.error).toMatch(/^never started/);
    expect((await h.audit.query({ sagaId })).entries).toHaveLength(0);
  });

  it("undoes with the durable compensations, newest first, and reports lambda-only undos as needs_attention", async () => {
    const { sagaId, auditIds } = await abandonSaga(h.store, h.audit, [
      {
        actionName: "hold_slot",
        status: "succeeded",
        audit: ["success"],
        compensation: { kind: "handler", name: "release_slot", parameters: { slot: "a" } },
      },
      {
        actionName: "charge_card",
        status: "succeeded",
        audit: ["success"],
        lambdaUndo: true,
        result: { charge: "ch_1" },
      },
      {
        actionName: "hold_room",
        status: "succeeded",
        audit: ["failed", "success"],
        compensation: { kind: "handler", name: "release_slot", parameters: { slot: "b" } },
      },
      { actionName: "send_email", status: "planned" },
    ]);
    await sleep(60);
    const report = await recoverer().recoverSagas();
    expect(report.recovered).toEqual([
      { sagaId, sagaName: "complete_booking_flow", from: "running", to: "compensation_failed" },
    ]);
    expect(undone).toEqual([{ slot: "b" }, { slot: "a" }]);
    const saga = await recoverer().getSaga(sagaId);
    expect(saga?.steps.map((s) => s.status)).toEqual([
      "compensated",
      "needs_attention",
      "compensated",
      "planned",
    ]);
    expect(saga?.compensationErrors).toEqual([
      expect.objectContaining({ stepIndex: 1, actionName: "charge_card", status: "needs_attention" }),
    ]);
    expect(saga?.steps[1]?.attention).toContain('{"charge":"ch_1"}');
    expect(saga?.owner).toBeNull();
    expect((await h.audit.getEntry(auditIds[0]?.[0] ?? ""))?.status).toBe("compensated");
    expect((await h.audit.getEntry(auditIds[1]?.[0] ?? ""))?.status).toBe("success");
  });

  it("decides what a step left pending did, and leaves no audit entry pending", async () => {
    const { sagaId, auditIds } = await abandonSaga(h.store, h.audit, [
      { actionName: "finished_unrecorded", status: "pending", audit: ["success"], result: { id: 1 } },
      {
        actionName: "maybe_done",
        status: "pending",
        audit: ["pending"],
        compensation: { kind: "handler", name: "release_slot", parameters: { slot: "static" } },
      },
    ]);
    const second = await abandonSaga(h.store, h.audit, [{ actionName: "never_started", status: "pending" }]);
    await sleep(60);
    const report = await recoverer().recoverSagas();
    expect(report.recovered.map((r) => r.to).sort()).toEqual(["compensated", "compensated"]);
    // Possibly done, with an undo known in advance: undone just in case.
    expect(undone).toEqual([{ slot: "static" }]);
    const saga = await recoverer().getSaga(sagaId);
    expect(saga?.steps.map((s) => s.status)).toEqual(["skipped", "compensated"]);
    const maybe = await h.audit.getEntry(auditIds[1]?.[0] ?? "");
    expect(maybe).toMatchObject({ status: "failed" });
    expect(maybe?.errorMessage).toContain("abandoned: process crashed");
    expect((await recoverer().getSaga(second.sagaId))?.steps[0]).toMatchObject({ status: "failed" });
    expect((await h.audit.query({ status: "pending" })).entries).toEqual([]);
  });

  it("completes a saga whose every step had succeeded when its process died", async () => {
    const { sagaId } = await abandonSaga(h.store, h.audit, [
      { actionName: "a", status: "succeeded", audit: ["success"], lambdaUndo: true },
      { actionName: "b", status: "succeeded", audit: ["success"], lambdaUndo: true },
    ]);
    await sleep(60);
    expect((await recoverer().recoverSagas()).recovered[0]?.to).toBe("completed");
    expect((await recoverer().getSaga(sagaId))?.status).toBe("completed");
  });

  it("recovers each saga once when several processes recover at the same time, and never a live one", async () => {
    const dead = [];
    for (let i = 0; i < 6; i++) {
      dead.push(
        await abandonSaga(h.store, h.audit, [
          {
            actionName: "hold_slot",
            status: "succeeded",
            audit: ["success"],
            compensation: { kind: "handler", name: "release_slot", parameters: { slot: `s${i}` } },
          },
          { actionName: "send_email", status: "planned" },
        ]),
      );
    }
    const live = await abandonSaga(
      h.store,
      h.audit,
      [{ actionName: "x", status: "succeeded", audit: ["success"] }],
      {
        leaseMs: 60_000,
      },
    );
    await sleep(60);
    const reports = await Promise.all([
      recoverer(h.store, "r1").recoverSagas(),
      recoverer(h.reopen(), "r2").recoverSagas(),
      recoverer(h.reopen(), "r3").recoverSagas(),
    ]);
    const recovered = reports.flatMap((r) => r.recovered.map((x) => x.sagaId)).sort();
    expect(recovered).toEqual(dead.map((d) => d.sagaId).sort());
    expect(undone.map((u) => u.slot).sort()).toEqual(["s0", "s1", "s2", "s3", "s4", "s5"]);
    expect((await recoverer().getSaga(live.sagaId))?.status).toBe("running");
  });
});
