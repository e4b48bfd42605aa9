import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  chatwootDelivery,
  conversationEventPayload,
  messageCreatedPayload,
  signWebhook,
} from "../support/chatwoot-webhook.js";
import {
  SECRET,
  SUR_SECRET,
  startWebhookHarness,
  type Transport,
  type WebhookHarness,
} from "../support/webhook-harness.js";

const URL_ = "/webhooks/chatwoot";
const now = () => Math.floor(Date.now() / 1000);

describe.each<Transport>(["inject", "listen"])("Chatwoot webhook through %s", (transport) => {
  let h: WebhookHarness;
  beforeEach(async () => {
    h = await startWebhookHarness(transport);
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (
    payload: unknown,
    opts: Parameters<typeof chatwootDelivery>[1] = { secret: SECRET },
    url = URL_,
  ) => {
    const d = chatwootDelivery(payload, opts);
    return h.send({ url, headers: d.headers, body: d.body });
  };

  it("queues a signed incoming contact message and the consumer gets the turn", async () => {
    const deliveryId = randomUUID();
    const res = await post(messageCreatedPayload({ messageId: 9001, conversationId: 55, content: "Hola" }), {
      secret: SECRET,
      deliveryId,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: "queued", key: "benova:55:9001" });
    await h.drained();
    expect(h.turns).toHaveLength(1);
    expect(h.turns[0]).toMatchObject({
      companyId: "benova",
      accountId: 1,
      conversationId: 55,
      messageId: 9001,
      deliveryId,
      userId: "+34600111222",
      senderName: "Ana García",
      text: "Hola",
      attachments: [],
    });
  });

  it("refuses unsigned deliveries, bad signatures and altered bodies with 401", async () => {
    const payload = messageCreatedPayload();
    const unsigned = await post(payload, {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.json().reason).toMatch(/missing X-Chatwoot-Signature/);
    const wrongSecret = await post(payload, { secret: "not-the-secret-at-all" });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json().reason).toMatch(/does not match/);
    const d = chatwootDelivery(payload, { secret: SECRET });
    const altered = await h.send({ url: URL_, headers: d.headers, body: d.body.replace("cita", "cito") });
    expect(altered.status).toBe(401);
    const short = await h.send({
      url: URL_,
      headers: { ...d.headers, "x-chatwoot-signature": "sha256=abc" },
      body: d.body,
    });
    expect(short.status).toBe(401);
    expect(short.json().reason).toMatch(/expected sha256=<64 hex digits>/);
    await h.drained();
    expect(h.turns).toHaveLength(0);
  });

  it("bounds the timestamp skew both ways and requires the timestamp header", async () => {
    const payload = messageCreatedPayload({ messageId: 1 });
    const stale = await post(payload, { secret: SECRET, timestamp: now() - 301 });
    expect(stale.status).toBe(401);
    expect(stale.json().reason).toMatch(/older than 300 s/);
    const future = await post(payload, { secret: SECRET, timestamp: now() + 301 });
    expect(future.status).toBe(401);
    expect(future.json().reason).toMatch(/in the future/);
    const d = chatwootDelivery(payload, { secret: SECRET });
    const { "x-chatwoot-timestamp": _, ...noTimestamp } = d.headers;
    const missing = await h.send({ url: URL_, headers: noTimestamp, body: d.body });
    expect(missing.status).toBe(401);
    expect(missing.json().reason).toMatch(/missing X-Chatwoot-Timestamp/);
    const withinSkew = await post(payload, { secret: SECRET, timestamp: now() - 200 });
    expect(withinSkew.status).toBe(200);
    expect(withinSkew.json().status).toBe("queued");
  });

  it("answers 400 to malformed JSON, missing fields and wrong types, naming the field", async () => {
    const bad = '{"event": "message_created", "account": {"id": 1}';
    const ts = now();
    const malformed = await h.send({
      url: `${URL_}/benova`,
      headers: {
        "content-type": "application/json",
        "x-chatwoot-signature": signWebhook(SECRET, bad, ts),
        "x-chatwoot-timestamp": String(ts),
      },
      body: bad,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toEqual({ status: "rejected", reason: "body: malformed JSON" });

    const cases: [(p: Record<string, unknown>) => void, RegExp][] = [
      [(p) => delete p.sender, /^sender: missing, expected an object$/],
      [(p) => delete p.id, /^id: missing, expected a positive integer id$/],
      [(p) => delete (p.conversation as Record<string, unknown>).id, /^conversation\.id: missing/],
      [(p) => (p.id = "9001"), /^id: expected a positive integer id$/],
      [(p) => (p.private = "no"), /^private: expected true or false$/],
      [(p) => (p.content = 12), /^content: expected a string or null$/],
      [(p) => ((p.sender as Record<string, unknown>).type = 3), /^sender\.type: expected/],
      [
        (p) => (p.attachments = [{ file_type: "image", data_url: "file:///etc/passwd" }]),
        /attachments\.0\.data_url/,
      ],
      [(p) => (p.event = 5), /^event: expected a string$/],
    ];
    for (const [mutate, reason] of cases) {
      const payload = messageCreatedPayload();
      mutate(payload);
      const res = await post(payload);
      expect(res.status, String(reason)).toBe(400);
      expect(res.json().reason).toMatch(reason);
    }
    const noAccount = messageCreatedPayload();
    delete noAccount.account;
    const unroutable = await post(noAccount);
    expect(unroutable.status).toBe(400);
    expect(unroutable.json().reason).toBe("account: missing, expected an object");
    await h.drained();
    expect(h.turns).toHaveLength(0);
  });

  it("answers 413 to a body over the limit and 415 to another content type", async () => {
    const huge = messageCreatedPayload({ content: "x".repeat(300 * 1024) });
    const big = await post(huge);
    expect(big.status).toBe(413);
    expect(big.json().reason).toBe("body: larger than 262144 bytes");
    const d = chatwootDelivery(messageCreatedPayload(), { secret: SECRET });
    const text = await h.send({
      url: URL_,
      headers: { ...d.headers, "content-type": "text/plain" },
      body: d.body,
    });
    expect(text.status).toBe(415);
    const form = await h.send({
      url: URL_,
      headers: { ...d.headers, "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(form.status).toBe(415);
    const charset = await h.send({
      url: URL_,
      headers: { ...d.headers, "content-type": "application/json; charset=utf-8" },
      body: d.body,
    });
    expect(charset.status).toBe(200);
  });

  it("ignores what is not work, with the reason, and queues nothing", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        messageCreatedPayload({ messageType: "outgoing", senderType: "agent_bot" }),
        /"outgoing" message, not incoming/,
      ],
      [
        messageCreatedPayload({ messageType: "outgoing", senderType: "user" }),
        /"outgoing" message, not incoming/,
      ],
      [
        messageCreatedPayload({ messageType: "template", senderType: "agent_bot" }),
        /"template" message, not incoming/,
      ],
      [messageCreatedPayload({ messageType: "outgoing", senderType: "user", private: true }), /private note/],
      [messageCreatedPayload({ messageType: "incoming", senderType: "user" }), /sender is "user"/],
      [messageCreatedPayload({ messageType: "incoming", senderType: "agent_bot" }), /sender is "agent_bot"/],
      [messageCreatedPayload({ content: "   " }), /no text and no attachment/],
      [messageCreatedPayload({ content: null }), /no text and no attachment/],
      [messageCreatedPayload({ conversationStatus: "open" }), /a person has it/],
      [conversationEventPayload("conversation_status_changed"), /conversation_status_changed/],
      [{ ...messageCreatedPayload(), event: "message_updated" }, /"message_updated" is not a new message/],
    ];
    const assigned = messageCreatedPayload();
    (assigned.conversation as { meta: Record<string, unknown> }).meta.assignee = { id: 5, name: "Laura" };
    cases.push([assigned, /human assignee/]);
    for (const [payload, reason] of cases) {
      const res = await post(payload);
      expect(res.status, String(reason)).toBe(200);
      expect(res.json().status).toBe("ignored");
      expect(res.json().reason).toMatch(reason);
    }
    await h.drained();
    expect(h.turns).toHaveLength(0);
  });

  it("queues a message that is only an attachment, and one in a pending or resolved conversation", async () => {
    const audio = await post(
      messageCreatedPayload({
        messageId: 10,
        content: null,
        attachments: [
          { file_type: "audio", data_url: "https://chatwoot.example/audio.ogg", extension: "ogg" },
        ],
      }),
    );
    expect(audio.json().status).toBe("queued");
    const resolved = await post(messageCreatedPayload({ messageId: 11, conversationStatus: "resolved" }));
    expect(resolved.json().status).toBe("queued");
    await h.drained();
    expect(h.turns.map((t) => t.messageId)).toEqual([10, 11]);
    expect(h.turns[0]?.text).toBe("");
    expect(h.turns[0]?.attachments).toEqual([
      { fileType: "audio", dataUrl: "https://chatwoot.example/audio.ogg", extension: "ogg" },
    ]);
  });

  it("a contact without a phone number is contact:<id>", async () => {
    const payload = messageCreatedPayload({ messageId: 12 });
    (payload.sender as Record<string, unknown>).phone_number = null;
    expect((await post(payload)).json().status).toBe("queued");
    await h.drained();
    expect(h.turns[0]?.userId).toBe("contact:77");
  });

  it("a duplicate delivery is acknowledged and enqueued once", async () => {
    const payload = messageCreatedPayload({ messageId: 777 });
    const deliveryId = randomUUID();
    const first = await post(payload, { secret: SECRET, deliveryId });
    const retry = await post(payload, { secret: SECRET, deliveryId });
    const sameMessageOtherDelivery = await post(payload, { secret: SECRET });
    expect(first.json()).toEqual({ status: "queued", key: "benova:42:777" });
    expect(retry.json()).toEqual({ status: "duplicate", key: "benova:42:777" });
    expect(sameMessageOtherDelivery.json().status).toBe("duplicate");
    await h.drained();
    expect(h.turns.map((t) => t.messageId)).toEqual([777]);
  });

  it("routes by account id and by path; unknown tenants and accounts are 404", async () => {
    const sur = messageCreatedPayload({ accountId: 7, messageId: 20, conversationId: 3 });
    const byAccount = await post(sur, { secret: SUR_SECRET });
    expect(byAccount.json()).toEqual({ status: "queued", key: "clinica-sur:3:20" });
    const byPath = await post(
      messageCreatedPayload({ accountId: 7, messageId: 21, conversationId: 3 }),
      { secret: SUR_SECRET },
      `${URL_}/clinica-sur`,
    );
    expect(byPath.json()).toEqual({ status: "queued", key: "clinica-sur:3:21" });
    const otherSecret = await post(messageCreatedPayload({ accountId: 7, messageId: 22 }), {
      secret: SECRET,
    });
    expect(otherSecret.status).toBe(401);
    const unknownAccount = await post(messageCreatedPayload({ accountId: 99 }));
    expect(unknownAccount.status).toBe(404);
    expect(unknownAccount.json().reason).toBe("no tenant for Chatwoot account 99");
    const unknownPath = await post(messageCreatedPayload(), { secret: SECRET }, `${URL_}/nadie`);
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.json().reason).toBe('unknown tenant "nadie"');
    const wrongAccount = await post(
      messageCreatedPayload({ accountId: 7 }),
      { secret: SECRET },
      `${URL_}/benova`,
    );
    expect(wrongAccount.status).toBe(404);
    await h.drained();
    expect(h.turns.map((t) => [t.companyId, t.accountId, t.messageId])).toEqual([
      ["clinica-sur", 7, 20],
      ["clinica-sur", 7, 21],
    ]);
  });

  it("answers 503 with Retry-After when the queue does not take the turn", async () => {
    await h.queue.close();
    const res = await post(messageCreatedPayload({ messageId: 30 }));
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.json()).toEqual({ status: "unavailable", reason: "queue unavailable, retry later" });
  });

  it("logs tenant, conversation and message ids, never the secret or the signature", async () => {
    const d = chatwootDelivery(messageCreatedPayload({ messageId: 40, conversationId: 8 }), {
      secret: SECRET,
    });
    await h.send({ url: URL_, headers: d.headers, body: d.body });
    await post(messageCreatedPayload(), { secret: "wrong-secret-value-123" });
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "webhook queued",
        companyId: "benova",
        conversationId: 8,
        messageId: 40,
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: "webhook rejected", status: 401 }));
    const all = h.logs.join("\n");
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(SUR_SECRET);
    expect(all).not.toContain(d.headers["x-chatwoot-signature"]?.slice(7));
  });
});

