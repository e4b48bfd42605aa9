import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmailService } from "../../src/services/email/index.js";
import { MailgunStandIn, parseMultipart } from "../support/mailgun-stand-in.js";

const API_KEY = "key-test-0123456789abcdef";
const DOMAIN = "mg.benova.example";

describe("EmailService over the Mailgun API (mailgun.js -> stand-in)", () => {
  const mailgun = new MailgunStandIn({ apiKey: API_KEY, domain: DOMAIN });
  let url = "";
  const service = (extra: Partial<ConstructorParameters<typeof EmailService>[0]> = {}) =>
    new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      fromName: 'Clínica "Benova"',
      mailgunApiKey: API_KEY,
      mailgunDomain: DOMAIN,
      mailgunUrl: url,
      maxRetries: 3,
      retryDelay: 0.01,
      ...extra,
    });

  beforeAll(async () => {
    url = await mailgun.start();
  });
  afterEach(() => mailgun.reset());
  afterAll(async () => {
    await mailgun.close();
  });

  it("posts a multipart form to /v3/{domain}/messages with Basic api:<key> and returns Mailgun's id", async () => {
    const res = await service().sendEmail({
      toEmail: ["ana@example.com", "luis@example.com"],
      cc: "recepcion@benova.example",
      bcc: "archivo@benova.example",
      replyTo: "recepcion@benova.example",
      subject: "Confirmación de su cita – Clínica Benova",
      bodyHtml: "<p>Hola Ana</p>",
      idempotencyKey: "booking:42:confirmation",
    });
    expect(res).toMatchObject({ success: true, provider: "mailgun", attempts: 1, refused: [] });
    expect(res.accepted).toEqual([
      "ana@example.com",
      "luis@example.com",
      "recepcion@benova.example",
      "archivo@benova.example",
    ]);
    const [req] = mailgun.requests;
    expect(req).toMatchObject({ method: "POST", path: `/v3/${DOMAIN}/messages`, status: 200 });
    expect(req?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}`);
    const fields = mailgun.accepted[0]?.fields;
    expect(res.messageId).toBe(mailgun.accepted[0]?.id);
    expect(fields?.from).toEqual(['"Clínica \\"Benova\\"" <citas@benova.example>']);
    expect(fields?.to).toEqual(["ana@example.com", "luis@example.com"]);
    expect(fields?.cc).toEqual(["recepcion@benova.example"]);
    expect(fields?.bcc).toEqual(["archivo@benova.example"]);
    expect(fields?.subject).toEqual(["Confirmación de su cita – Clínica Benova"]);
    expect(fields?.text).toEqual(["Hola Ana"]);
    expect(fields?.html).toEqual(["<p>Hola Ana</p>"]);
    expect(fields?.["h:Reply-To"]).toEqual(["recepcion@benova.example"]);
    expect(fields?.["h:X-Idempotency-Key"]?.[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(fields?.["h:Message-Id"]?.[0]).toBe(`<${fields?.["h:X-Idempotency-Key"]?.[0]}@benova.example>`);
  });

  it("retries 429 and 500 and then succeeds", async () => {
    mailgun.failNext(1, 429).failNext(1, 500);
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: true, provider: "mailgun", attempts: 3 });
    expect(mailgun.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it("does not retry a refused key (401) and never shows the key", async () => {
    const wrong = "key-wrong-abcdef0123456789";
    const res = await service({ mailgunApiKey: wrong }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_AUTH_FAILED" });
    expect(res.error).toContain("mailgunApiKey");
    expect(res.error).not.toContain(wrong);
    expect(res.error).not.toContain(Buffer.from(`api:${wrong}`).toString("base64"));
  });

  it("does not retry an unknown sending domain (404)", async () => {
    const res = await service({ mailgunDomain: "other.example" }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_REJECTED" });
    expect(res.error).toContain("Domain not found");
  });

  it("reports an unreachable API as a retriable connection failure, not as a rejection", async () => {
    const down = new MailgunStandIn({ apiKey: API_KEY, domain: DOMAIN });
    const downUrl = await down.start();
    await down.close();
    const res = await service({ mailgunUrl: downUrl, maxRetries: 1 }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 2, errorCode: "EMAIL_CONNECTION_FAILED" });
    expect(res.error).toContain("ECONNREFUSED");
  });

  it("the stand-in's multipart parser keeps repeated fields and UTF-8 values", () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="to"\r\n\r\na@example.com\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="to"\r\n\r\nb@example.com\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="subject"\r\nContent-Type: text/plain\r\n\r\nCita – ñ\r\nsegunda línea\r\n' +
        "--XyZ--\r\n",
    );
    expect(parseMultipart(body, "multipart/form-data; boundary=XyZ")).toEqual({
      to: ["a@example.com", "b@example.com"],
      subject: ["Cita – ñ\r\nsegunda línea"],
    });
  });
});
