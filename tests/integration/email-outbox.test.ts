import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, TenantSchema } from "../../src/config/index.js";
import { buildEmailService, EmailService, emailConfigForTenant } from "../../src/services/email/index.js";

describe("outbox provider (the embedded default)", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "email-outbox-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes one RFC 5322 .eml file per message that a mail parser reads back", async () => {
    const email = new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      fromName: "Clínica Benova",
      outboxDir: dir,
    });
    const res = await email.sendTemplateEmail({
      toEmail: "ana@example.com",
      cc: "recepcion@benova.example",
      bcc: "archivo@benova.example",
      templateName: "appointment_confirmation",
      templateVars: {
        customer_name: "Ana Pérez",
        appointment_date: "12/03/2025",
        appointment_time: "10:30",
        service_name: "Limpieza facial",
        clinic_name: "Clínica Benova",
      },
      idempotencyKey: "booking:9:confirmation",
    });
    expect(res).toMatchObject({ success: true, provider: "outbox", attempts: 1 });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const name = files[0] as string;
    const id = (res.messageId ?? "").replace(/^<|>$/g, "");
    expect(name).toMatch(/^\d{8}T\d{9}Z-/);
    expect(name.endsWith(`-${id}.eml`)).toBe(true);
    const raw = readFileSync(join(dir, name));
    expect(raw.toString("latin1")).toContain("\r\n");
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe("Confirmación de su cita – Clínica Benova");
    expect(mail.messageId).toBe(res.messageId);
    expect(mail.from?.value[0]).toEqual({ address: "citas@benova.example", name: "Clínica Benova" });
    expect(mail.html).toContain("Limpieza facial");
    expect(mail.text).toContain("Hola Ana Pérez:");
    expect(raw.toString()).toMatch(/^Cc: recepcion@benova\.example/m);
    // Like a mail client's Sent folder, the outbox copy keeps the Bcc recipients.
    expect(mail.bcc && !Array.isArray(mail.bcc) ? mail.bcc.value[0]?.address : null).toBe(
      "archivo@benova.example",
    );
    expect(mail.headers.get("x-idempotency-key")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("writes a message sent again under the same key (its first sender died) only once", async () => {
    // Two services with no dedup store in common stand for a sender that died before recording the
    // send and the process that took over its expired claim: both compose the same Message-ID.
    const service = () =>
      new EmailService({ companyId: "benova", fromEmail: "citas@benova.example", outboxDir: dir });
    const send = (s: EmailService, key: string) =>
      s.sendEmail({
        toEmail: "ana@example.com",
        subject: "Cancelación",
        bodyHtml: "<p>x</p>",
        idempotencyKey: key,
      });
    const first = await send(service(), "booking:9:cancellation");
    const again = await send(service(), "booking:9:cancellation");
    expect(again).toMatchObject({ success: true, messageId: first.messageId });
    expect(readdirSync(dir)).toHaveLength(1);
    // Another key is another message.
    await send(service(), "booking:10:cancellation");
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("reports an outbox that cannot be written as a final error naming the path", async () => {
    const blocked = join(dir, "not-a-dir");
    writeFileSync(blocked, "x");
    const email = new EmailService({
      companyId: "benova",
      outboxDir: join(blocked, "outbox"),
      maxRetries: 2,
      retryDelay: 0.01,
    });
    const res = await email.sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({
      success: false,
      provider: "outbox",
      attempts: 1,
      errorCode: "EMAIL_OUTBOX_WRITE_FAILED",
    });
    expect(res.error).toContain(join(blocked, "outbox"));
  });
});

describe("tenant email settings", () => {
  it("uses the outbox under DATA_DIR for a tenant with nothing configured", () => {
    const app = loadConfig({ DATA_DIR: "/srv/data" });
    const tenant = TenantSchema.parse({ companyId: "benova", name: "Clínica Benova", locale: "en" });
    const email = buildEmailService(app, tenant);
    expect(email.providers).toEqual(["outbox"]);
    expect(email.config).toMatchObject({
      outboxDir: "/srv/data/outbox/benova",
      fromName: "Clínica Benova",
      defaultLocale: "en",
    });
  });

  it("never pairs a tenant's own SMTP host with the platform's SMTP credentials", () => {
    const app = loadConfig({
      SMTP_HOST: "smtp.platform.example",
      SMTP_USER: "platform",
      SMTP_PASS: "platform-pass",
      SENDGRID_API_KEY: "SG.platform",
    });
    const own = TenantSchema.parse({
      companyId: "benova",
      email: { smtpHost: "smtp.benova.example", smtpUsername: "benova" },
    });
    const inherits = TenantSchema.parse({ companyId: "otra" });
    const a = emailConfigForTenant(app, own);
    const b = emailConfigForTenant(app, inherits);
    expect(a).toMatchObject({
      smtpHost: "smtp.benova.example",
      smtpUsername: "benova",
      sendgridApiKey: "SG.platform",
    });
    expect(a.smtpPassword).toBeUndefined();
    expect(b).toMatchObject({
      smtpHost: "smtp.platform.example",
      smtpUsername: "platform",
      smtpPassword: "platform-pass",
    });
    expect(new EmailService(a).providers).toEqual(["smtp", "sendgrid"]);
  });
});
