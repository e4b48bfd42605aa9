import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { GoogleCalendarStandIn } from "../support/google-calendar-stand-in.js";
import { deleteByPrefix, testRedis } from "../support/redis.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

/** The next Monday at least a week ahead, open for both tenants. */
function nextMonday(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The UTC instant (ISO) at which a zone's wall clock shows `time` on `date`, found by search. */
function utcOf(date: string, time: string, timeZone: string): string {
  const fmt = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (let h = -14; h <= 14; h++) {
    const candidate = new Date(Date.parse(`${date}T${time}:00Z`) - h * 3_600_000);
    if (fmt.format(candidate) === time) return candidate.toISOString();
  }
  throw new Error("no such local time");
}

describe("the composition root with two tenants", () => {
  let dir: string;
  let smtp: SmtpStandIn;
  let google: GoogleCalendarStandIn;
  let app: App;
  const date = nextMonday();
  const booking = (time: string, email = "lucia@example.com") => ({
    action: "create_booking" as const,
    booking_data: {
      customer_name: "Lucía Pérez",
      customer_email: email,
      treatment: "Limpieza dental",
      date,
      time,
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "app-tenants-"));
    smtp = new SmtpStandIn();
    await smtp.start();
    google = new GoogleCalendarStandIn();
    const rootUrl = await google.start();
    const tenants = join(dir, "tenants.json");
    writeFileSync(
      tenants,
      JSON.stringify([
        {
          companyId: "benova",
          name: "Clínica Benova",
          phone: "+34 910 000 000",
          timeZone: "Europe/Madrid",
          email: {
            smtpHost: "127.0.0.1",
            smtpPort: smtp.port,
            useTls: false,
            fromEmail: "citas@benova.example",
            providers: ["smtp"],
          },
        },
        {
          companyId: "sonrisa",
          name: "Dental Sonrisa",
          timeZone: "America/Bogota",
          locale: "es",
          email: { providers: ["outbox"], fromEmail: "hola@sonrisa.example" },
        },
      ]),
    );
    app = new App(
      loadConfig({
        DATA_DIR: dir,
        TENANTS_FILE: tenants,
        REDIS_URL: inject("redisUrl"),
        GOOGLE_CALENDAR_ID: "clinic",
        GOOGLE_ACCESS_TOKEN: "test-access-token",
        GOOGLE_CALENDAR_ROOT_URL: rootUrl,
        AUDIT_SIGNING_KEY: "tenant-test-signing-key-0001",
        LOG_LEVEL: "silent",
      }),
    );
  });
  afterAll(async () => {
    await app.close();
    const redis = testRedis();
    await deleteByPrefix(redis, "al:{benova}");
    await deleteByPrefix(redis, "al:{sonrisa}");
    redis.disconnect();
    await smtp.close();
    await google.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("books in each tenant's time zone and mails through each tenant's own provider", async () => {
    const benova = await app.tenant("benova");
    const sonrisa = await app.tenant("sonrisa");
    const a = await benova.executor.executeTool({
      toolName: "google_calendar",
      parameters: booking("10:00"),
      userId: "u1",
      conversationId: "7",
    });
    const b = await sonrisa.executor.executeTool({
      toolName: "google_calendar",
      parameters: booking("11:00"),
      userId: "u1",
      conversationId: "7",
    });
    expect(a.success && b.success).toBe(true);
    const starts = google
      .events("clinic")
      .map((e) => new Date(String((e.start as { dateTime?: string }).dateTime)).toISOString());
    expect(starts).toContain(utcOf(date, "10:00", "Europe/Madrid"));
    expect(starts).toContain(utcOf(date, "11:00", "America/Bogota"));

    const vars = {
      customer_name: "Lucía",
      appointment_date: date,
      appointment_time: "10:00",
      service_name: "Limpieza",
      clinic_name: "x",
    };
    const sent = await benova.executor.executeTool({
      toolName: "send_email",
      parameters: {
        to_email: "lucia@example.com",
        template_name: "appointment_confirmation",
        template_vars: vars,
      },
      userId: "u1",
    });
    expect(sent.error).toBeNull();
    await sonrisa.executor.executeTool({
      toolName: "send_email",
      parameters: {
        to_email: "lucia@example.com",
        template_name: "appointment_confirmation",
        template_vars: vars,
      },
      userId: "u1",
    });
    expect(smtp.messages.map((m) => m.envelope.mailFrom)).toEqual(["citas@benova.example"]);
    expect(readdirSync(join(dir, "outbox", "sonrisa")).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
  });

  it("keeps tenants' audit trails apart", async () => {
    const benova = await app.tenant("benova");
    const sonrisa = await app.tenant("sonrisa");
    const mine = await benova.audit.getUserActions("u1");
    const theirs = await sonrisa.audit.getUserActions("u1");
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.companyId === "benova")).toBe(true);
    expect(theirs.every((e) => e.companyId === "sonrisa")).toBe(true);
    expect(await sonrisa.audit.getEntry(mine[0]?.auditId as string)).toBeNull();
    expect(
      (await sonrisa.executor.compensate(mine.find((e) => e.compensable)?.auditId as string, "x")).errorCode,
    ).toBe("NOT_FOUND");
  });

  it("undoing a booking deletes the event and emails the cancellation", async () => {
    const benova = await app.tenant("benova");
    const made = await benova.executor.executeTool({
      toolName: "google_calendar",
      parameters: booking("12:00", "ana@example.com"),
      userId: "u2",
    });
    const eventId = (made.data as { event_id: string }).event_id;
    expect(google.events("clinic").find((e) => e.id === eventId)?.status).not.toBe("cancelled");
    const before = smtp.messages.length;
    const undo = await benova.executor.compensate(made.auditId as string, "customer cancelled");
    expect(undo.success).toBe(true);
    expect(google.events("clinic").find((e) => e.id === eventId)?.status ?? "cancelled").toBe("cancelled");
    const mail = smtp.messages.slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]?.envelope.rcptTo).toEqual(["ana@example.com"]);
    expect(mail[0]?.parsed.subject).toMatch(/cancel/i);
    expect(mail[0]?.parsed.text).toContain("Clínica Benova");
    // The tenant's name and phone fill the template; the booking's treatment is named.
    expect(mail[0]?.parsed.text).toContain("Tratamiento: Limpieza dental");
    expect(mail[0]?.parsed.text).toContain("+34 910 000 000");
    const trail = await benova.audit.query({ userId: "u2" });
    expect(trail.entries.map((e) => `${e.actionName}:${e.status}`).sort()).toEqual([
      "google_calendar.create_booking:compensated",
      "google_calendar.delete_booking:success",
      "send_email.appointment_cancellation:success",
    ]);
    expect((await benova.audit.verify()).ok).toBe(true);
  });

  it("each tenant's email service fills clinic_name and clinic_phone from the tenant's settings", async () => {
    const vars = {
      customer_name: "María González",
      appointment_date: "20 de Enero, 2025",
      appointment_time: "10:00 AM",
      treatment: "Aplicación de Botox",
    };
    const benova = (await app.tenant("benova")).email.renderTemplate("appointment_confirmation", vars);
    expect(benova.subject).toBe("Confirmación de su cita – Clínica Benova");
    expect(benova.text).toContain("llámenos al +34 910 000 000");
    const sonrisa = (await app.tenant("sonrisa")).email.renderTemplate("appointment_confirmation", vars);
    expect(sonrisa.subject).toBe("Confirmación de su cita – Dental Sonrisa");
    expect(sonrisa.text).not.toContain("llámenos");
  });

  it("a compensate call after a crash finishes the cancellation email exactly once", async () => {
    const benova = await app.tenant("benova");
    const made = await benova.executor.executeTool({
      toolName: "google_calendar",
      parameters: booking("13:00", "bea@example.com"),
      userId: "u3",
    });
    // The crash: the event was deleted and the entry marked compensated, but the email never left.
    await benova.executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "delete_booking", event_id: (made.data as { event_id: string }).event_id },
      userId: "u3",
    });
    await benova.audit.compensate(made.auditId as string, "interrupted rollback");
    const before = smtp.messages.length;
    expect(await benova.executor.compensate(made.auditId as string, "retry")).toMatchObject({
      success: true,
      alreadyCompensated: true,
    });
    expect(await benova.executor.compensate(made.auditId as string, "retry")).toMatchObject({
      success: true,
      alreadyCompensated: true,
    });
    const mail = smtp.messages.slice(before);
    expect(mail.map((m) => m.envelope.rcptTo)).toEqual([["bea@example.com"]]);
  });
});
