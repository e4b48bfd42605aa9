/**
 * The complete booking flow as a saga: book the appointment, send the confirmation email, open a
 * follow-up ticket. If a later step fails, the earlier ones are undone newest first.
 *
 * Two forms of the same flow:
 * - `completeBookingFlow`: the classic form, with executor and compensator functions. Simple, but the
 *   compensators live only in this process: if it dies mid-saga, recovery can only report them.
 * - `completeBookingFlowDurable`: tool steps. Each step's undo is taken from the tool registry and
 *   stored before the next step runs, so any process can finish the rollback after a crash.
 *
 * Run it on the embedded defaults (local calendar, outbox email, local tickets, SQLite stores):
 *   npx tsx examples/booking-flow.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AuditManager } from "../src/audit/audit-manager.js";
import { SqliteAuditStore } from "../src/audit/sqlite/sqlite-audit-store.js";
import { CompensationOrchestrator } from "../src/saga/orchestrator.js";
import { SqliteSagaStore } from "../src/saga/sqlite/sqlite-saga-store.js";
import type { SagaExecutionResult } from "../src/saga/types.js";
import { LocalCalendarService } from "../src/services/calendar/index.js";
import { EmailService } from "../src/services/email/index.js";
import { LocalTicketService } from "../src/services/tickets/index.js";
import type { ToolExecutor } from "../src/tools/tool-executor.js";
import type { ToolResult } from "../src/tools/types.js";

export interface BookingRequest {
  userId: string;
  conversationId: number;
  customerName: string;
  customerEmail: string;
  treatment: string;
  /** YYYY-MM-DD and HH:MM in the clinic's time zone. */
  date: string;
  time: string;
  /** Ticket priority; anything but low/medium/high/urgent is refused, which rolls the saga back. */
  ticketPriority?: string;
}

const emailParams = (r: BookingRequest) => ({
  to_email: r.customerEmail,
  template_name: "appointment_confirmation",
  template_vars: {
    customer_name: r.customerName,
    appointment_date: r.date,
    appointment_time: r.time,
    treatment: r.treatment,
    clinic_name: "Clínica Benova",
  },
});

const ticketParams = (r: BookingRequest) => ({
  conversation_id: r.conversationId,
  subject: "Seguimiento de la cita",
  description: `Llamar a ${r.customerName} después de su ${r.treatment} del ${r.date}`,
  priority: r.ticketPriority ?? "low",
});

/** The classic form: executor and compensator functions around ToolExecutor calls. */
export async function completeBookingFlow(
  orchestrator: CompensationOrchestrator,
  toolExecutor: ToolExecutor,
  r: BookingRequest,
): Promise<SagaExecutionResult> {
  const conversationId = String(r.conversationId);
  const who = { userId: r.userId, conversationId };
  const { sagaId } = await orchestrator.createSaga({ ...who, sagaName: "complete_booking_flow" });

  // 1. Book the appointment; undo: delete it.
  orchestrator.addAction(sagaId, {
    actionType: "booking",
    actionName: "create_booking",
    executor: ({ idempotencyKey }) =>
      toolExecutor.executeTool({
        ...who,
        agentName: "schedule",
        toolName: "google_calendar",
        parameters: {
          action: "create_booking",
          booking_data: {
            customer_name: r.customerName,
            customer_email: r.customerEmail,
            treatment: r.treatment,
            date: r.date,
            time: r.time,
          },
        },
        // The same key on every attempt: a retry finds the event instead of booking twice.
        idempotencyKey: `${idempotencyKey}:call`,
      }),
    compensator: (result) =>
      toolExecutor.executeTool({
        ...who,
        agentName: "rollback",
        toolName: "google_calendar",
        parameters: {
          action: "delete_booking",
          event_id: (result as ToolResult<{ event_id: string }>).data?.event_id,
        },
      }),
  });

  // 2. Confirm by email (an email cannot be unsent: no compensator).
  orchestrator.addAction(sagaId, {
    actionType: "notification",
    actionName: "send_confirmation",
    executor: ({ idempotencyKey }) =>
      toolExecutor.executeTool({
        ...who,
        agentName: "schedule",
        toolName: "send_email",
        parameters: emailParams(r),
        idempotencyKey: `${idempotencyKey}:call`,
      }),
  });

  // 3. Open the follow-up ticket; undo: close it.
  orchestrator.addAction(sagaId, {
    actionType: "ticket",
    actionName: "create_followup_ticket",
    maxRetries: 0,
    executor: ({ idempotencyKey }) =>
      // `<string>`: the priority is sent as the request gives it, unchecked; the tool refuses a bad one.
      toolExecutor.executeTool<string>({
        ...who,
        agentName: "support",
        toolName: "create_ticket",
        parameters: ticketParams(r),
        idempotencyKey: `${idempotencyKey}:call`,
      }),
    compensator: (result) =>
      toolExecutor.executeTool({
        ...who,
        agentName: "rollback",
        toolName: "close_ticket",
        parameters: {
          ticket_id: (result as ToolResult<{ ticket_id: string }>).data?.ticket_id ?? "",
          reason: "booking rolled back",
        },
      }),
  });

  const result = await orchestrator.executeSaga(sagaId);
  if (!result.success) {
    console.log(
      `Saga ${sagaId} failed at ${result.failedAction}: ${result.error}. ` +
        `Compensated ${result.actionsCompensated} of ${result.actionsExecuted} actions.`,
    );
  }
  return result;
}

