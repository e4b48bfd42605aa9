import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type BookingRequest,
  completeBookingFlow,
  completeBookingFlowDurable,
} from "../../examples/booking-flow.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { GoogleCalendarService } from "../../src/services/calendar/index.js";
import { EmailService } from "../../src/services/email/index.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { GoogleCalendarStandIn } from "../support/google-calendar-stand-in.js";
import { type SagaMailbox, startSagaMailbox } from "../support/saga-mailbox.js";
import { makeSagaHarness, type SagaHarness } from "../support/saga-stores.js";

/** The booking flow of examples/booking-flow.ts, run as written against the calendar and SMTP stand-ins. */
describe("the complete booking flow example", () => {
  const calendarStandIn = new GoogleCalendarStandIn();
  let calendarUrl: string;
  let mailbox: SagaMailbox;
  let h: SagaHarness;
  let tickets: LocalTicketService;
  let email: EmailService;
  let executor: ToolExecutor;
  let orchestrator: CompensationOrchestrator;
  let n = 0;

  const request = (over: Partial<BookingRequest> = {}): BookingRequest => {
    n++;
    return {
      userId: `34600111${n}`,
      conversationId: 40 + n,
      customerName: "Ana García",
      customerEmail: `ana${n}@example.com`,
      treatment: "Limpieza facial",
      date: "2031-03-12",
      time: `${String(8 + n).padStart(2, "0")}:30`,
      ...over,
    };
  };
  const confirmed = () => calendarStandIn.events().filter((e) => e.status === "confirmed");
  const mailsTo = (to: string) => mailbox.messages.filter((m) => m.to.includes(to));

  beforeAll(async () => {
    calendarUrl = await calendarStandIn.start();
    mailbox = await startSagaMailbox();
  });
  afterAll(async () => {
    await calendarStandIn.close();
    await mailbox.close();
  });
  beforeEach(async () => {
    h = await makeSagaHarness("redis");
    tickets = new LocalTicketService({ companyId: "benova", path: ":memory:" });
    executor = new ToolExecutor({
      companyId: "benova",
      auditManager: h.audit,
      retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 },
      tenant: { clinicName: "Clínica Benova", locale: "es" },
    });
    email = new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      smtpHost: "127.0.0.1",
      smtpPort: mailbox.port,
      useTls: false,
      providers: ["smtp"],
      maxRetries: 0,
    });
    executor
      .setCalendarService(
        new GoogleCalendarService({
          calendarId: "primary",
          rootUrl: calendarUrl,
          auth: { accessToken: "test-token" },
          timeZone: "Europe/Madrid",
          openingHours: { days: [0, 1, 2, 3, 4, 5, 6], open: "08:00", close: "20:00", slotMinutes: 30 },
        }),
      )
      .setEmailService(email)
      .setTicketService(tickets);
    orchestrator = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      toolExecutor: executor,
      retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 },
    });
  });
  afterEach(async () => {
    tickets.close();
    await email.close();
    await h.cleanup();
  });

  it("books, confirms by email and opens a ticket", async () => {
    const r = request();
    const result = await completeBookingFlow(orchestrator, executor, r);
    expect(result).toMatchObject({
      success: true,
      status: "completed",
      actionsExecuted: 3,
      actionsCompensated: 0,
    });
    expect(confirmed()).toHaveLength(1);
    expect(mailsTo(r.customerEmail)).toHaveLength(1);
    const ticketStep = (await orchestrator.getSaga(result.sagaId))?.steps[2];
    const ticketId =
      (ticketStep?.result as { data?: { ticket_id?: string } } | undefined)?.data?.ticket_id ?? "";
    expect((await tickets.getTicket(ticketId))?.status).toBe("open");
    calendarStandIn.reset();
  });

  it("rolls back when the last step fails: the booking is deleted, the sent email is listed as not undoable", async () => {
    const r = request({ ticketPriority: "someday" });
    const result = await completeBookingFlow(orchestrator, executor, r);
    expect(result).toMatchObject({
      success: false,
      status: "compensated",
      actionsExecuted: 2,
      actionsCompensated: 1,
      actionsSkipped: ["send_confirmation"],
      failedAction: "create_followup_ticket",
    });
    expect(result.error).toContain("priority");
    expect(confirmed()).toEqual([]);
    expect(calendarStandIn.events().map((e) => e.status)).toEqual(["cancelled"]);
    expect(mailsTo(r.customerEmail)).toHaveLength(1);
    const entries = (await h.audit.query({ sagaId: result.sagaId, limit: 100 })).entries;
    expect(entries.find((e) => e.actionName === "create_booking")?.status).toBe("compensated");
    expect(entries.find((e) => e.actionName === "compensate:create_booking")?.status).toBe("success");
    calendarStandIn.reset();
  });

  it("runs a durable { toolName, parameters(result) } undo of a function step through the executor", async () => {
    const { sagaId } = await orchestrator.createSaga({
      userId: "u9",
      sagaName: "hold_and_notify",
      conversationId: "9",
    });
    orchestrator.addAction(sagaId, {
      actionType: "booking",
      actionName: "create_booking",
      executor: ({ idempotencyKey }) =>
        executor.executeTool({
          toolName: "google_calendar",
          parameters: {
            action: "create_booking",
            booking_data: { customer_name: "Luis", treatment: "Peeling", date: "2031-03-13", time: "12:00" },
          },
          userId: "u9",
          idempotencyKey: `${idempotencyKey}:call`,
        }),
      compensation: {
        toolName: "google_calendar",
        parameters: (result) => ({
          action: "delete_booking",
          event_id: (result as { data: { event_id: string } }).data.event_id,
        }),
      },
    });
    orchestrator.addAction(sagaId, {
      actionType: "notification",
      actionName: "notify",
      maxRetries: 0,
      executor: () => ({ success: false, error: "no channel", errorCode: "SERVICE_NOT_CONFIGURED" }),
    });
    const result = await orchestrator.executeSaga(sagaId);
    expect(result).toMatchObject({ status: "compensated", actionsCompensated: 1 });
    const step = (await orchestrator.getSaga(sagaId))?.steps[0];
    const eventId = calendarStandIn.events()[0]?.id;
    expect(step?.compensation).toEqual({
      kind: "tool",
      toolName: "google_calendar",
      parameters: { action: "delete_booking", event_id: eventId },
    });
    expect(confirmed()).toEqual([]);
    const entries = (await h.audit.query({ sagaId, limit: 100 })).entries;
    const undo = entries.find((e) => e.actionName === "google_calendar.delete_booking");
    expect(undo).toMatchObject({ status: "success", idempotencyKey: `${sagaId}:0:undo` });
    expect(entries.find((e) => e.actionName === "create_booking")).toMatchObject({
      status: "compensated",
      compensationAuditId: undo?.auditId,
    });
    calendarStandIn.reset();
  });

  it("in the durable form undoes through the tool registry and tells the patient the visit is cancelled", async () => {
    const r = request({ ticketPriority: "someday" });
    const result = await completeBookingFlowDurable(orchestrator, r);
    expect(result).toMatchObject({ success: false, status: "compensated", actionsCompensated: 1 });
    const saga = await orchestrator.getSaga(result.sagaId);
    expect(saga?.steps.map((s) => s.status)).toEqual(["compensated", "skipped", "failed"]);
    const booking = saga?.steps[0];
    expect(booking?.compensation).toMatchObject({
      kind: "tool_audit",
      toolName: "google_calendar",
      parameters: { action: "delete_booking", event_id: calendarStandIn.events()[0]?.id },
    });
    expect(confirmed()).toEqual([]);
    expect((await h.audit.getEntry(booking?.auditId ?? ""))?.status).toBe("compensated");
    // The confirmation, then the cancellation the booking's compensation sends.
    expect(mailsTo(r.customerEmail)).toHaveLength(2);
    calendarStandIn.reset();
  });
});
