import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSagaError } from "../../src/saga/errors.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { type BookingData, LocalCalendarService } from "../../src/services/calendar/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { makeSagaHarness, type SagaHarness } from "../support/saga-stores.js";

const HOURS = { days: [0, 1, 2, 3, 4, 5, 6], open: "09:00", close: "20:00", slotMinutes: 30 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a saga step whose call outlives its deadline and does not stop", () => {
  let h: SagaHarness;
  let calendar: LocalCalendarService;
  beforeEach(async () => {
    h = await makeSagaHarness("redis");
    calendar = new LocalCalendarService({
      path: ":memory:",
      companyId: "benova",
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
    // The real booking, answered late: the handler cannot be aborted once the request is out.
    const createBooking = calendar.createBooking.bind(calendar);
    calendar.createBooking = async (data: BookingData, opts: { eventId: string }) => {
      const made = await createBooking(data, opts);
      await sleep(600);
      return made;
    };
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("pauses the saga without failing or undoing the step, and recovery finishes it from the call's real outcome", async () => {
    const executor = new ToolExecutor({
      companyId: "benova",
      auditManager: h.audit,
      timeoutMs: 50,
      graceMs: 100,
      leaseMs: 300,
    }).setCalendarService(calendar);
    const sagas = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      toolExecutor: executor,
      leaseMs: 200,
      owner: "worker-1",
    });
    const { sagaId } = await sagas.createSaga({ userId: "u1", sagaName: "booking", conversationId: "c1" });
    sagas.addToolStep(sagaId, {
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: { customer_name: "Ana", service: "Botox", date: "2031-03-04", time: "12:00" },
      },
    });
    const err = await sagas.executeSaga(sagaId).catch((e: unknown) => e);
    expect(isSagaError(err, "OUTCOME_UNKNOWN")).toBe(true);
    const paused = await sagas.getSaga(sagaId);
    expect(paused?.status).toBe("running");
    expect(paused?.steps[0]?.status).toBe("pending");
    const [entry] = (await h.audit.query({ sagaId })).entries;
    expect(entry?.status).toBe("pending");

    await sleep(800); // the call settles (recorded by its executor) and the saga lease lapses
    expect((await h.audit.getEntry(entry?.auditId as string))?.status).toBe("success");
    const recoverer = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.reopen(),
      toolExecutor: executor,
      owner: "recoverer",
    });
    const report = await recoverer.recoverSagas();
    expect(report.recovered).toEqual([{ sagaId, sagaName: "booking", from: "running", to: "completed" }]);
    expect(report.orphans.closed).toEqual([]);
    expect((await calendar.listBookings("2031-03-04")).bookings).toHaveLength(1);
    expect((await h.audit.query({ sagaId })).entries.map((e) => e.status)).toEqual(["success"]);
  });
});