/** The durable form: tool steps whose undo the registry supplies and the saga store keeps. */
export async function completeBookingFlowDurable(
  orchestrator: CompensationOrchestrator,
  r: BookingRequest,
): Promise<SagaExecutionResult> {
  const { sagaId } = await orchestrator.createSaga({
    userId: r.userId,
    sagaName: "complete_booking_flow",
    conversationId: String(r.conversationId),
  });
  orchestrator.addToolStep(sagaId, {
    toolName: "google_calendar",
    agentName: "schedule",
    parameters: {
      action: "create_booking",
      booking_data: {
        customer_name: r.customerName,
        customer_email: r.customerEmail,
        treatment: r.treatment,
        date: r.date,
        time: r.time,
      },
    },
  });
  orchestrator.addToolStep(sagaId, {
    toolName: "send_email",
    agentName: "schedule",
    parameters: emailParams(r),
  });
  orchestrator.addToolStep(sagaId, {
    toolName: "create_ticket",
    agentName: "support",
    parameters: ticketParams(r),
  });
  return orchestrator.executeSaga(sagaId);
}

async function main(): Promise<void> {
  const { ToolExecutor } = await import("../src/tools/tool-executor.js");
  const dir = mkdtempSync(join(tmpdir(), "booking-flow-"));
  const opening = { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 };
  const audit = new AuditManager({
    companyId: "benova",
    store: new SqliteAuditStore({ path: join(dir, "audit.db") }),
  });
  const toolExecutor = new ToolExecutor({ companyId: "benova", auditManager: audit });
  toolExecutor
    .setCalendarService(
      new LocalCalendarService({
        companyId: "benova",
        path: join(dir, "calendar.db"),
        timeZone: "Europe/Madrid",
        openingHours: opening,
      }),
    )
    .setEmailService(
      new EmailService({ companyId: "benova", providers: ["outbox"], outboxDir: join(dir, "outbox") }),
    )
    .setTicketService(new LocalTicketService({ companyId: "benova", path: join(dir, "tickets.db") }));
  const orchestrator = new CompensationOrchestrator({
    companyId: "benova",
    auditManager: audit,
    store: new SqliteSagaStore({ path: join(dir, "sagas.db") }),
    toolExecutor,
  });
  const request: BookingRequest = {
    userId: "34600111222",
    conversationId: 42,
    customerName: "Ana García",
    customerEmail: "ana@example.com",
    treatment: "Limpieza facial",
    date: "2030-03-12",
    time: "10:30",
  };
  try {
    console.log("booked:", await completeBookingFlow(orchestrator, toolExecutor, request));
    const failing = { ...request, time: "11:30", ticketPriority: "someday" };
    console.log("rolled back:", await completeBookingFlowDurable(orchestrator, failing));
  } finally {
    await audit.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
