import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSagaError } from "../../src/saga/errors.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { nextMonday } from "../support/graph-agents.js";
import { testRedis } from "../support/redis.js";
import { makeSagaHarness, SAGA_STORE_KINDS, type SagaHarness } from "../support/saga-stores.js";

const FAST = { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20, jitter: 0.5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(SAGA_STORE_KINDS)("sagas driven from outside the orchestrator, on %s", (kind) => {
  let h: SagaHarness;
  let calendar: LocalCalendarService;
  let tickets: LocalTicketService;
  let executor: ToolExecutor;
  let sagas: CompensationOrchestrator;
  const date = nextMonday();
  const bookParams = (time: string) => ({
    action: "create_booking",
    booking_data: { customer_name: "Eva", service: "Botox", date, time },
  });

  beforeEach(async () => {
    h = await makeSagaHarness(kind);
    calendar = new LocalCalendarService({
      companyId: "benova",
      path: ":memory:",
      timeZone: "Europe/Madrid",
      openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
    });
    tickets = new LocalTicketService({ companyId: "benova", path: ":memory:" });
    executor = new ToolExecutor({ companyId: "benova", auditManager: h.audit, retry: { maxRetries: 0 } });
    executor.setCalendarService(calendar).setTicketService(tickets);
    sagas = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      toolExecutor: executor,
      retry: FAST,
    });
  });
  afterEach(async () => {
    await calendar?.close();
    await tickets?.close();
    await h.cleanup();
  });

  /** Opens a two-step saga (book, then a ticket) keyed like the graph's steps. */
  const open = (orchestrator: CompensationOrchestrator, time: string, ticketSubject = "Revisión") =>
    orchestrator.openDrivenSaga({
      userId: "u1",
      sagaName: "complete_booking_flow",
      conversationId: "7",
      steps: [
        {
          key: `benova:7:${time}:book`,
          toolName: "google_calendar",
          actionType: "booking",
          parameters: bookParams(time),
        },
        {
          key: `benova:7:${time}:ticket`,
          toolName: "create_ticket",
          actionType: "ticket",
          parameters: { conversation_id: 7, subject: ticketSubject, description: "seguimiento" },
        },
      ],
    });
  const run = async (orchestrator: CompensationOrchestrator, sagaId: string, key: string) => {
    const saga = await orchestrator.getSaga(sagaId);
    const step = saga?.steps.find((s) => s.idempotencyKey === key);
    await orchestrator.beginStep(sagaId, key);
    const res = await executor.executeTool({
      toolName: step?.toolName as string,
      parameters: step?.parameters as Record<string, unknown>,
      userId: "u1",
      conversationId: "7",
      sagaId,
      idempotencyKey: key,
    });
    await orchestrator.completeStep(sagaId, key, res);
    return res;
  };

  it("records each step before and after, and completes", async () => {
    const sagaId = await open(sagas, "10:00");
    expect((await sagas.getSaga(sagaId))?.status).toBe("created");
    const book = await run(sagas, sagaId, "benova:7:10:00:book");
    const mid = await sagas.getSaga(sagaId);
    expect(mid?.status).toBe("running");
    expect(mid?.owner).toBe(sagas.owner);
    expect(mid?.steps.map((s) => s.status)).toEqual(["succeeded", "planned"]);
    expect(mid?.steps[0]?.compensation).toMatchObject({ kind: "tool_audit", auditId: book.auditId });
    await run(sagas, sagaId, "benova:7:10:00:ticket");
    // A repeated step (a node that runs again) acts no second time and changes nothing.
    const again = await run(sagas, sagaId, "benova:7:10:00:book");
    expect(again.replayed).toBe(true);
    const done = await sagas.finishSaga(sagaId);
    expect(done).toMatchObject({ success: true, status: "completed", actionsExecuted: 2 });
    const saga = await sagas.getSaga(sagaId);
    expect(saga?.owner).toBeNull();
    expect((await calendar.listBookings(date)).bookings).toHaveLength(1);
  });

  it("rolls back newest first when a step fails, and refuses to complete with open steps", async () => {
    const sagaId = await open(sagas, "11:00", "x"); // "x" is too short a subject: the ticket fails
    const book = await run(sagas, sagaId, "benova:7:11:00:book");
    const ticket = await run(sagas, sagaId, "benova:7:11:00:ticket");
    expect(ticket.success).toBe(false);
    await expect(sagas.finishSaga(sagaId)).rejects.toThrow(/cannot complete: create_ticket is failed/);
    const result = await sagas.rollbackSaga(sagaId, "ticket failed");
    expect(result).toMatchObject({ success: false, status: "compensated", actionsCompensated: 1 });
    expect((await calendar.listBookings(date)).bookings.filter((b) => b.status === "confirmed")).toHaveLength(
      0,
    );
    expect((await h.audit.getEntry(book.auditId as string))?.status).toBe("compensated");
    const err = await sagas.beginStep(sagaId, "benova:7:11:00:book").catch((e: unknown) => e);
    expect(isSagaError(err, "ILLEGAL_STATE")).toBe(true);
  });

  it("names a step key the saga does not have", async () => {
    const sagaId = await open(sagas, "12:00");
    await expect(sagas.beginStep(sagaId, "benova:7:nope")).rejects.toThrow(
      /no step with key "benova:7:nope"/,
    );
    await expect(sagas.openDrivenSaga({ userId: "u1", sagaName: "s", steps: [] })).rejects.toThrow(
      /steps: expected at least one step/,
    );
    // Invalid steps are refused before anything is stored.
    const before = (await sagas.listSagas()).length;
    const twice = { key: "benova:7:dup", toolName: "google_calendar", actionType: "booking", parameters: {} };
    await expect(
      sagas.openDrivenSaga({ userId: "u1", sagaName: "s", steps: [twice, twice] }),
    ).rejects.toThrow(/steps\[1\]\.key: expected a unique, non-empty idempotency key/);
    expect(await sagas.listSagas()).toHaveLength(before);
  });

  it("leaves a saga that recoverSagas() undoes when its driver stops renewing the lease", async () => {
    // The driver's own connection to the store, as another process would have.
    const driverRedis = kind === "redis" ? testRedis() : null;
    const driverStore = driverRedis
      ? new RedisSagaStore({ redis: driverRedis, prefix: h.prefix })
      : h.reopen();
    const driver = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: driverStore,
      toolExecutor: executor,
      retry: FAST,
      leaseMs: 150,
      owner: "driver",
    });
    const sagaId = await open(driver, "13:00");
    await run(driver, sagaId, "benova:7:13:00:book");
    // The driver's process is gone: its store connection closes and nobody renews the lease.
    if (driverRedis) driverRedis.disconnect();
    else await driverStore.close();
    expect((await sagas.getSaga(sagaId))?.owner).toBe("driver");
    await sleep(400);
    const report = await sagas.recoverSagas();
    expect(report.recovered).toEqual([
      expect.objectContaining({ sagaId, from: "running", to: "compensated" }),
    ]);
    expect((await calendar.listBookings(date)).bookings.filter((b) => b.status === "confirmed")).toHaveLength(
      0,
    );
  });
});
