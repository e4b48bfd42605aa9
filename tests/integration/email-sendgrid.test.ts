import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EmailService } from "../../src/services/email/index.js";
import { SendGridStandIn } from "../support/sendgrid-stand-in.js";

const API_KEY = "SG.test-key-0123456789";

describe("EmailService over the SendGrid v3 API (@sendgrid/mail -> stand-in)", () => {
  const sendgrid = new SendGridStandIn({ apiKey: API_KEY });
  let baseUrl = "";
  const service = (extra: Partial<ConstructorParameters<typeof EmailService>[0]> = {}) =>
    new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      fromName: "Clínica Benova",
      sendgridApiKey: API_KEY,
      sendgridBaseUrl: baseUrl,
      maxRetries: 3,
      retryDelay: 0.01,
      ...extra,
    });

  beforeAll(async () => {
    baseUrl = await sendgrid.start();
  });
  afterEach(() => sendgrid.reset());
  afterAll(async () => {
    await sendgrid.close();
  });

  it("posts a v3 mail/send body with the Bearer key and returns the X-Message-Id", async () => {
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      cc: ["recepcion@benova.example"],
      bcc: "archivo@benova.example",
      replyTo: "recepcion@benova.example",
      subject: "Confirmación de su cita – Clínica Benova",
      bodyHtml: "<p>Hola Ana</p>",
      idempotencyKey: "booking:42:confirmation",
    });
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 1, error: null });
    // All or nothing: a 202 means every recipient was taken.
    expect(res.accepted).toEqual(["ana@example.com", "recepcion@benova.example", "archivo@benova.example"]);
    expect(res.refused).toEqual([]);
    expect(sendgrid.requests).toHaveLength(1);
    const [req] = sendgrid.requests;
    expect(req).toMatchObject({ method: "POST", path: "/v3/mail/send", status: 202 });
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.headers["content-type"]).toMatch(/^application\/json/);
    const [accepted] = sendgrid.accepted;
    expect(res.messageId).toBe(accepted?.messageId);
    expect(accepted?.body).toMatchObject({
      personalizations: [
        {
          to: [{ email: "ana@example.com" }],
          cc: [{ email: "recepcion@benova.example" }],
          bcc: [{ email: "archivo@benova.example" }],
        },
      ],
      from: { email: "citas@benova.example", name: "Clínica Benova" },
      reply_to: { email: "recepcion@benova.example" },
      subject: "Confirmación de su cita – Clínica Benova",
      content: [
        { type: "text/plain", value: "Hola Ana" },
        { type: "text/html", value: "<p>Hola Ana</p>" },
      ],
    });
    expect(accepted?.body.headers?.["X-Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
    expect(accepted?.body.custom_args?.idempotency_key).toBe(accepted?.body.headers?.["X-Idempotency-Key"]);
  });

  it("retries 429 and 503 answers and then succeeds, counting each attempt", async () => {
    sendgrid.failNext(1, 429).failNext(1, 503);
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: true, provider: "sendgrid", attempts: 3 });
    expect(sendgrid.requests.map((r) => r.status)).toEqual([429, 503, 202]);
    expect(sendgrid.accepted).toHaveLength(1);
  });

  it("stops after maxRetries when the API keeps answering 500", async () => {
    sendgrid.failNext(10, 500);
    const res = await service({ maxRetries: 2 }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 3, errorCode: "EMAIL_PROVIDER_UNAVAILABLE" });
    expect(res.error).toContain("HTTP 500");
    expect(sendgrid.requests).toHaveLength(3);
  });

  it("does not retry a 400 (the API refuses an address repeated in to and cc) and reports the API's reason", async () => {
    const res = await service().sendEmail({
      toEmail: "ana@example.com",
      cc: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_REJECTED", accepted: [] });
    expect(res.error).toContain("HTTP 400");
    expect(res.error).toContain("unique between to, cc, and bcc");
    expect(sendgrid.requests).toHaveLength(1);
  });

  it("does not retry a refused key (401) and never shows the key", async () => {
    const wrongKey = "SG.wrong-key-9876543210";
    const res = await service({ sendgridApiKey: wrongKey }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
    });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "EMAIL_AUTH_FAILED" });
    expect(res.error).toContain("sendgridApiKey");
    expect(res.error).not.toContain(wrongKey);
    expect(sendgrid.requests[0]?.headers.authorization).toBe(`Bearer ${wrongKey}`);
  });

  it("retries a request that outlives timeoutMs, with the same idempotency header on both copies", async () => {
    sendgrid.delayNext(1, 300);
    const res = await service({ timeoutMs: 100 }).sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita",
      bodyHtml: "<p>Hola</p>",
      idempotencyKey: "booking:7:reminder",
    });
    expect(res).toMatchObject({ success: true, attempts: 2 });
    // The timed-out request still arrives later: both copies carry one key the receiver can dedupe on.
    await vi.waitFor(() => expect(sendgrid.accepted).toHaveLength(2));
    const keys = new Set(sendgrid.accepted.map((a) => a.body.headers?.["X-Idempotency-Key"]));
    expect(keys.size).toBe(1);
  });
});
