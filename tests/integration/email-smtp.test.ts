import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailService } from "../../src/services/email/index.js";
import { useSmtpEmail } from "../support/email-fixture.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

const vars = {
  customer_name: "Ana Pérez",
  appointment_date: "12/03/2025",
  appointment_time: "10:30",
  treatment: "Limpieza facial",
  clinic_name: "Clínica Benova",
};

describe("EmailService over SMTP (nodemailer -> smtp-server)", () => {
  const { smtp, service } = useSmtpEmail({ fromName: "Clínica Benova", maxRetries: 3 });

  it("delivers the Spanish confirmation with a UTF-8 subject, html and text parts, cc in headers and bcc only in the envelope", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_confirmation",
      templateVars: vars,
      cc: "recepcion@benova.example",
      bcc: "archivo@benova.example",
      replyTo: "recepcion@benova.example",
    });
    expect(res).toMatchObject({ success: true, provider: "smtp", error: null, attempts: 1, refused: [] });
    expect(res.accepted).toEqual(["ana@example.com", "recepcion@benova.example", "archivo@benova.example"]);
    expect(smtp.messages).toHaveLength(1);
    const [received] = smtp.messages;
    const mail = received!.parsed;
    expect(mail.subject).toBe("Confirmación de su cita – Clínica Benova");
    // The subject travelled MIME-encoded: the raw header is ASCII.
    const rawHeader = /^Subject: (.*)$/m.exec(received!.raw.toString("latin1"))?.[1] ?? "";
    expect(rawHeader).toMatch(/^=\?UTF-8\?/i);
    expect(mail.html).toContain("Ana Pérez");
    expect(mail.html).toContain("<li><strong>Tratamiento:</strong> Limpieza facial</li>");
    expect(mail.text).toContain("Hola Ana Pérez:");
    expect(mail.text).toContain("- Fecha: 12/03/2025");
    expect(mail.text).not.toContain("<");
    expect(mail.from?.value[0]).toEqual({ address: "citas@benova.example", name: "Clínica Benova" });
    expect(mail.headers.get("cc")).toBeDefined();
    expect(received!.raw.toString()).toMatch(/^Cc: recepcion@benova\.example/m);
    expect(mail.replyTo?.value[0]?.address).toBe("recepcion@benova.example");
    expect(received!.raw.toString()).not.toMatch(/archivo@benova\.example/);
    expect(mail.headers.has("bcc")).toBe(false);
    expect(received!.envelope.rcptTo.sort()).toEqual([
      "ana@example.com",
      "archivo@benova.example",
      "recepcion@benova.example",
    ]);
    expect(received!.envelope.mailFrom).toBe("citas@benova.example");
    expect(mail.messageId).toBe(res.messageId);
  });

  it("derives the text part from the HTML when bodyText is absent and keeps it when given", async () => {
    const s = service();
    await s.sendEmail({
      toEmail: "ana@example.com",
      subject: "Horario",
      bodyHtml:
        "<p>Lunes&nbsp;a viernes:<br>9&ndash;20&nbsp;h</p><ul><li>Caf&eacute;</li><li>T&amp;C</li></ul>",
    });
    await s.sendEmail({
      toEmail: "ana@example.com",
      subject: "Horario",
      bodyHtml: "<p>x</p>",
      bodyText: "Texto propio",
    });
    expect(smtp.messages[0]?.parsed.text?.trim()).toBe("Lunes a viernes:\n9–20 h\n\n- Café\n- T&C");
    expect(smtp.messages[1]?.parsed.text?.trim()).toBe("Texto propio");
  });

  it("retries a 451 deferral with backoff and counts every attempt", async () => {
    smtp.failNext(2, { responseCode: 451 });
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: true, provider: "smtp", attempts: 3 });
    expect(smtp.dataAttempts).toBe(3);
    expect(smtp.messages).toHaveLength(1);
  });

  it("gives up after maxRetries on a deferral that does not clear, saying it was retried", async () => {
    smtp.failNext(10, { responseCode: 421, stage: "MAIL" });
    const res = await service({ maxRetries: 2 }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({
      success: false,
      provider: "smtp",
      messageId: null,
      attempts: 3,
      errorCode: "EMAIL_TEMPORARY_FAILURE",
    });
    expect(res.error).toContain("421");
    expect(res.error).toContain("3 attempts");
    expect(smtp.messages).toHaveLength(0);
  });

  it("does not retry a permanent 550 rejection", async () => {
    smtp.failNext(1, { responseCode: 550, stage: "DATA", message: "Message rejected as spam" });
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_REJECTED" });
    expect(res.error).toContain("550");
    expect(res.error).toContain("not retriable");
    expect(smtp.dataAttempts).toBe(1);
  });

  it("does not retry a recipient refused at RCPT TO with 550", async () => {
    smtp.failNext(1, { responseCode: 550, stage: "RCPT", message: "No such user" });
    const res = await service().sendEmail({
      toEmail: "nadie@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_REJECTED" });
    expect(smtp.dataAttempts).toBe(0);
  });

  it("retries a server that cannot be reached (ECONNECTION) and reports it as a connection failure", async () => {
    const down = new SmtpStandIn();
    await down.start();
    const port = down.port;
    await down.close();
    const res = await service({ smtpPort: port, maxRetries: 2 }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 3, errorCode: "EMAIL_CONNECTION_FAILED" });
    expect(res.error).toMatch(/ECONN/);
  });
});

describe("EmailService over SMTP with AUTH", () => {
  const smtp = new SmtpStandIn({ users: { citas: "s3cret-smtp-pass" }, echoCredentialsOnAuthFailure: true });
  beforeAll(async () => {
    await smtp.start();
  });
  afterAll(async () => {
    await smtp.close();
  });

  const service = (password: string) =>
    new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      smtpUsername: "citas",
      smtpPassword: password,
      useTls: false,
      maxRetries: 3,
      retryDelay: 0.01,
    });

  it("logs in with the configured user and delivers", async () => {
    const s = service("s3cret-smtp-pass");
    const res = await s.sendEmail({ toEmail: "ana@example.com", subject: "Cita", bodyHtml: "<p>Hola</p>" });
    await s.close();
    expect(res.success).toBe(true);
    expect(smtp.messages.at(-1)?.user).toBe("citas");
  });

  it("does not retry refused credentials (EAUTH) and never repeats the password, even when the server echoes it", async () => {
    const s = service("wrong-password-123");
    const res = await s.sendEmail({ toEmail: "ana@example.com", subject: "Cita", bodyHtml: "<p>Hola</p>" });
    await s.close();
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_AUTH_FAILED" });
    expect(smtp.authFailures).toBeGreaterThanOrEqual(1);
    expect(res.error).toContain("smtpPassword");
    expect(res.error).not.toContain("wrong-password-123");
    expect(res.error).not.toContain(Buffer.from("wrong-password-123").toString("base64"));
    expect(res.error).toContain("[REDACTED]");
  });
});
