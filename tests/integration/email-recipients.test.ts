import { describe, expect, it } from "vitest";
import { useSmtpEmail } from "../support/email-fixture.js";

/**
 * Recipients refused one by one at RCPT TO, over real SMTP (nodemailer -> smtp-server). A send is
 * never reported as sent while a `to` recipient was refused, and nobody gets a second copy.
 */
describe("EmailService with recipients refused at RCPT TO", () => {
  const { smtp, service } = useSmtpEmail({ maxRetries: 2 });
  const mail = {
    toEmail: "ana@example.com",
    cc: "recepcion@benova.example",
    subject: "Cita",
    bodyHtml: "<p>Hola</p>",
  };
  const rcpts = () => smtp.messages.map((m) => m.envelope.rcptTo);

  it("retries a 451 for the customer to the customer only: one copy each, then success", async () => {
    smtp.refuseRecipient("ana@example.com", { responseCode: 451, count: 1 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({ success: true, provider: "smtp", attempts: 2, refused: [] });
    expect(res.accepted?.sort()).toEqual(["ana@example.com", "recepcion@benova.example"]);
    // First transaction: only the cc was taken; the retry went to the customer alone.
    expect(rcpts()).toEqual([["recepcion@benova.example"], ["ana@example.com"]]);
    // Both copies are the same message: same Message-ID, To and Cc headers intact.
    const [first, second] = smtp.messages;
    expect(second?.parsed.messageId).toBe(first?.parsed.messageId);
    expect(second?.parsed.messageId).toBe(res.messageId);
    expect(second?.raw.toString()).toMatch(/^Cc: recepcion@benova\.example/m);
    expect(first?.raw.toString()).toMatch(/^To: ana@example\.com/m);
  });

  it("fails a 550 for the customer naming the address; the cc, already accepted, is reported as having it", async () => {
    smtp.refuseRecipient("ana@example.com", { responseCode: 550, count: 5 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({
      success: false,
      provider: "smtp",
      messageId: null,
      attempts: 1,
      errorCode: "EMAIL_REJECTED",
      accepted: ["recepcion@benova.example"],
      refused: [
        {
          address: "ana@example.com",
          code: 550,
          message: "<ana@example.com>: mailbox unavailable",
          kind: "to",
        },
      ],
    });
    expect(res.error).toContain("refused recipient ana@example.com (550");
    expect(res.error).toContain("delivered only to recepcion@benova.example");
    // nodemailer goes on to DATA once any recipient is accepted: the cc has it, once.
    expect(rcpts()).toEqual([["recepcion@benova.example"]]);
  });

  it("succeeds when only the cc is refused with 550, listing it as refused", async () => {
    smtp.refuseRecipient("recepcion@benova.example", { responseCode: 550, count: 5 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({
      success: true,
      attempts: 1,
      accepted: ["ana@example.com"],
      refused: [{ address: "recepcion@benova.example", code: 550, kind: "cc" }],
    });
    expect(rcpts()).toEqual([["ana@example.com"]]);
  });

  it("does not retry for a cc or bcc refused with 451: the customer has it", async () => {
    smtp.refuseRecipient("archivo@benova.example", { responseCode: 451, count: 5 });
    const res = await service().sendEmail({ ...mail, bcc: "archivo@benova.example" });
    expect(res).toMatchObject({
      success: true,
      attempts: 1,
      refused: [{ address: "archivo@benova.example", code: 451, kind: "bcc" }],
    });
    expect(res.accepted?.sort()).toEqual(["ana@example.com", "recepcion@benova.example"]);
    expect(smtp.messages).toHaveLength(1);
  });

  it("fails after maxRetries when the customer stays deferred, and the cc still got exactly one copy", async () => {
    smtp.refuseRecipient("ana@example.com", { responseCode: 451, count: 10 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({
      success: false,
      attempts: 3,
      errorCode: "EMAIL_TEMPORARY_FAILURE",
      accepted: ["recepcion@benova.example"],
      refused: [{ address: "ana@example.com", code: 451, kind: "to" }],
    });
    expect(res.error).toContain("deferred recipient ana@example.com (451");
    expect(rcpts()).toEqual([["recepcion@benova.example"]]);
  });

  it("retries a customer deferred while every recipient is refused, and sends once to each", async () => {
    smtp.refuseRecipient("ana@example.com", { responseCode: 451, count: 1 });
    smtp.refuseRecipient("recepcion@benova.example", { responseCode: 452, count: 1 });
    const res = await service().sendEmail(mail);
    expect(res).toMatchObject({ success: true, attempts: 2, refused: [] });
    expect(rcpts()).toEqual([["ana@example.com", "recepcion@benova.example"]]);
  });

  it("one of two customers refused with 550 fails the send, naming that one", async () => {
    smtp.refuseRecipient("luis@example.com", { responseCode: 550 });
    const res = await service().sendEmail({ ...mail, toEmail: ["ana@example.com", "luis@example.com"] });
    expect(res).toMatchObject({ success: false, errorCode: "EMAIL_REJECTED" });
    expect(res.error).toContain("luis@example.com");
    expect(res.error).not.toMatch(/refused recipient ana@/);
    expect(res.accepted?.sort()).toEqual(["ana@example.com", "recepcion@benova.example"]);
  });
});
