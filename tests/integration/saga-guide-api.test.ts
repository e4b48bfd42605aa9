import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { makeSagaHarness, SAGA_STORE_KINDS, type SagaHarness } from "../support/saga-stores.js";

const FAST = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, jitter: 0 };
const HOURS = { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 };

describe.each(SAGA_STORE_KINDS)("the guide's saga form on %s", (kind) => {
  let h: SagaHarness;
  let calendar: LocalCalendarService;
  let executor: ToolExecutor;
  let orchestrator: CompensationOrchestrator;

  beforeEach(async () => {
    h = await makeSagaHarness(kind);
    calendar = new LocalCalendarService({
      companyId: "benova",
      path: ":memory:",
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
    executor = new ToolExecutor({ companyId: "benova", auditManager: h.audit }).setCalendarService(calendar);
    orchestrator = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      retry: FAST,
    });
  });
  afterEach(async () => {
    calendar.close?.();
    await h.cleanup();
  });

  const bookingData = {
    date: "2031-01-20",
    time: "10:00",
    service: "Botox",
    customer_name: "María González",
    customer_email: "maria@example.com",
  };
  const createBooking = () =>
    executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "create_booking", booking_data: bookingData },
      userId: "user_maria",
    });

  it("returns a saga object from createSaga and accepts it or its id everywhere", async () => {
    const saga = await orchestrator.createSaga({
      userId: "user_maria",
      sagaName: "complete_booking_flow",
      conversationId: "conv_789",
    });
    expect(saga).toMatchObject({
      sagaId: expect.any(String),
      sagaName: "complete_booking_flow",
      userId: "user_maria",
      conversationId: "conv_789",
      status: "created",
    });
    orchestrator.addAction(saga.sagaId, {
      actionType: "api_call",
      actionName: "first",
      executor: () => ({ success: true }),
    });
    orchestrator.addAction(saga, { actionType: "api_call", actionName: "second", executor: () => 2 });
    expect((await orchestrator.getSaga(saga))?.steps.map((s) => s.actionName)).toEqual(["first", "second"]);
    const result = await orchestrator.executeSaga(saga.sagaId);
    expect(result).toMatchObject({ success: true, sagaId: saga.sagaId, actionsExecuted: 2 });
    expect((await orchestrator.getSaga(saga.sagaId))?.status).toBe("completed");
    expect(() =>
      orchestrator.addAction({} as { sagaId: string }, {
        actionType: "api_call",
        actionName: "x",
        executor: () => 1,
      }),
    ).toThrow(/saga: expected the saga createSaga returned or its sagaId/);
  });

  it("takes compensator: null as a step that cannot be undone, and refuses anything else", async () => {
    const saga = await orchestrator.createSaga({ userId: "user_maria", sagaName: "notify" });
    expect(() =>
      orchestrator.addAction(saga.sagaId, {
        actionType: "notification",
        actionName: "send_confirmation_email",
        executor: () => ({ success: true }),
        compensator: "nope" as unknown as null,
      }),
    ).toThrow(/compensator: expected a function .* or null/);
    orchestrator.addAction(saga.sagaId, {
      actionType: "notification",
      actionName: "send_confirmation_email",
      executor: () => ({ success: true }),
      compensator: null,
    });
    orchestrator.addAction(saga.sagaId, {
      actionType: "api_call",
      actionName: "fails",
      executor: () => ({ success: false, error: "boom" }),
      maxRetries: 0,
    });
    const result = await orchestrator.executeSaga(saga.sagaId);
    expect(result).toMatchObject({ success: false, actionsExecuted: 1, actionsCompensated: 0 });
    expect((await orchestrator.getSaga(saga))?.steps[0]?.status).toBe("skipped");
  });

  it("links tool calls made inside a step to the saga, and marks them compensated when the step is undone", async () => {
    const saga = await orchestrator.createSaga({ userId: "user_maria", sagaName: "complete_booking_flow" });
    orchestrator.addAction(saga.sagaId, {
      actionType: "booking",
      actionName: "create_calendar_event",
      executor: createBooking,
      compensator: (result) =>
        executor.executeTool({
          toolName: "google_calendar",
          parameters: {
            action: "delete_booking",
            event_id: (result as { data: { event_id: string } }).data.event_id,
          },
          userId: "user_maria",
        }),
    });
    orchestrator.addAction(saga.sagaId, {
      actionType: "notification",
      actionName: "send_email_confirmation",
      executor: () => ({ success: false, error: "mailbox unavailable" }),
      maxRetries: 0,
    });
    const result = await orchestrator.executeSaga(saga.sagaId);
    expect(result).toMatchObject({
      success: false,
      actionsCompensated: 1,
      failedAction: "send_email_confirmation",
    });
    expect((await calendar.listBookings("2031-01-20")).bookings).toEqual([]);

    const entries = (await h.audit.query({ sagaId: saga.sagaId, limit: 100 })).entries;
    const step = entries.find((e) => e.actionName === "create_calendar_event");
    const booking = entries.find((e) => e.actionName === "google_calendar.create_booking");
    const undo = entries.find((e) => e.actionName === "compensate:create_calendar_event");
    const deletion = entries.find((e) => e.actionName === "google_calendar.delete_booking");
    expect(step?.status).toBe("compensated");
    expect(booking).toMatchObject({
      status: "compensated",
      linkedAuditId: step?.auditId,
      sagaId: saga.sagaId,
    });
    expect(booking?.compensationAuditId).toBe(undo?.auditId);
    expect(booking?.tags).toContain("saga-step:0");
    expect(deletion).toMatchObject({ status: "success", sagaId: saga.sagaId, linkedAuditId: undo?.auditId });
    expect(deletion?.tags).toContain("saga-undo:0");
  });

  it("leaves calls made outside any saga unlinked", async () => {
    const res = await createBooking();
    const entry = await h.audit.getEntry(res.auditId as string);
    expect(entry).toMatchObject({ sagaId: null, linkedAuditId: null, status: "success" });
  });
});
