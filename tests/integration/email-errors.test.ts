import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyHttpError,
  classifySmtpError,
  EmailConfigError,
  EmailDedupError,
  EmailSendError,
  EmailService,
  EmailTemplateError,
  type EmailTransport,
  EmailValidationError,
  type OutgoingEmail,
  scrubSecrets,
} from "../../src/services/email/index.js";
import { isTransientError } from "../../src/util/retry.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

/** nodemailer-shaped errors, as its SMTP connection raises them. */
const smtpError = (code: string, responseCode?: number, response?: string) =>
  Object.assign(new Error(response ?? code), { code, ...(responseCode ? { responseCode, response } : {}) });

describe("error classes", () => {
  it.each([
    ["ECONNECTION (connection closed)", smtpError("ECONNECTION"), true, "EMAIL_CONNECTION_FAILED"],
    ["ESOCKET", smtpError("ESOCKET"), true, "EMAIL_CONNECTION_FAILED"],
    ["ETIMEDOUT", smtpError("ETIMEDOUT"), true, "EMAIL_CONNECTION_FAILED"],
    [
      "421 service not available",
      smtpError("EENVELOPE", 421, "421 Try later"),
      true,
      "EMAIL_TEMPORARY_FAILURE",
    ],
    ["450 mailbox busy", smtpError("EENVELOPE", 450, "450 busy"), true, "EMAIL_TEMPORARY_FAILURE"],
    ["451 local error", smtpError("EMESSAGE", 451, "451 local error"), true, "EMAIL_TEMPORARY_FAILURE"],
    ["503 bad sequence", smtpError("EPROTOCOL", 503, "503 bad sequence"), true, "EMAIL_TEMPORARY_FAILURE"],
    ["550 mailbox unavailable", smtpError("EENVELOPE", 550, "550 no such user"), false, "EMAIL_REJECTED"],
    ["554 rejected", smtpError("EMESSAGE", 554, "554 spam"), false, "EMAIL_REJECTED"],
    ["EAUTH 535", smtpError("EAUTH", 535, "535 bad credentials"), false, "EMAIL_AUTH_FAILED"],
    ["ETLS", smtpError("ETLS"), false, "EMAIL_TLS_FAILED"],
  ])("SMTP %s -> retriable %s", (_, err, retriable, code) => {
    const e = classifySmtpError(err);
    expect(e).toBeInstanceOf(EmailSendError);
    expect(e).toMatchObject({ name: "EmailSendError", provider: "smtp", retriable, code });
    // The shared retry helper reaches the same verdict from the error alone.
    expect(isTransientError(e)).toBe(retriable);
  });

  it.each([
    [429, true, "EMAIL_RATE_LIMITED"],
    [408, true, "EMAIL_PROVIDER_UNAVAILABLE"],
    [500, true, "EMAIL_PROVIDER_UNAVAILABLE"],
    [502, true, "EMAIL_PROVIDER_UNAVAILABLE"],
    [503, true, "EMAIL_PROVIDER_UNAVAILABLE"],
    [400, false, "EMAIL_REJECTED"],
    [401, false, "EMAIL_AUTH_FAILED"],
    [403, false, "EMAIL_AUTH_FAILED"],
    [413, false, "EMAIL_REJECTED"],
    [404, false, "EMAIL_REJECTED"],
  ])("HTTP %i -> retriable %s", (status, retriable, code) => {
    const e = classifyHttpError({ provider: "sendgrid", status, detail: "x", keyField: "sendgridApiKey" });
    expect(e).toMatchObject({ provider: "sendgrid", status, retriable, code });
    expect(isTransientError(e)).toBe(retriable);
  });

  it("treats an HTTP request with no answer by its network code", () => {
    expect(
      classifyHttpError({ provider: "mailgun", networkCode: "ECONNREFUSED", detail: "x", keyField: "k" }),
    ).toMatchObject({
      retriable: true,
      code: "EMAIL_CONNECTION_FAILED",
    });
    expect(
      classifyHttpError({ provider: "mailgun", networkCode: "ERR_INVALID_URL", detail: "x", keyField: "k" }),
    ).toMatchObject({
      retriable: false,
      code: "EMAIL_SEND_FAILED",
    });
  });

  it("gives every error class a stable name, code and retriable flag", () => {
    expect(new EmailValidationError("toEmail", "bad")).toMatchObject({
      name: "EmailValidationError",
      code: "EMAIL_INVALID_INPUT",
      retriable: false,
      message: "toEmail: bad",
    });
    expect(new EmailTemplateError("EMAIL_TEMPLATE_UNKNOWN", "x")).toMatchObject({
      name: "EmailTemplateError",
      retriable: false,
    });
    expect(new EmailConfigError("providers", "bad")).toMatchObject({
      name: "EmailConfigError",
      code: "EMAIL_CONFIG_INVALID",
      retriable: false,
    });
    expect(new EmailDedupError("down")).toMatchObject({
      name: "EmailDedupError",
      code: "EMAIL_DEDUP_UNAVAILABLE",
      retriable: true,
    });
  });
});

describe("secrets in error messages", () => {
  it("scrubs secrets and their SMTP AUTH encodings", () => {
    const pass = "p4ss-w0rd!";
    const text = `535 denied ${pass} ${Buffer.from(`\u0000citas\u0000${pass}`).toString("base64")} ${Buffer.from(pass).toString("base64")} Bearer SG.abcdefghijk`;
    const out = scrubSecrets(text, [pass], "citas");
    expect(out).not.toContain(pass);
    expect(out).not.toContain(Buffer.from(pass).toString("base64"));
    expect(out).not.toContain("SG.abcdefghijk");
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  /** A transport whose upstream echoes the credentials in its errors, as some gateways do. */
  class LeakyTransport implements EmailTransport {
    readonly name = "gateway";
    constructor(private readonly secret: string) {}
    async send(_message: OutgoingEmail): Promise<{ messageId: string }> {
      throw Object.assign(new Error(`upstream refused key ${this.secret}`), { status: 403 });
    }
  }

  it("never returns a configured API key or password in the result, whatever the provider says", async () => {
    const secrets = {
      smtpPassword: "smtp-secret-1",
      sendgridApiKey: "SG.sendgrid-secret-2",
      mailgunApiKey: "key-mailgun-secret-3",
    };
    for (const secret of Object.values(secrets)) {
      const email = new EmailService(
        { companyId: "benova", ...secrets },
        { transports: [new LeakyTransport(secret)] },
      );
      const res = await email.sendEmail({
        toEmail: "ana@example.com",
        subject: "Cita",
        bodyHtml: "<p>Hola</p>",
      });
      expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_AUTH_FAILED" });
      expect(res.error).not.toContain(secret);
      expect(res.error).toContain("upstream refused key [REDACTED]");
    }
  });
});

describe("SMTP time-outs", () => {
  const smtp = new SmtpStandIn();
  beforeAll(async () => {
    await smtp.start();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it("gives up on a server that does not answer within timeoutMs and retries (ETIMEDOUT is retriable)", async () => {
    smtp.delayNext(1, 5_000); // well past the deadline, which leaves a loaded machine time for the retry
    const email = new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      useTls: false,
      maxRetries: 1,
      retryDelay: 0.01,
      timeoutMs: 1_500,
    });
    const res = await email.sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    await email.close();
    expect(res).toMatchObject({ success: true, attempts: 2 });
    expect(smtp.dataAttempts).toBe(2);
  });
});
