import { describe, expect, it } from "vitest";
import { toTurn, triage } from "../../src/server/http/triage.js";
import { messageCreatedPayload } from "../support/chatwoot-webhook.js";

describe("triage of a Chatwoot delivery", () => {
  it("an incoming contact message is work and maps to a turn", () => {
    const payload = messageCreatedPayload({
      messageId: 31,
      conversationId: 9,
      accountId: 4,
      content: "Quiero cita",
      attachments: [
        { file_type: "image", data_url: "https://cw.example/a.jpg", extension: "jpg" },
        { file_type: "location", data_url: "" },
      ],
    });
    const sorted = triage(payload);
    if (sorted.kind !== "work") throw new Error(`expected work, got ${JSON.stringify(sorted)}`);
    expect(toTurn(sorted.message, "benova", "d-1", 1234)).toEqual({
      companyId: "benova",
      accountId: 4,
      conversationId: 9,
      messageId: 31,
      deliveryId: "d-1",
      userId: "+34600111222",
      senderName: "Ana García",
      text: "Quiero cita",
      attachments: [{ fileType: "image", dataUrl: "https://cw.example/a.jpg", extension: "jpg" }],
      receivedAt: 1234,
    });
  });

  it("accepts unknown extra fields", () => {
    const payload = { ...messageCreatedPayload(), brand_new_field: { x: [1, 2] } };
    expect(triage(payload).kind).toBe("work");
  });

  it("checks the rules in order: private, direction, sender, emptiness, a person on the conversation", () => {
    const code = (p: Record<string, unknown>) => {
      const t = triage(p);
      return t.kind === "ignored" ? t.code : t.kind;
    };
    expect(code(messageCreatedPayload({ private: true, messageType: "outgoing", senderType: "user" }))).toBe(
      "private_note",
    );
    expect(code(messageCreatedPayload({ private: true }))).toBe("private_note");
    expect(code(messageCreatedPayload({ messageType: "outgoing" }))).toBe("not_incoming");
    expect(code({ ...messageCreatedPayload(), message_type: "activity" })).toBe("not_incoming");
    expect(code(messageCreatedPayload({ senderType: "agent_bot" }))).toBe("not_from_contact");
    expect(code(messageCreatedPayload({ content: "" }))).toBe("empty_message");
    expect(
      code(messageCreatedPayload({ content: "", attachments: [{ file_type: "location", data_url: "" }] })),
    ).toBe("empty_message");
    expect(code(messageCreatedPayload({ conversationStatus: "open" }))).toBe("human_handling");
    expect(code(messageCreatedPayload({ conversationStatus: "snoozed" }))).toBe("work");
    expect(code({ event: "conversation_created" })).toBe("other_event");
  });

  it("invalid payloads name the field", () => {
    const reason = (p: unknown) => {
      const t = triage(p);
      return t.kind === "invalid" ? t.reason : t.kind;
    };
    expect(reason([1, 2])).toBe("body: expected a JSON object");
    expect(reason(null)).toBe("body: expected a JSON object");
    expect(reason({})).toBe("event: missing, expected a string");
    const p = messageCreatedPayload();
    (p.conversation as Record<string, unknown>).status = null;
    expect(reason(p)).toMatch(/^conversation\.status: expected/);
    expect(reason({ ...messageCreatedPayload(), id: 1.5 })).toBe("id: expected a positive integer id");
    expect(reason({ ...messageCreatedPayload(), id: 0 })).toBe("id: expected a positive integer id");
    expect(reason({ ...messageCreatedPayload(), id: 2 ** 60 })).toBe("id: expected a positive integer id");
    expect(reason({ ...messageCreatedPayload(), attachments: {} })).toBe("attachments: expected an array");
  });
});
