/**
 * The user guide (the project's contract), sections 1 to 4, 7 and 9, walked top to bottom with its own
 * data, translated to TypeScript idiom (camelCase options, async). Its 2025 dates are moved to 2031 so
 * they lie in the future; its SMTP/SendGrid hosts are local stand-ins speaking the real protocols.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuditManager,
  type AuditStore,
  CompensationOrchestrator,
  EmailService,
  KnowledgeBase,
  type KnowledgeSearchResponse,
  LocalCalendarService,
  RedisAuditStore,
  RedisSagaStore,
  type SagaStore,
  SqliteAuditStore,
  SqliteSagaStore,
  ToolExecutor,
  type ToolResult,
} from "../../src/index.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { SendGridStandIn } from "../support/sendgrid-stand-in.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

const HOURS = { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 };
/** The guide's "2025-01-20" (a Monday), moved to a Monday in the future. */
const GUIDE_DATE = "2031-01-20";
const SENDGRID_KEY = "SG.guide-walkthrough-key";

describe.each(["sqlite", "redis"] as const)("the user guide, walked on the %s stores", (kind) => {
  const smtp = new SmtpStandIn();
  const sendgrid = new SendGridStandIn({ apiKey: SENDGRID_KEY });
  let dir: string;
  let redis: Redis | null = null;
  let prefix: string;
  let auditStore: AuditStore;
  let sagaStore: SagaStore;
  let calendar: LocalCalendarService;
  let vectorstore: KnowledgeBase;
  let smtpConfig: ConstructorParameters<typeof EmailService>[0];
  let sendgridUrl: string;
  const closers: (() => unknown)[] = [];

  // Section 1, "Basic Usage": the audit manager, the executor and its injected services.
  let auditManager: AuditManager;
  let toolExecutor: ToolExecutor;
  let emailService: EmailService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "agent-ledger-guide-"));
    prefix = uniquePrefix("guide");
    if (kind === "redis") {
      redis = testRedis();
      auditStore = new RedisAuditStore({ redis, prefix });
      sagaStore = new RedisSagaStore({ redis, prefix });
    } else {
      auditStore = new SqliteAuditStore({ path: join(dir, "audit.db") });
      sagaStore = new SqliteSagaStore({ path: join(dir, "sagas.db") });
    }
    await smtp.start();
    sendgridUrl = await sendgrid.start();
    calendar = new LocalCalendarService({
      companyId: "benova",
      path: join(dir, "calendar.db"),
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
    vectorstore = await KnowledgeBase.load();
    smtpConfig = {
      companyId: "benova",
      fromEmail: "noreply@benova.com",
      fromName: "Benova Clinic",
      smtpHost: smtp.host, // the guide's smtp.gmail.com
      smtpPort: smtp.port, // the guide's 587
      smtpUsername: "your_email@gmail.com",
      smtpPassword: "your_app_password",
      useTls: false, // the local server speaks plain SMTP
      maxRetries: 3,
      retryDelay: 0.01,
    };
    auditManager = new AuditManager({ companyId: "benova", store: auditStore, sealIntervalMs: 0 });
    toolExecutor = new ToolExecutor({ companyId: "benova", auditManager });
    emailService = new EmailService(smtpConfig);
    toolExecutor.setVectorstoreService(vectorstore);
    toolExecutor.setCalendarService(calendar);
    toolExecutor.setEmailService(emailService);
    closers.push(
      () => emailService.close(),
      () => auditManager.close(),
      () => calendar.close?.(),
    );
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await smtp.close();
    await sendgrid.close();
    if (redis) {
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    } else {
      (auditStore as SqliteAuditStore).close();
      (sagaStore as SqliteSagaStore).close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const messagesTo = (address: string) => smtp.messages.filter((m) => m.envelope.rcptTo.includes(address));

  describe("1. ToolExecutor", () => {
    it("Basic Usage: searches the knowledge base, audited", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "knowledge_base",
        parameters: { query: "¿Cuánto cuesta el botox?", top_k: 3 },
        userId: "user_123",
        agentName: "sales_agent",
        conversationId: "conv_456",
      });
      expect(result.success).toBe(true);
      expect(result.tool).toBe("knowledge_base");
      expect(result.error).toBeNull();
      expect(result.auditId).toMatch(/^[0-9A-Z]{26}$/);
      const data = result.data as { results: { content: string }[]; total_found: number };
      expect(data.results).toHaveLength(3);
      expect(data.total_found).toBe(3);
      expect(data.results.map((r) => r.content).join(" ")).toMatch(/bótox|botox/i);
      const entry = await auditManager.getEntry(result.auditId as string);
      expect(entry).toMatchObject({ status: "success", actionType: "rag_search", agentName: "sales_agent" });
    });

    it("Available Tools: the guide's seven tools, with the calendar compensable", () => {
      const tools = toolExecutor.getAvailableTools();
      const names = tools.map((t) => t.name);
      for (const name of [
        "knowledge_base",
        "google_calendar",
        "send_email",
        "send_whatsapp",
        "transcribe_audio",
        "analyze_image",
        "text_to_speech",
      ]) {
        expect(names).toContain(name);
      }
      expect(toolExecutor.getToolInfo("google_calendar")?.compensable).toBe(true);
      expect(toolExecutor.getToolInfo("send_email")?.compensable).toBe(false);
    });

    it("Example 1: RAG search returns top_k results and total_found as in the guide", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "knowledge_base",
        parameters: { query: "¿Qué tratamientos ofrecen para arrugas?", top_k: 5 },
        userId: "user_maria",
        agentName: "sales_agent",
      });
      expect(result.success).toBe(true);
      const data = result.data as KnowledgeSearchResponse;
      expect(data.query).toBe("¿Qué tratamientos ofrecen para arrugas?");
      expect(data.results).toHaveLength(5);
      expect(data.total_found).toBe(5);
      expect(typeof data.results[0]?.metadata).toBe("object");
    });

    it("Example 2: creates a compensable calendar booking from the guide's booking_data", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "google_calendar",
        parameters: {
          action: "create_booking",
          booking_data: {
            date: GUIDE_DATE,
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
      expect(result.success).toBe(true);
      const eventId = (result.data as { event_id: string }).event_id;
      const booking = await calendar.getBooking(eventId);
      expect(booking?.summary).toContain("Botox");
      expect(booking).toMatchObject({ date: GUIDE_DATE, time: "10:00" });
      const entry = await auditManager.getEntry(result.auditId as string);
      expect(entry).toMatchObject({ status: "success", compensable: true, actionType: "booking" });
      // "If booking needs to be cancelled, it can be rolled back"
      const undo = await toolExecutor.compensate(result.auditId as string, "User cancelled appointment");
      expect(undo.success).toBe(true);
      expect(await calendar.getBooking(eventId)).toBeNull();
      expect((await auditManager.getEntry(result.auditId as string))?.status).toBe("compensated");
    });

    it("Example 3: sends a raw email", async () => {
      const result = await toolExecutor.executeTool({
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
      expect(result.error).toBeNull();
      expect(result.success).toBe(true);
      const [message] = messagesTo("customer@example.com").filter(
        (m) => m.parsed.subject === "Confirmación de Cita - Benova Clinic",
      );
      expect(message?.parsed.text).toContain("Su cita ha sido confirmada");
    });

    it("Example 4: sends the appointment_confirmation template with the guide's variables", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "send_email",
        parameters: {
          to_email: "customer@example.com",
          template_name: "appointment_confirmation",
          template_vars: {
            customer_name: "María González",
            appointment_date: "20 de Enero, 2031",
            appointment_time: "10:00 AM",
            treatment: "Aplicación de Botox",
          },
        },
        userId: "user_maria",
      });
      expect(result.error).toBeNull();
      expect(result.success).toBe(true);
      const sent = messagesTo("customer@example.com").at(-1);
      const body = `${sent?.parsed.subject} ${sent?.parsed.text}`;
      for (const value of ["María González", "20 de Enero, 2031", "10:00 AM", "Aplicación de Botox"]) {
        expect(body).toContain(value);
      }
    });
  });

  describe("2. AuditManager", () => {
    it("Basic Usage, Compensation and Querying, with the guide's values", async () => {
      const entry = await auditManager.logAction({
        userId: "user_123",
        actionType: "booking",
        actionName: "google_calendar.create_event",
        inputParams: { date: GUIDE_DATE, time: "10:00" },
        compensable: true,
        compensationAction: "google_calendar.delete_event",
        compensationParams: { event_id: "to_be_filled" },
        agentName: "schedule_agent",
        conversationId: "conv_456",
        tags: ["booking", "calendar"],
      });
      const auditId = entry.auditId;
      expect(entry.status).toBe("pending");
      await auditManager.markSuccess(auditId, { event_id: "evt_abc123", status: "confirmed" }, 250.5);

      const failing = await auditManager.logAction({
        userId: "user_123",
        actionType: "booking",
        actionName: "google_calendar.create_event",
        inputParams: { date: GUIDE_DATE, time: "11:00" },
      });
      await auditManager.markFailed(failing.auditId, "Calendar API timeout", 5000);

      const result = await auditManager.compensate(auditId, "User cancelled appointment");
      expect(result).toBeTruthy();
      expect(result.changed).toBe(true);

      const fetched = await auditManager.getEntry(auditId);
      expect(fetched?.status).toBe("compensated");
      expect(fetched?.durationMs).toBe(250.5);
      expect(fetched?.compensable).toBe(true);
      expect((await auditManager.getEntry(failing.auditId))?.errorMessage).toBe("Calendar API timeout");

      const userActions = await auditManager.getUserActions("user_123", 50);
      expect(userActions.map((e) => e.auditId)).toEqual(expect.arrayContaining([auditId, failing.auditId]));
      const bookingActions = await auditManager.getActionsByType("booking", 100);
      expect(bookingActions.every((e) => e.actionType === "booking")).toBe(true);
      expect(bookingActions.map((e) => e.auditId)).toContain(auditId);
    });
  });

  describe("3. EmailService", () => {
    it("Configuration: SMTP, SendGrid and Mailgun configs construct", async () => {
      const sendgridConfig = {
        companyId: "benova",
        fromEmail: "noreply@benova.com",
        fromName: "Benova Clinic",
        sendgridApiKey: "SG.your_api_key_here",
      };
      const mailgunConfig = {
        companyId: "benova",
        fromEmail: "noreply@benova.com",
        fromName: "Benova Clinic",
        mailgunApiKey: "key-your_key_here",
        mailgunDomain: "mg.benova.com",
      };
      for (const config of [sendgridConfig, mailgunConfig]) {
        const service = new EmailService(config);
        await service.close();
      }
    });

    it("Basic Email Sending with cc and reply-to", async () => {
      const service = new EmailService(smtpConfig);
      try {
        const result = await service.sendEmail({
          toEmail: "customer@example.com",
          subject: "Confirmación de Cita",
          bodyHtml: "<h1>Su cita ha sido confirmada</h1><p>Fecha: 20/01/2031</p>",
          bodyText: "Su cita ha sido confirmada. Fecha: 20/01/2031",
          cc: ["admin@benova.com"],
          replyTo: "info@benova.com",
        });
        expect(result.error).toBeNull();
        expect(result.success).toBe(true);
        expect(result.provider).toBe("smtp");
        const sent = smtp.messages.find((m) => m.parsed.subject === "Confirmación de Cita");
        expect(sent?.envelope.rcptTo.sort()).toEqual(["admin@benova.com", "customer@example.com"]);
        expect(sent?.parsed.replyTo?.text).toContain("info@benova.com");
        expect(sent?.parsed.from?.text).toContain("Benova Clinic");
      } finally {
        await service.close();
      }
    });

    it("Template-Based Emails: confirmation and reminder with the guide's variables", async () => {
      const service = new EmailService(smtpConfig);
      try {
        const vars = {
          customer_name: "María González",
          appointment_date: "20 de Enero, 2031",
          appointment_time: "10:00 AM",
          treatment: "Aplicación de Botox",
          clinic_name: "Benova Clinic",
          clinic_phone: "+1 234 567 8900",
        };
        const result = await service.sendTemplateEmail({
          toEmail: "template@example.com",
          templateName: "appointment_confirmation",
          templateVars: vars,
        });
        expect(result.error).toBeNull();
        expect(result.success).toBe(true);
        const sent = messagesTo("template@example.com").at(-1);
        const body = `${sent?.parsed.subject} ${sent?.parsed.text}`;
        for (const value of Object.values(vars)) expect(body).toContain(value);

        // appointment_reminder needs exactly the four required variables.
        const { clinic_name: _n, clinic_phone: _p, ...required } = vars;
        const reminder = await service.sendTemplateEmail({
          toEmail: "reminder@example.com",
          templateName: "appointment_reminder",
          templateVars: required,
        });
        expect(reminder.error).toBeNull();
        expect(reminder.success).toBe(true);
        expect(messagesTo("reminder@example.com").at(-1)?.parsed.text).toContain("Aplicación de Botox");

        const missing = await service.sendTemplateEmail({
          toEmail: "reminder@example.com",
          templateName: "appointment_reminder",
          templateVars: { customer_name: "María González" },
        });
        expect(missing.success).toBe(false);
        expect(missing.error).toMatch(/appointment_date.*appointment_time.*treatment/s);
      } finally {
        await service.close();
      }
    });
  });

  describe("4. CompensationOrchestrator", () => {
    let orchestrator: CompensationOrchestrator;
    beforeAll(() => {
      orchestrator = new CompensationOrchestrator({
        companyId: "benova",
        auditManager,
        store: sagaStore,
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
      });
    });

    it("Basic Usage, Adding Actions, Execute Saga: booking then confirmation email", async () => {
      const saga = await orchestrator.createSaga({
        userId: "user_maria",
        sagaName: "complete_booking_flow",
        conversationId: "conv_789",
      });
      orchestrator.addAction(saga.sagaId, {
        actionType: "booking",
        actionName: "create_calendar_event",
        executor: () =>
          toolExecutor.executeTool({
            toolName: "google_calendar",
            parameters: {
              action: "create_booking",
              booking_data: {
                date: GUIDE_DATE,
                time: "12:00",
                treatment: "Botox",
                customer_name: "María González",
                customer_email: "maria@example.com",
              },
            },
            userId: "user_maria",
          }),
        compensator: (result) =>
          toolExecutor.executeTool({
            toolName: "google_calendar",
            parameters: {
              action: "delete_booking",
              event_id: (result as ToolResult<{ event_id: string }>).data?.event_id,
            },
            userId: "user_maria",
          }),
      });
      orchestrator.addAction(saga.sagaId, {
        actionType: "notification",
        actionName: "send_confirmation_email",
        executor: () =>
          toolExecutor.executeTool({
            toolName: "send_email",
            parameters: {
              to_email: "customer@example.com",
              template_name: "appointment_confirmation",
              template_vars: {
                customer_name: "María González",
                appointment_date: GUIDE_DATE,
                appointment_time: "12:00",
                treatment: "Botox",
              },
            },
            userId: "user_maria",
          }),
        compensator: null, // Cannot undo sending email
      });
      const result = await orchestrator.executeSaga(saga.sagaId);
      expect(result.error ?? null).toBeNull();
      expect(result.success).toBe(true);
      expect(result.actionsExecuted).toBe(2);
      const bookings = (await calendar.listBookings(GUIDE_DATE)).bookings;
      expect(bookings.filter((b) => b.time === "12:00")).toHaveLength(1);
      expect((await orchestrator.getSaga(saga.sagaId))?.status).toBe("completed");
    });

    it("Complete Example: createBookingSaga rolls the booking back when the confirmation fails", async () => {
      async function createBookingSaga(
        userId: string,
        bookingData: { customer_name: string; date: string; time: string; treatment: string },
        customerEmail: string,
      ) {
        const saga = await orchestrator.createSaga({ userId, sagaName: "complete_booking" });
        orchestrator.addAction(saga.sagaId, {
          actionType: "booking",
          actionName: "create_calendar_event",
          executor: () =>
            toolExecutor.executeTool({
              toolName: "google_calendar",
              parameters: { action: "create_booking", booking_data: bookingData },
              userId,
            }),
          compensator: (result) =>
            toolExecutor.executeTool({
              toolName: "google_calendar",
              parameters: {
                action: "delete_booking",
                event_id: (result as ToolResult<{ event_id: string }>).data?.event_id,
              },
              userId,
            }),
        });
        orchestrator.addAction(saga.sagaId, {
          actionType: "notification",
          actionName: "send_email_confirmation",
          executor: () =>
            toolExecutor.executeTool({
              toolName: "send_email",
              parameters: {
                to_email: customerEmail,
                template_name: "appointment_confirmation",
                template_vars: {
                  customer_name: bookingData.customer_name,
                  appointment_date: bookingData.date,
                  appointment_time: bookingData.time,
                  treatment: bookingData.treatment,
                },
              },
              userId,
            }),
        });
        return orchestrator.executeSaga(saga.sagaId);
      }

      const bookingData = {
        date: GUIDE_DATE,
        time: "10:00",
        treatment: "Botox",
        customer_name: "María González",
      };
      const ok = await createBookingSaga("user_maria", bookingData, "maria@example.com");
      expect(ok.error ?? null).toBeNull();
      expect(ok).toMatchObject({ success: true, actionsExecuted: 2 });

      // The same saga whose confirmation email is refused for good: the booking is rolled back.
      smtp.failNext(10, { stage: "RCPT", responseCode: 550, message: "mailbox unavailable" });
      const failed = await createBookingSaga(
        "user_maria",
        { ...bookingData, time: "16:00" },
        "nobody@example.com",
      );
      smtp.reset();
      expect(failed.success).toBe(false);
      expect(failed.actionsCompensated).toBe(1);
      expect(failed.error).toBeTruthy();
      const left = (await calendar.listBookings(GUIDE_DATE)).bookings.filter((b) => b.time === "16:00");
      expect(left).toEqual([]);
      const trail = (await auditManager.query({ sagaId: failed.sagaId, limit: 100 })).entries;
      const booking = trail.find((e) => e.actionName === "google_calendar.create_booking");
      expect(booking?.status).toBe("compensated");
    });
  });

  describe("7. Best Practices", () => {
    it("audits with the user id, and the analytics example computes an average booking time", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "send_email",
        parameters: {
          to_email: "customer@example.com",
          subject: "Recordatorio",
          body_text: "Le recordamos su cita.",
        },
        userId: "user_123",
        agentName: "schedule_agent",
      });
      expect((await auditManager.getEntry(result.auditId as string))?.userId).toBe("user_123");

      const bookings = await auditManager.getActionsByType("booking");
      const successfulBookings = bookings.filter((b) => b.status === "success");
      expect(successfulBookings.length).toBeGreaterThan(0);
      const avgDuration =
        successfulBookings.reduce((sum, b) => sum + (b.durationMs ?? 0), 0) / successfulBookings.length;
      expect(Number.isFinite(avgDuration)).toBe(true);
      expect(avgDuration).toBeGreaterThan(0);
    });

    it("Troubleshooting: a call without a user id is still audited, as anonymous", async () => {
      const result = await toolExecutor.executeTool({
        toolName: "knowledge_base",
        parameters: { query: "horario" },
      });
      expect((await auditManager.getEntry(result.auditId as string))?.userId).toBe("anonymous");
    });
  });

  describe("9. Configuration Examples", () => {
    it("Production Configuration (Redis + SendGrid)", async () => {
      const productionAudit = new AuditManager({
        companyId: "benova",
        store: auditStore,
        ttlDays: 90,
        enabled: true,
      });
      const emailConfig = {
        companyId: "benova",
        fromEmail: "noreply@benova.com",
        fromName: "Benova Clinic",
        sendgridApiKey: SENDGRID_KEY,
        sendgridBaseUrl: sendgridUrl, // the local SendGrid v3 stand-in
        maxRetries: 3,
        retryDelay: 2.0,
      };
      const productionEmail = new EmailService(emailConfig);
      const productionExecutor = new ToolExecutor({ companyId: "benova", auditManager: productionAudit });
      productionExecutor.setEmailService(productionEmail);
      productionExecutor.setCalendarService(calendar);
      productionExecutor.setVectorstoreService(vectorstore);
      try {
        const result = await productionExecutor.executeTool({
          toolName: "send_email",
          parameters: {
            to_email: "customer@example.com",
            template_name: "appointment_reminder",
            template_vars: {
              customer_name: "María González",
              appointment_date: "20 de Enero, 2031",
              appointment_time: "10:00 AM",
              treatment: "Aplicación de Botox",
            },
          },
          userId: "user_maria",
        });
        expect(result.error).toBeNull();
        expect(result.success).toBe(true);
        expect(sendgrid.accepted.at(-1)).toBeTruthy();
        expect(JSON.stringify(sendgrid.requests.at(-1)?.body)).toContain("Aplicación de Botox");
        const entry = await productionAudit.getEntry(result.auditId as string);
        expect(JSON.stringify(entry)).not.toContain(SENDGRID_KEY);
      } finally {
        await productionEmail.close();
        await productionAudit.close();
      }
    });
  });
});
