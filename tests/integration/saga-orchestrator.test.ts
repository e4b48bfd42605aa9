import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSagaError } from "../../src/saga/errors.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { makeSagaHarness, SAGA_STORE_KINDS, type SagaHarness } from "../support/saga-stores.js";

const FAST = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, jitter: 0.5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const transient = (message: string) => Object.assign(new Error(message), { retriable: true });
const permanent = (message: string) => Object.assign(new Error(message), { retriable: false });

describe.each(SAGA_STORE_KINDS)("CompensationOrchestrator on %s", (kind) => {
  let h: SagaHarness;
  let sagas: CompensationOrchestrator;
  beforeEach(async () => {
    h = await makeSagaHarness(kind);
    sagas = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      retry: FAST,
    });
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const newSaga = async () =>
    (await sagas.createSaga({ userId: "user-1", sagaName: "booking_flow", conversationId: "conv-9" })).sagaId;

  it("runs steps in order, audits each with the saga id and ends completed", async () => {
    const order: string[] = [];
    const sagaId = await newSaga();
    for (const name of ["book", "notify", "ticket"]) {
      sagas.addAction(sagaId, {
        actionType: "api_call",
        actionName: name,
        executor: () => {
          order.push(name);
          return { success: true, data: { name } };
        },
        compensator: () => undefined,
      });
    }
    const result = await sagas.executeSaga(sagaId);
    expect(result).toEqual({
      success: true,
      sagaId,
      status: "completed",
      actionsExecuted: 3,
      actionsCompensated: 0,
    });
    expect(order).toEqual(["book", "notify", "ticket"]);
    const saga = await sagas.getSaga(sagaId);
    expect(saga?.status).toBe("completed");
    expect(saga?.owner).toBeNull();
    expect(saga?.steps.map((s) => [s.status, s.idempotencyKey])).toEqual([
      ["succeeded", `${sagaId}:0`],
      ["succeeded", `${sagaId}:1`],
      ["succeeded", `${sagaId}:2`],
    ]);
    const entries = (await h.audit.query({ sagaId })).entries;
    expect(entries.map((e) => [e.actionName, e.status]).reverse()).toEqual([
      ["book", "success"],
      ["notify", "success"],
      ["ticket", "success"],
    ]);
    expect(await sagas.listSagas({ status: "completed" })).toHaveLength(1);
  });

  it("rolls back newest first when a step fails, marks the originals compensated and lists steps with no undo", async () => {
    const undone: string[] = [];
    const sagaId = await newSaga();
    const step = (name: string, undo: boolean) =>
      sagas.addAction(sagaId, {
        actionType: "api_call",
        actionName: name,
        executor: () => ({ success: true, data: { id: `${name}-1` } }),
        ...(undo && {
          compensator: (result: unknown) => {
            undone.push(`${name}:${(result as { data: { id: string } }).data.id}`);
          },
        }),
      });
    step("book", true);
    step("log_note", false);
    step("notify", true);
    sagas.addAction(sagaId, {
      actionType: "ticket",
      actionName: "create_ticket",
      maxRetries: 0,
      executor: () => ({
        success: false,
        error: "helpdesk refused the ticket",
        errorCode: "INVALID_PARAMETERS",
      }),
    });
    const result = await sagas.executeSaga(sagaId);
    expect(result).toMatchObject({
      success: false,
      status: "compensated",
      actionsExecuted: 3,
      actionsCompensated: 2,
      actionsSkipped: ["log_note"],
      failedAction: "create_ticket",
      error: "helpdesk refused the ticket",
    });
    expect(undone).toEqual(["notify:notify-1", "book:book-1"]);
    const entries = (await h.audit.query({ sagaId, limit: 100 })).entries;
    const byName = (n: string) => entries.filter((e) => e.actionName === n);
    expect(byName("book")[0]?.status).toBe("compensated");
    expect(byName("notify")[0]?.status).toBe("compensated");
    expect(byName("log_note")[0]?.status).toBe("success");
    expect(byName("create_ticket")[0]).toMatchObject({
      status: "failed",
      errorMessage: "helpdesk refused the ticket",
    });
    const undo = byName("compensate:book")[0];
    expect(undo).toMatchObject({ status: "success", linkedAuditId: byName("book")[0]?.auditId });
    expect(byName("book")[0]?.compensationAuditId).toBe(undo?.auditId);
  });

  it("retries a failing step with backoff, auditing every attempt, and treats { success: false } as a failure", async () => {
    let calls = 0;
    const sagaId = await newSaga();
    sagas.addAction(sagaId, {
      actionType: "api_call",
      actionName: "flaky",
      maxRetries: 3,
      executor: () => {
        calls++;
        if (calls === 1) throw transient("503 from the calendar");
        if (calls === 2) return { success: false, error: "try later" };
        return { success: true };
      },
    });
    const result = await sagas.executeSaga(sagaId);
    expect(result.success).toBe(true);
    expect(calls).toBe(3);
    expect((await sagas.getSaga(sagaId))?.steps[0]?.attempts).toBe(3);
    const statuses = (await h.audit.query({ sagaId })).entries.map((e) => e.status).reverse();
    expect(statuses).toEqual(["failed", "failed", "success"]);
  });

  it("does not retry an error marked final, and stops a step at its deadline", async () => {
    let calls = 0;
    const sagaId = await newSaga();
    sagas.addAction(sagaId, {
      actionType: "api_call",
      actionName: "final",
      maxRetries: 3,
      executor: () => {
        calls++;
        throw permanent("invalid date");
      },
    });
    expect((await sagas.executeSaga(sagaId)).error).toBe("invalid date");
    expect(calls).toBe(1);

    const slow = await newSaga();
    sagas.addAction(slow, {
      actionType: "api_call",
      actionName: "hangs",
      maxRetries: 1,
      timeoutMs: 30,
      executor: () => new Promise(() => undefined),
    });
    const started = Date.now();
    const result = await sagas.executeSaga(slow);
    expect(result).toMatchObject({ success: false, failedAction: "hangs", error: "timed out after 30 ms" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await sagas.getSaga(slow))?.steps[0]?.attempts).toBe(2);
  });

  it("retries a compensation that fails transiently until it succeeds, and audits each try", async () => {
    let tries = 0;
    const sagaId = await newSaga();
    sagas.addAction(sagaId, {
      actionType: "booking",
      actionName: "book",
      executor: () => ({ success: true, data: { event_id: "ev1" } }),
      compensator: () => {
        tries++;
        if (tries < 3) throw transient("calendar 503");
      },
    });
    sagas.addAction(sagaId, {
      actionType: "notification",
      actionName: "email",
      maxRetries: 0,
      executor: () => {
        throw permanent("mailbox does not exist");
      },
    });
    const result = await sagas.executeSaga(sagaId);
    expect(result).toMatchObject({ success: false, status: "compensated", actionsCompensated: 1 });
    expect(tries).toBe(3);
    const step = (await sagas.getSaga(sagaId))?.steps[0];
    expect(step).toMatchObject({ status: "compensated", compensationAttempts: 3, compensationError: null });
    const undo = (await h.audit.query({ sagaId, limit: 100 })).entries.filter(
      (e) => e.actionName === "compensate:book",
    );
    expect(undo.map((e) => e.status).sort()).toEqual(["failed", "failed", "success"]);
  });

  it("ends compensation_failed, with the error, when an undo keeps failing; the audit trail shows it", async () => {
    const sagaId = await newSaga();
    sagas.addAction(sagaId, {
      actionType: "booking",
      actionName: "book",
      executor: () => ({ success: true }),
      compensator: () => {
        throw transient("calendar unreachable");
      },
    });
    sagas.addAction(sagaId, {
      actionType: "ticket",
      actionName: "refund",
      executor: () => ({ success: true }),
      compensator: () => undefined,
    });
    sagas.addAction(sagaId, {
      actionType: "notification",
      actionName: "email",
      maxRetries: 0,
      executor: () => {
        throw permanent("smtp 550");
      },
    });
    const result = await sagas.executeSaga(sagaId);
    expect(result).toMatchObject({
      success: false,
      status: "compensation_failed",
      actionsCompensated: 1,
      compensationErrors: [
        { stepIndex: 0, actionName: "book", error: "calendar unreachable", status: "compensation_failed" },
      ],
    });
    const saga = await sagas.getSaga(sagaId);
    expect(saga?.steps.map((s) => s.status)).toEqual(["compensation_failed", "compensated", "failed"]);
    expect(saga?.steps[0]?.compensationAttempts).toBe(FAST.maxRetries + 1);
    const entries = (await h.audit.query({ sagaId, limit: 100 })).entries;
    expect(entries.find((e) => e.actionName === "book")?.status).toBe("success");
    const tries = entries.filter((e) => e.actionName === "compensate:book");
    expect(tries).toHaveLength(FAST.maxRetries + 1);
    expect(tries.every((e) => e.status === "failed" && e.errorMessage === "calendar unreachable")).toBe(true);
    expect(await sagas.listSagas({ status: "compensation_failed" })).toHaveLength(1);
  });

  it("refuses to execute one saga twice at once, here or from another process, and to run it again", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sagaId = await newSaga();
    sagas.addAction(sagaId, { actionType: "api_call", actionName: "slow", executor: () => gate });
    const first = sagas.executeSaga(sagaId);
    await sleep(20);
    const second = await sagas.executeSaga(sagaId).catch((e: unknown) => e);
    expect(isSagaError(second, "SAGA_BUSY")).toBe(true);
    const elsewhere = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.reopen(),
      owner: "other-process",
    });
    const third = await elsewhere.executeSaga(sagaId).catch((e: unknown) => e);
    expect(isSagaError(third, "SAGA_BUSY")).toBe(true);
    expect((await elsewhere.recoverSagas()).recovered).toEqual([]);
    release();
    expect((await first).success).toBe(true);
    const again = await sagas.executeSaga(sagaId).catch((e: unknown) => e);
    expect(isSagaError(again, "ILLEGAL_STATE")).toBe(true);
    expect((again as Error).message).toContain("completed");
  });

  it("stores the durable undo, resolved from the result, before the next step starts", async () => {
    const ran: Record<string, unknown>[] = [];
    sagas.registerCompensation("release_slot", (params) => {
      ran.push(params);
    });
    const sagaId = await newSaga();
    sagas.addAction(sagaId, {
      actionType: "booking",
      actionName: "hold_slot",
      executor: () => ({ success: true, data: { slot_id: "slot-7", at: new Date(0) } }),
      compensation: {
        handler: "release_slot",
        parameters: (result) => ({ slot_id: (result as { data: { slot_id: string } }).data.slot_id }),
      },
    });
    let seenByNextStep: unknown = null;
    sagas.addAction(sagaId, {
      actionType: "notification",
      actionName: "email",
      maxRetries: 0,
      executor: async () => {
        seenByNextStep = (await sagas.getSaga(sagaId))?.steps[0]?.compensation;
        throw permanent("smtp down");
      },
    });
    const result = await sagas.executeSaga(sagaId);
    expect(seenByNextStep).toEqual({
      kind: "handler",
      name: "release_slot",
      parameters: { slot_id: "slot-7" },
    });
    expect(result).toMatchObject({ status: "compensated", actionsCompensated: 1 });
    expect(ran).toEqual([{ slot_id: "slot-7" }]);
    const original = (await h.audit.query({ sagaId })).entries.find((e) => e.actionName === "hold_slot");
    expect(original).toMatchObject({
      status: "compensated",
      compensationAction: "release_slot",
      compensationParams: { slot_id: "slot-7" },
    });
  });

  it("names the field that is wrong and refuses steps for unknown sagas", async () => {
    const sagaId = await newSaga();
    expect(() =>
      sagas.addAction(sagaId, { actionType: "Booking!", actionName: "x", executor: () => null }),
    ).toThrow(/actionType/);
    expect(() =>
      sagas.addAction(sagaId, {
        actionType: "booking",
        actionName: "x",
        executor: () => null,
        maxRetries: -1,
      }),
    ).toThrow(/maxRetries/);
    expect(() =>
      sagas.addAction(sagaId, {
        actionType: "booking",
        actionName: "x",
        executor: () => null,
        compensation: { toolName: "google_calendar" } as never,
      }),
    ).toThrow(/compensation/);
    expect(() =>
      sagas.addAction("nope", { actionType: "booking", actionName: "x", executor: () => null }),
    ).toThrow(/steps can only be added/);
    expect(() => sagas.addToolStep(sagaId, { toolName: "google_calendar", parameters: {} })).toThrow(
      /ToolExecutor/,
    );
    await expect(sagas.executeSaga("01J00000000000000000000000")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
