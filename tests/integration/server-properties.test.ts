import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncomingTurn } from "../../src/server/queue/types.js";
import { messageCreatedPayload, signWebhook } from "../support/chatwoot-webhook.js";
import { SECRET, SUR_SECRET, startWebhookHarness, type WebhookHarness } from "../support/webhook-harness.js";

/**
 * Thousands of generated deliveries (valid, mutated, random JSON, random bytes) with every kind of
 * header (signature valid, wrong or missing; timestamps in and out of the skew; other content
 * types; unknown tenants): the server never answers 5xx, and every turn it queues is an incoming,
 * non-private contact message with content, in a conversation nobody has, correctly signed for its
 * tenant.
 */

type Json = Record<string, unknown>;
const SECRETS: Record<string, string> = { benova: SECRET, "clinica-sur": SUR_SECRET };
const ACCOUNTS: Record<number, string> = { 1: "benova", 7: "clinica-sur" };
const ALLOWED = new Set([200, 400, 401, 404, 413, 414, 415]);
const headerText = fc.stringMatching(/^[!-~]{0,60}$/);

/** A well-formed `message_created` body; with `work`, always an incoming contact message nobody has. */
const payloadOf = (work: boolean) =>
  fc
    .record({
      messageId: fc.integer({ min: 1, max: 2_000_000_000 }),
      conversationId: fc.integer({ min: 1, max: 50 }),
      accountId: fc.constantFrom(1, 7, 1, 7, 99),
      content: fc.option(fc.oneof(fc.string(), fc.constant("  "), fc.constant("Hola, una cita")), {
        nil: null,
      }),
      messageType: work ? fc.constant("incoming") : fc.constantFrom("incoming", "outgoing", "template"),
      private: work ? fc.constant(false) : fc.boolean(),
      senderType: work ? fc.constant("contact") : fc.constantFrom("contact", "user", "agent_bot"),
      conversationStatus: work
        ? fc.constantFrom("pending", "resolved", "snoozed")
        : fc.constantFrom("pending", "open", "resolved", "snoozed"),
      phone: fc.option(fc.stringMatching(/^\+?[0-9]{6,14}$/), { nil: undefined }),
      attachments: fc.array(
        fc.record({
          file_type: fc.constantFrom("image", "audio", "video", "file", "location"),
          data_url: fc.constantFrom("https://cw.example/f/1.ogg", "http://10.0.0.5/x.jpg", ""),
        }),
        { maxLength: 2 },
      ),
      assigned: work ? fc.constant(false) : fc.boolean(),
    })
    .map((r) => {
      const p = messageCreatedPayload({
        messageId: r.messageId,
        conversationId: r.conversationId,
        accountId: r.accountId,
        content: r.content,
        messageType: r.messageType as "incoming",
        private: r.private,
        senderType: r.senderType as "contact",
        conversationStatus: r.conversationStatus as "pending",
        contact: { phone_number: r.phone },
        attachments: r.attachments as { file_type: "image"; data_url: string }[],
      });
      if (r.assigned)
        (p.conversation as { meta: Json }).meta.assignee = { id: 5, name: "Laura", type: "user" };
      return p;
    });

const validPayload = fc.oneof(payloadOf(true), payloadOf(false));

const PATHS = [
  [],
  ["id"],
  ["event"],
  ["content"],
  ["message_type"],
  ["private"],
  ["sender"],
  ["sender", "type"],
  ["sender", "id"],
  ["sender", "phone_number"],
  ["conversation"],
  ["conversation", "id"],
  ["conversation", "status"],
  ["conversation", "meta"],
  ["conversation", "meta", "assignee"],
  ["account"],
  ["account", "id"],
  ["attachments"],
];

/** A valid payload with one field removed or replaced by any JSON value. */
const mutatedPayload = fc
  .tuple(validPayload, fc.constantFrom(...PATHS.slice(1)), fc.option(fc.jsonValue({ maxDepth: 2 })))
  .map(([payload, path, value]) => {
    const copy = structuredClone(payload) as Json;
    let node: Json = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== "object") return copy;
      node = next as Json;
    }
    const last = path[path.length - 1] as string;
    if (value === null) delete node[last];
    else node[last] = value;
    return copy;
  });

