import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatwootStandIn, messageCreatedPayload, webhookHeaders } from "../support/chatwoot-stand-in.js";

let chatwoot: ChatwootStandIn;
let baseUrl: string;

beforeEach(async () => {
  chatwoot = new ChatwootStandIn();
  baseUrl = await chatwoot.start();
  chatwoot.addConversation({ id: 42 });
});

afterEach(async () => {
  await chatwoot.close();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { api_access_token: token } : {}) },
    body: JSON.stringify(body),
  });

describe("Chatwoot stand-in protocol", () => {
  it("answers like Chatwoot: 401 without token, 422 for an empty message, 404 for an unknown conversation", async () => {
    const path = "/api/v1/accounts/1/conversations/42/messages";
    expect((await post(path, { content: "hola" })).status).toBe(401);
    expect((await post(path, { content: "" }, chatwoot.apiToken)).status).toBe(422);
    expect(
      (await post("/api/v1/accounts/1/conversations/9/messages", { content: "x" }, chatwoot.apiToken)).status,
    ).toBe(404);
    const ok = await post(
      path,
      { content: "hola", message_type: "outgoing", private: false },
      chatwoot.apiToken,
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      content: "hola",
      conversation_id: 42,
      message_type: 1,
      private: false,
    });
    expect(chatwoot.messages(42)).toHaveLength(1);
  });

  it("lists a conversation's messages like Chatwoot: the latest 20, older pages with before=<id>", async () => {
    const path = "/api/v1/accounts/1/conversations/42/messages";
    const ids: number[] = [];
    for (let i = 1; i <= 25; i++) {
      const res = await post(path, { content: `m${i}`, content_attributes: { n: i } }, chatwoot.apiToken);
      ids.push(((await res.json()) as { id: number }).id);
    }
    const list = async (query = "") => {
      const res = await fetch(`${baseUrl}${path}${query}`, {
        headers: { api_access_token: chatwoot.apiToken },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { payload: { id: number; content_attributes: unknown }[] }).payload;
    };
    const latest = await list();
    expect(latest.map((m) => m.id)).toEqual(ids.slice(5));
    expect(latest[0]?.content_attributes).toEqual({ n: 6 });
    expect((await list(`?before=${ids[5]}`)).map((m) => m.id)).toEqual(ids.slice(0, 5));
    expect((await list(`?after=${ids[22]}`)).map((m) => m.id)).toEqual(ids.slice(23));
    const unauthorized = await fetch(`${baseUrl}${path}`);
    expect(unauthorized.status).toBe(401);
  });

  it("builds signed message_created deliveries with Chatwoot's field types", () => {
    const body = messageCreatedPayload({
      content: "nota de voz",
      attachments: [{ file_type: "audio", data_url: "http://files.example/voice.ogg", extension: "ogg" }],
    });
    expect(body).toMatchObject({ event: "message_created", message_type: "incoming", private: false });
    expect(body).toHaveProperty("sender.type", "contact");
    const conversation = body.conversation as { channel: string; messages: { message_type: unknown }[] };
    expect(conversation.channel).toBe("Channel::Whatsapp");
    expect(conversation.messages[0]?.message_type).toBe(0);
    expect(body.attachments).toEqual([expect.objectContaining({ file_type: "audio", message_id: body.id })]);
    expect(messageCreatedPayload()).not.toHaveProperty("attachments");
    expect(messageCreatedPayload({ messageType: "outgoing" })).toHaveProperty("sender.type", "agent_bot");

    const raw = JSON.stringify(body);
    const headers = webhookHeaders("s3cret", raw, { timestamp: 1_700_000_000, deliveryId: "d-1" });
    const expected = createHmac("sha256", "s3cret").update(`1700000000.${raw}`).digest("hex");
    expect(headers).toMatchObject({
      "x-chatwoot-signature": `sha256=${expected}`,
      "x-chatwoot-timestamp": "1700000000",
      "x-chatwoot-delivery": "d-1",
    });
  });
});
