import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmailService, OutboxTransport, SmtpTransport } from "../../src/services/email/index.js";
import { SendGridStandIn } from "../support/sendgrid-stand-in.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

const SG_KEY = "SG.failover-key-0123456789";

describe("EmailService failover between providers", () => {
  const smtp = new SmtpStandIn();
  const sendgrid = new SendGridStandIn({ apiKey: SG_KEY });
  let sendgridUrl = "";
  const services: EmailService[] = [];
  const service = (extra: Partial<ConstructorParameters<typeof EmailService>[0]> = {}) => {
    const s = new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      useTls: false,
      sendgridApiKey: SG_KEY,
      sendgridBaseUrl: sendgridUrl,
      maxRetries: 2,
      retryDelay: 0.01,
      ...extra,
    });
    services.push(s);
    return s;
  };
  const mail = { toEmail: "ana@example.com", subject: "Cita confirmada", bodyHtml: "<p>Hola Ana</p>" };

  beforeAll(async () => {
    await smtp.start();
    sendgridUrl = await sendgrid.start();
  });
  afterEach(async () => {
    smtp.reset();
    sendgrid.reset();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await Promise.all([smtp.close(), sendgrid.close()]);
  });

  it("tries the configured providers in the order smtp, sendgrid by default", () => {
    expect(service().providers).toEqual(["smtp", "sendgrid"]);
  });

  it("moves to SendGrid when SMTP keeps deferring, after using up SMTP's retries", async () => {
    smtp.failNext(100, { responseCode: 451 });
    const res = await service().sendEmail({ ...mail, idempotencyKey: "booking:1:confirmation" });
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 4 });
    expect(res.accepted).toEqual(["ana@example.com"]);
    expect(smtp.dataAttempts).toBe(3);
    expect(smtp.messages).toHaveLength(0);
    expect(sendgrid.accepted).toHaveLength(1);
    expect(sendgrid.accepted[0]?.body.subject).toBe("Cita confirmada");
  });

  it("moves to SendGrid at once when SMTP refuses for good (550), without retrying SMTP", async () => {
    smtp.failNext(1, { responseCode: 550 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 2 });
    expect(smtp.dataAttempts).toBe(1);
  });

  it("after SMTP delivered to the cc but refused the customer, SendGrid sends to the customer only", async () => {
    smtp.refuseRecipient("ana@example.com", { responseCode: 550, count: 5 });
    const res = await service().sendEmail({ ...mail, cc: "recepcion@benova.example" });
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 2 });
    expect(res.accepted?.sort()).toEqual(["ana@example.com", "recepcion@benova.example"]);
    expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([["recepcion@benova.example"]]);
    expect(sendgrid.accepted).toHaveLength(1);
    expect(sendgrid.accepted[0]?.body.personalizations).toEqual([{ to: [{ email: "ana@example.com" }] }]);
  });

  it("stays on the first provider when failover is off", async () => {
    smtp.failNext(100, { responseCode: 451 });
    const res = await service({ failover: false }).sendEmail(mail);
    expect(res).toMatchObject({
      success: false,
      provider: "smtp",
      attempts: 3,
      errorCode: "EMAIL_TEMPORARY_FAILURE",
    });
    expect(sendgrid.requests).toHaveLength(0);
  });

  it("follows an explicit providers order", async () => {
    const res = await service({ providers: ["sendgrid", "smtp"] }).sendEmail(mail);
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 1 });
    expect(smtp.dataAttempts).toBe(0);
  });

  it("reports every provider's failure, with the attempts across all of them, when all fail", async () => {
    smtp.failNext(100, { responseCode: 451 });
    sendgrid.failNext(100, 503);
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({ success: false, provider: "sendgrid", messageId: null, attempts: 6 });
    expect(res.errorCode).toBe("EMAIL_PROVIDER_UNAVAILABLE");
    expect(res.error).toMatch(
      /all providers failed: smtp: .*451.*\(3 attempts\); sendgrid: .*HTTP 503.*\(3 attempts\)/,
    );
  });

  it("accepts injected transports and fails over from an unreachable SMTP server to the outbox", async () => {
    const dir = mkdtempSync(join(tmpdir(), "email-failover-"));
    try {
      const down = new SmtpStandIn();
      await down.start();
      const port = down.port;
      await down.close();
      const injected = new EmailService(
        { companyId: "benova", fromEmail: "citas@benova.example", maxRetries: 1, retryDelay: 0.01 },
        {
          transports: [
            new SmtpTransport({ host: "127.0.0.1", port, useTls: false, timeoutMs: 2_000 }),
            new OutboxTransport({ dir }),
          ],
        },
      );
      services.push(injected);
      expect(injected.providers).toEqual(["smtp", "outbox"]);
      const res = await injected.sendEmail(mail);
      expect(res).toMatchObject({ success: true, provider: "outbox", attempts: 3 });
      expect(readdirSync(dir).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