const body = fc.oneof(
  {
    weight: 4,
    arbitrary: validPayload.map((p) => ({ pristine: true, payload: p as unknown, raw: JSON.stringify(p) })),
  },
  {
    weight: 4,
    arbitrary: mutatedPayload.map((p) => ({
      pristine: false,
      payload: p as unknown,
      raw: JSON.stringify(p),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue()
      .map((v) => ({ pristine: false, payload: v as unknown, raw: JSON.stringify(v) ?? "" })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({
      pristine: false,
      payload: undefined as unknown,
      raw: Buffer.from(b) as string | Buffer,
    })),
  },
);

const anyHeaders = fc.record({
  url: fc.constantFrom(
    "/webhooks/chatwoot",
    "/webhooks/chatwoot",
    "/webhooks/chatwoot/benova",
    "/webhooks/chatwoot/clinica-sur",
    "/webhooks/chatwoot/nadie",
    "/webhooks/chatwoot/%E0%A4%A",
    `/webhooks/chatwoot/${"a".repeat(101)}`,
  ),
  /** `tenant`: the secret of the delivery's own tenant; the others may or may not be it. */
  signWith: fc.constantFrom<"tenant" | "benova" | "clinica-sur" | "other" | "none" | "garbage">(
    "tenant",
    "tenant",
    "tenant",
    "tenant",
    "benova",
    "clinica-sur",
    "other",
    "none",
    "garbage",
  ),
  skew: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -290, max: 290 }) },
    { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }) },
  ),
  timestamp: fc.constantFrom("ok", "ok", "ok", "missing", "garbage"),
  contentType: fc.constantFrom(
    "application/json",
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "none",
  ),
  delivery: fc.oneof(fc.uuid(), headerText, fc.constant(undefined)),
  garbage: headerText,
});

/** Headers of a delivery Chatwoot could have sent: signed for its tenant, in time, JSON. */
const chatwootHeaders = fc.record({
  url: fc.constantFrom("/webhooks/chatwoot", "/webhooks/chatwoot", "/webhooks/chatwoot/benova"),
  signWith: fc.constant<"tenant">("tenant"),
  skew: fc.integer({ min: -290, max: 290 }),
  timestamp: fc.constant("ok"),
  contentType: fc.constant("application/json"),
  delivery: fc.uuid() as fc.Arbitrary<string | undefined>,
  garbage: headerText,
});

const headers = fc.oneof(anyHeaders, chatwootHeaders);

interface Sent {
  payload: unknown;
  raw: string | Buffer;
  h: typeof headers extends fc.Arbitrary<infer T> ? T : never;
  ts: number;
  /** The secret the delivery was signed with, if any. */
  secret: string | null;
}

/** The tenant a delivery belongs to, or null when it has none. */
function tenantOf(s: Sent): string | null {
  const segment = s.h.url.split("/")[3];
  const account = (s.payload as { account?: { id?: unknown } } | null)?.account?.id;
  const byAccount = typeof account === "number" ? (ACCOUNTS[account] ?? null) : null;
  if (segment === undefined) return byAccount;
  return segment === byAccount ? segment : null;
}

/** Whether the delivery is work for the bot by the rules, checked independently of the server. */
function isWork(s: Sent, tenant: string): boolean {
  if (s.h.contentType === "text/plain" || s.h.contentType === "none") return false;
  if (s.h.timestamp !== "ok" || Math.abs(s.h.skew) > 300) return false;
  if (s.secret !== SECRETS[tenant]) return false;
  const p = s.payload as Json | null;
  if (p === null || typeof p !== "object" || Array.isArray(p)) return false;
  const sender = p.sender as Json | undefined;
  const conversation = p.conversation as { status?: unknown; meta?: { assignee?: unknown } } | undefined;
  const attachments = Array.isArray(p.attachments) ? (p.attachments as Json[]) : [];
  const hasText = typeof p.content === "string" && p.content.trim() !== "";
  const hasFile = attachments.some((a) => typeof a?.data_url === "string" && a.data_url !== "");
  return (
    p.event === "message_created" &&
    p.message_type === "incoming" &&
    p.private !== true &&
    sender?.type === "contact" &&
    conversation?.status !== "open" &&
    !conversation?.meta?.assignee &&
    (hasText || hasFile)
  );
}

