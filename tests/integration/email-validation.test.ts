import { describe, expect, it } from "vitest";
import { EmailConfigError, EmailService, htmlToText } from "../../src/services/email/index.js";
import { useSmtpEmail } from "../support/email-fixture.js";

describe("EmailService input checks (nothing is sent for invalid input)", () => {
  const { smtp, service } = useSmtpEmail();
  const ok = { toEmail: "ana@example.com", subject: "Cita", bodyHtml: "<p>Hola</p>" };

  it.each([
    ["CR LF", "Cita\r\nBcc: victima@example.com"],
    ["LF", "Cita\nX-Injected: 1"],
    ["CR", "Cita\rmas"],
  ])("refuses a subject with %s (header injection) and sends nothing", async (_, subject) => {
    const res = await service().sendEmail({ ...ok, subject });
    expect(res).toMatchObject({
      success: false,
      attempts: 0,
      messageId: null,
      errorCode: "EMAIL_INVALID_INPUT",
    });
    expect(res.error).toMatch(/^subject: must be a single line/);
    expect(smtp.connections).toBe(0);
  });

  it.each([
    ["toEmail", { toEmail: "ana.example.com" }, /^toEmail: expected an email address/],
    [
      "toEmail list item",
      { toEmail: ["ana@example.com", "x y@example.com"] },
      /^toEmail\[1\]: expected an email address/,
    ],
    ["cc", { cc: "not-an-address" }, /^cc: expected an email address/],
    ["bcc", { bcc: ["ok@example.com", "bad@"] }, /^bcc\[1\]: expected an email address/],
    ["replyTo", { replyTo: "ana@example.com\r\nBcc: x@example.com" }, /^replyTo: expected an email address/],
    ["empty toEmail", { toEmail: "" }, /^toEmail: expected an email address/],
    ["empty subject", { subject: "  " }, /^subject: expected a non-empty subject line/],
    ["empty body", { bodyHtml: "   ", bodyText: "" }, /^bodyHtml: expected a non-empty HTML body/],
    ["idempotencyKey", { idempotencyKey: "" }, /^idempotencyKey: expected a non-empty string/],
  ])("refuses an invalid %s and names it", async (_, patch, message) => {
    const res = await service().sendEmail({ ...ok, ...patch });
    expect(res.success).toBe(false);
    expect(res.errorCode).toBe("EMAIL_INVALID_INPUT");
    expect(res.error).toMatch(message);
    expect(smtp.connections).toBe(0);
  });

  it("sends a text-only message when only bodyText is given", async () => {
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "",
      bodyText: "Hola Ana",
    });
    expect(res.success).toBe(true);
    const mail = smtp.messages[0]?.parsed;
    expect(mail?.text?.trim()).toBe("Hola Ana");
    expect(mail?.html).toBe(false);
  });
});

describe("htmlToText", () => {
  it("keeps line breaks for br, paragraphs and list items, decodes entities and drops head, style and script", () => {
    const html =
      "<html><head><title>T</title><style>p{color:red}</style></head><body>" +
      "<h1>Su cita</h1><p>Hola&nbsp;Ana,<br/>le esperamos el <b>martes</b>.</p>" +
      "<ul><li>Fecha: 12/03</li><li>Precio: 40&euro; &amp; IVA</li></ul>" +
      '<p>M&aacute;s info: <a href="https://benova.example/citas">nuestra web</a> &#8211; &#x263A;</p>' +
      "<script>alert(1)</script></body></html>";
    expect(htmlToText(html)).toBe(
      "Su cita\n\nHola Ana,\nle esperamos el martes.\n\n- Fecha: 12/03\n- Precio: 40€ & IVA\n\nMás info: nuestra web (https://benova.example/citas) – ☺",
    );
  });

  it("does not decode twice", () => {
    expect(htmlToText("<p>&amp;lt;b&amp;gt;</p>")).toBe("&lt;b&gt;");
  });
});

describe("EmailService configuration checks", () => {
  it.each([
    [{ providers: ["sendgrid"] }, /providers: "sendgrid" is listed but sendgridApiKey is not set/],
    [{ providers: ["mailgun"], mailgunApiKey: "key-1" }, /mailgunApiKey and mailgunDomain/],
    [{ providers: ["fax"] }, /unknown provider "fax"/],
    [{ fromEmail: "citas" }, /fromEmail: expected an email address/],
    [{ retryDelay: -1 }, /retryDelay: expected seconds/],
    [{ maxRetries: 1.5 }, /maxRetries: expected a whole number/],
    [{ sendgridApiKey: "SG.x", sendgridBaseUrl: "not a url" }, /sendgridBaseUrl: expected an absolute URL/],
  ])("refuses %j with a message naming the setting", (patch, message) => {
    expect(
      () =>
        new EmailService({ companyId: "benova", ...patch } as ConstructorParameters<typeof EmailService>[0]),
    ).toThrow(EmailConfigError);
    expect(
      () =>
        new EmailService({ companyId: "benova", ...patch } as ConstructorParameters<typeof EmailService>[0]),
    ).toThrow(message);
  });

  it("defaults to the outbox when no provider is configured, and to the configured ones in order otherwise", () => {
    expect(new EmailService({ companyId: "benova" }).providers).toEqual(["outbox"]);
    const all = new EmailService({
      companyId: "benova",
      smtpHost: "smtp.example.com",
      sendgridApiKey: "SG.key",
      mailgunApiKey: "key-1",
      mailgunDomain: "mg.example.com",
    });
    expect(all.providers).toEqual(["smtp", "sendgrid", "mailgun"]);
    expect(all.config).toMatchObject({
      fromEmail: "no-reply@benova.localhost",
      maxRetries: 3,
      retryDelay: 1,
      failover: true,
      defaultLocale: "es",
    });
    // A tenant id with "_" still yields a valid default sender (host names have no "_").
    expect(new EmailService({ companyId: "clinica_sur" }).config.fromEmail).toBe(
      "no-reply@clinica-sur.localhost",
    );
  });
});