describe("webhook settings", () => {
  let h: WebhookHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("without a secret accepts unsigned deliveries and says once that verification is off", async () => {
    h = await startWebhookHarness("inject", { CHATWOOT_WEBHOOK_SECRET: undefined, TENANTS_FILE: undefined });
    const d = chatwootDelivery(messageCreatedPayload({ accountId: 12345 }), {});
    const res = await h.send({ url: URL_, headers: d.headers, body: d.body });
    expect(res.json()).toEqual({ status: "queued", key: "benova:42:5001" });
    const off = h.logs.filter((l) => l.includes("signature verification is off"));
    expect(off).toHaveLength(1);
  });

  it("limits each tenant's rate separately; refused deliveries do not count", async () => {
    h = await startWebhookHarness("inject", { WEBHOOK_RATE_LIMIT_PER_MINUTE: "3" });
    const harness = h;
    const send = (accountId: number, secret: string, messageId: number) => {
      const d = chatwootDelivery(messageCreatedPayload({ accountId, messageId }), { secret });
      return harness.send({ url: URL_, headers: d.headers, body: d.body });
    };
    for (let i = 0; i < 5; i++) expect((await send(1, "bad-secret-xxxxxxxx", 100 + i)).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(1, SECRET, 200 + i)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await send(7, SUR_SECRET, 300);
    expect(other.status).toBe(200);
    expect(other.headers["x-ratelimit-remaining"]).toBeUndefined();
    const limited = await send(1, SECRET, 205);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect(limited.json().status).toBe("rejected");
  });

  it("honours WEBHOOK_MAX_BODY_BYTES and WEBHOOK_MAX_SKEW_SECONDS", async () => {
    h = await startWebhookHarness("inject", {
      WEBHOOK_MAX_BODY_BYTES: "4096",
      WEBHOOK_MAX_SKEW_SECONDS: "10",
    });
    const big = chatwootDelivery(messageCreatedPayload({ content: "y".repeat(5000) }), { secret: SECRET });
    expect((await h.send({ url: URL_, headers: big.headers, body: big.body })).status).toBe(413);
    const old = chatwootDelivery(messageCreatedPayload(), { secret: SECRET, timestamp: now() - 30 });
    const res = await h.send({ url: URL_, headers: old.headers, body: old.body });
    expect(res.status).toBe(401);
    expect(res.json().reason).toMatch(/older than 10 s/);
  });
});