describe("webhook properties", () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startWebhookHarness("inject", { WEBHOOK_RATE_LIMIT_PER_MINUTE: "0" });
  });
  afterAll(async () => {
    await h.close();
  });

  it("never answers 5xx and queues only valid, signed, incoming contact messages", async () => {
    const queuedBy = new Map<string, Sent>();
    let validDeliveries = 0;
    await fc.assert(
      fc.asyncProperty(body, headers, async ({ pristine, payload, raw }, hd) => {
        const ts = Math.floor(Date.now() / 1000) + hd.skew;
        const own = tenantOf({ payload, raw, h: hd, ts, secret: null });
        const secret =
          hd.signWith === "tenant"
            ? (SECRETS[own ?? "benova"] as string)
            : (SECRETS[hd.signWith] ?? (hd.signWith === "other" ? "some-other-secret-123" : null));
        const sent: Sent = { payload, raw, h: hd, ts, secret };
        const rawText = typeof raw === "string" ? raw : raw.toString("latin1");
        const head: Record<string, string> = {};
        if (hd.contentType !== "none") head["content-type"] = hd.contentType;
        if (hd.delivery !== undefined) head["x-chatwoot-delivery"] = hd.delivery;
        if (hd.timestamp === "ok") head["x-chatwoot-timestamp"] = String(ts);
        else if (hd.timestamp === "garbage") head["x-chatwoot-timestamp"] = hd.garbage;
        if (secret) head["x-chatwoot-signature"] = signWebhook(secret, rawText, ts);
        else if (hd.signWith === "garbage") head["x-chatwoot-signature"] = hd.garbage;
        const res = await h.send({ url: hd.url, headers: head, body: raw });
        expect(ALLOWED.has(res.status), `status ${res.status}: ${res.text}`).toBe(true);
        const answer = res.json();
        const tenant = tenantOf(sent);
        const work = tenant !== null && isWork(sent, tenant);
        if (answer.status === "queued" || answer.status === "duplicate") {
          expect(work, `accepted a delivery that is not work: ${rawText.slice(0, 300)}`).toBe(true);
          if (answer.status === "queued") queuedBy.set(answer.key as string, sent);
        } else if (res.status >= 400) {
          expect(answer.status).toBe("rejected");
          expect(typeof answer.reason).toBe("string");
        }
        // A generated (not mutated) delivery that is work must be taken, unless its delivery id is not one.
        if (work && pristine && /^([A-Za-z0-9._:-]{1,128})?$/.test(hd.delivery ?? "")) {
          validDeliveries++;
          expect(["queued", "duplicate"], rawText.slice(0, 200)).toContain(answer.status);
        }
      }),
      { numRuns: 2000 },
    );
    await h.drained();
    expect(validDeliveries).toBeGreaterThan(50);
    expect(queuedBy.size).toBeGreaterThan(40);
    expect(h.turns.length).toBe(queuedBy.size);
    for (const turn of h.turns)
      checkTurn(turn, queuedBy.get(`${turn.companyId}:${turn.conversationId}:${turn.messageId}`));
  });
});

function checkTurn(turn: IncomingTurn, sent: Sent | undefined): void {
  expect(sent, `turn ${turn.messageId} has no delivery that queued it`).toBeDefined();
  const p = (sent as Sent).payload as Json;
  const sender = p.sender as Json;
  expect(turn.companyId).toBe(tenantOf(sent as Sent));
  expect(turn.messageId).toBe(p.id);
  expect(turn.conversationId).toBe((p.conversation as Json).id);
  expect(turn.accountId).toBe((p.account as Json).id);
  expect(turn.text).toBe(p.content ?? "");
  const phone = typeof sender.phone_number === "string" ? sender.phone_number.trim() : "";
  expect(turn.userId).toBe(phone || `contact:${sender.id}`);
  expect(turn.text.trim() !== "" || turn.attachments.length > 0).toBe(true);
  for (const a of turn.attachments) expect(a.dataUrl).toMatch(/^https?:\/\//);
}
