/**
 * One working example per tool, on embedded defaults (no keys, no services).
 * Run: npx tsx examples/tools.ts   (writes under a temporary DATA_DIR)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { App } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { ToolExecutor } from "../src/tools/tool-executor.js";

const who = { userId: "34600111222", agentName: "schedule", conversationId: "42" };

/** Example 1: search the knowledge base, then book an appointment (audited, compensable). */
export async function example1Booking(executor: ToolExecutor, date: string) {
  const info = await executor.executeTool({
    toolName: "knowledge_base",
    parameters: { query: "precio blanqueamiento", top_k: 2 },
    ...who,
  });
  const free = await executor.executeTool({
    toolName: "google_calendar",
    parameters: { action: "check_availability", date },
    ...who,
  });
  const booking = await executor.executeTool({
    toolName: "google_calendar",
    parameters: {
      action: "create_booking",
      booking_data: {
        customer_name: "Lucía Pérez",
        customer_email: "lucia@example.com",
        treatment: "Blanqueamiento dental", // older alias: service
        date,
        time: "10:00",
        duration_minutes: 60,
      },
    },
    idempotencyKey: "benova:42:book", // a retry with this key never books twice
    ...who,
  });
  return { info, free, booking };
}

/**
 * Example 2: send the confirmation email from a template, and a WhatsApp message through Chatwoot.
 * The template needs customer_name, appointment_date, appointment_time and treatment (older alias:
 * service_name); clinic_name and clinic_phone come from the tenant's settings unless given.
 */
export async function example2Notify(executor: ToolExecutor, date: string) {
  const email = await executor.executeTool({
    toolName: "send_email",
    parameters: {
      to_email: "lucia@example.com",
      template_name: "appointment_confirmation",
      template_vars: {
        customer_name: "Lucía Pérez",
        appointment_date: date,
        appointment_time: "10:00",
        treatment: "Blanqueamiento dental",
      },
    },
    idempotencyKey: "benova:42:confirmation-email",
    ...who,
  });
  const whatsapp = await executor.executeTool({
    toolName: "send_whatsapp",
    parameters: { conversation_id: 42, message: `Tu cita queda confirmada el ${date} a las 10:00.` },
    ...who,
  });
  return { email, whatsapp };
}

/** Example 3: open a support ticket, then undo the booking (deletes the event, emails the cancellation). */
export async function example3TicketAndUndo(executor: ToolExecutor, bookingAuditId: string) {
  const ticket = await executor.executeTool({
    toolName: "create_ticket",
    parameters: {
      conversation_id: 42,
      subject: "Sensibilidad tras blanqueamiento",
      description: "La paciente refiere sensibilidad dental.",
      priority: "high",
    },
    ...who,
    agentName: "support",
  });
  const undo = await executor.compensate(bookingAuditId, "customer cancelled");
  const again = await executor.compensate(bookingAuditId, "customer cancelled"); // a no-op
  return { ticket, undo, again };
}

/** Example 4: the multimedia tools answer a clear "not configured" error until OPENAI_API_KEY is set. */
export async function example4Multimedia(executor: ToolExecutor) {
  return Promise.all([
    executor.executeTool({
      toolName: "transcribe_audio",
      parameters: { audio_url: "https://example.com/nota.ogg" },
      ...who,
    }),
    executor.executeTool({
      toolName: "analyze_image",
      parameters: { image_url: "https://example.com/foto.jpg", prompt: "¿Qué se ve?" },
      ...who,
    }),
    executor.executeTool({ toolName: "text_to_speech", parameters: { text: "Hola", voice: "nova" }, ...who }),
  ]);
}

/** The next Monday at least a week ahead (the default tenant opens Monday to Friday). */
export function nextMonday(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const app = await App.create(
    loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "agent-ledger-examples-")), LOG_LEVEL: "warn" }),
  );
  const { executor } = await app.tenant();
  const date = nextMonday();
  const one = await example1Booking(executor, date);
  console.log("1.", one.booking.success ? `booked ${JSON.stringify(one.booking.data)}` : one.booking.error);
  const two = await example2Notify(executor, date);
  console.log("2.", two.email.data, two.whatsapp.data);
  const three = await example3TicketAndUndo(executor, one.booking.auditId as string);
  console.log("3.", three.ticket.data, three.undo.success, three.again);
  console.log(
    "4.",
    (await example4Multimedia(executor)).map((r) => r.error),
  );
  await app.close();
}
