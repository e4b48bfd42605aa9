import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { EmailService } from "../../src/services/email/index.js";
import { KnowledgeBase } from "../../src/services/knowledge/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

/**
 * Section 1 of the user guide ("ToolExecutor", Examples 1 to 4), run with the guide's own data:
 * its parameter names, booking_data fields and template variables, unchanged. The calendar's clock
 * is set before the guide's date (2025-01-20), which has otherwise passed.
 */
describe("the user guide's ToolExecutor examples, as written", () => {
  const smtp = new SmtpStandIn();
  let redis: Redis;
  let prefix: string;
  let calendar: LocalCalendarService;
  let email: EmailService;
  let executor: ToolExecutor;
  let bookingAuditId = "";

  beforeAll(async () => {
    await smtp.start();
    redis = testRedis();
    prefix = uniquePrefix("guide");
    const auditManager = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis, prefix }),
      sealIntervalMs: 0,
    });
    calendar = new LocalCalendarService({
      path: ":memory:",
      companyId: "benova",
      timeZone: "Europe/Madrid",
      openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
      now: () => new Date("2025-01-10T09:00:00Z"),
    });
    email = new EmailService({
      companyId: "benova",
      fromEmail: "noreply@benova.example",
      fromName: "Benova Clinic",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      useTls: false,
      maxRetries: 0,
    });
    executor = new ToolExecutor({
      companyId: "benova",
      auditManager,
      tenant: { clinicName: "Benova Clinic", clinicPhone: "+1 234 567 8900", locale: "es" },
    })
      .setVectorstoreService(await KnowledgeBase.load())
      .setCalendarService(calendar)
      .setEmailService(email);
  });
  afterAll(async () => {
    await email.close();
    await calendar.close?.();
    await smtp.close();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it("Example 1: RAG search with top_k 5 reports total_found 5", async () => {
    const result = await executor.executeTool({
      toolName: "knowledge_base",
      parameters: { query: "¿Qué tratamientos ofrecen para arrugas?", top_k: 5 },
      userId: "user_maria",
      agentName: "sales_agent",
    });
    expect(result).toMatchObject({ success: true, tool: "knowledge_base" });
    const data = result.data as {
      query: string;
      results: unknown[];
      total_found: number;
      total_matches: number;
    };
    expect(data.query).toBe("¿Qué tratamientos ofrecen para arrugas?");
    expect(data.results).toHaveLength(5);
    expect(data.total_found).toBe(5);
    expect(data.total_matches).toBeGreaterThanOrEqual(5);
  });

  it("Example 2: books with {date, time, treatment, customer_name, customer_email}", async () => {
    const result = await executor.executeTool({
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: {
          date: "2025-01-20",
          time: "10:00",
          treatment: "Botox",
          customer_name: "María González",
          customer_email: "maria@example.com",
        },
      },
      userId: "user_maria",
      agentName: "schedule_agent",
      conversationId: "conv_789",
    });
    expect(result.error).toBeNull();
    expect(result).toMatchObject({
      success: true,
      data: { date: "2025-01-20", time: "10:00", treatment: "Botox", summary: "Botox – María González" },
    });
    bookingAuditId = result.auditId as string;
    const [listed] = (await calendar.listBookings("2025-01-20")).bookings;
    expect(listed).toMatchObject({ treatment: "Botox", customer_email: "maria@example.com" });
  });

  it("Example 3: sends a raw email", async () => {
    const before = smtp.messages.length;
    const result = await executor.executeTool({
      toolName: "send_email",
      parameters: {
        to_email: "customer@example.com",
        subject: "Confirmación de Cita - Benova Clinic",
        body_html: "<h1>Su cita ha sido confirmada</h1>...",
        body_text: "Su cita ha sido confirmada...",
      },
      userId: "user_maria",
      agentName: "schedule_agent",
    });
    expect(result).toMatchObject({
      success: true,
      data: { accepted: ["customer@example.com"], refused: [] },
    });
    expect(smtp.messages.slice(before).map((m) => m.parsed.subject)).toEqual([
      "Confirmación de Cita - Benova Clinic",
    ]);
  });

  it("Example 4: sends appointment_confirmation from the guide's variables; the clinic comes from the settings", async () => {
    const before = smtp.messages.length;
    const result = await executor.executeTool({
      toolName: "send_email",
      parameters: {
        to_email: "customer@example.com",
        template_name: "appointment_confirmation",
        template_vars: {
          customer_name: "María González",
          appointment_date: "20 de Enero, 2025",
          appointment_time: "10:00 AM",
          treatment: "Aplicación de Botox",
        },
      },
      userId: "user_maria",
    });
    expect(result.error).toBeNull();
    expect(result.success).toBe(true);
    const [mail] = smtp.messages.slice(before);
    expect(mail?.parsed.subject).toBe("Confirmación de su cita – Benova Clinic");
    expect(mail?.parsed.text).toContain("Tratamiento: Aplicación de Botox");
    expect(mail?.parsed.text).toContain("Fecha: 20 de Enero, 2025");
    expect(mail?.parsed.text).toContain("Hora: 10:00 AM");
  });

  it("undoing the booking tells the customer, naming the treatment and the clinic's phone", async () => {
    const before = smtp.messages.length;
    const undo = await executor.compensate(bookingAuditId, "User cancelled appointment");
    expect(undo.success).toBe(true);
    expect((await calendar.listBookings("2025-01-20")).bookings).toHaveLength(0);
    const sent = smtp.messages.slice(before);
    expect(sent.map((m) => m.envelope.rcptTo)).toEqual([["maria@example.com"]]);
    expect(sent[0]?.parsed.subject).toBe("Cancelación de su cita – Benova Clinic");
    expect(sent[0]?.parsed.text).toContain("Tratamiento: Botox");
    expect(sent[0]?.parsed.text).toContain("+1 234 567 8900");
  });

  it("still takes the older names service and service_name, and refuses treatment and service that differ", async () => {
    const legacy = await executor.executeTool({
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: { date: "2025-01-21", time: "11:00", service: "Peeling", customer_name: "Ana" },
      },
      userId: "user_ana",
    });
    expect(legacy).toMatchObject({ success: true, data: { treatment: "Peeling" } });
    const both = await executor.executeTool({
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: {
          date: "2025-01-21",
          time: "12:00",
          treatment: "Botox",
          service: "Peeling",
          customer_name: "Ana",
        },
      },
      userId: "user_ana",
    });
    expect(both).toMatchObject({ success: false, errorCode: "INVALID_PARAMETERS" });
    expect(both.error).toContain("booking_data.treatment and booking_data.service");
    expect((await calendar.listBookings("2025-01-21")).bookings).toHaveLength(1);
    const oldVars = await executor.executeTool({
      toolName: "send_email",
      parameters: {
        to_email: "ana@example.com",
        template_name: "appointment_reminder",
        template_vars: {
          customer_name: "Ana",
          appointment_date: "21/01/2025",
          appointment_time: "11:00",
          service_name: "Peeling",
        },
      },
      userId: "user_ana",
    });
    expect(oldVars.success).toBe(true);
    expect(smtp.messages.at(-1)?.parsed.text).toContain("Tratamiento: Peeling");
  });
});
