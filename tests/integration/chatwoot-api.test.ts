import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ChatwootApiError,
  ChatwootApiService,
  ChatwootInputError,
  MemoryChatwootDedupStore,
} from "../../src/services/chatwoot/index.js";
import { isTransientError, retry } from "../../src/util/retry.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";

let chatwoot: ChatwootStandIn;
let baseUrl: string;
let service: ChatwootApiService;

beforeEach(async () => {
  chatwoot = new ChatwootStandIn({ accountIds: [1, 2] });
  baseUrl = await chatwoot.start();
  chatwoot.addConversation({ id: 42, labels: ["vip"] });
  service = new ChatwootApiService({ baseUrl, apiToken: chatwoot.apiToken, accountId: 1, timeoutMs: 2_000 });
});

afterEach(async () => {
  await chatwoot.close();
});

async function failure(p: Promise<unknown>): Promise<ChatwootApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChatwootApiError);
  return err as ChatwootApiError;
}

describe("ChatwootApiService against a Chatwoot stand-in", () => {
  it("posts an outgoing reply with the access token header and the documented body", async () => {
    const sent = await service.sendMessage({ conversationId: 42, content: "Su cita está confirmada" });

    const stored = chatwoot.messages(42);
    expect(stored).toHaveLength(1);
    expect(sent).toEqual({ message_id: stored[0]?.id, conversation_id: 42 });
    expect(stored[0]).toMatchObject({ content: "Su cita está confirmada", message_type: 1, private: false });
    const req = chatwoot.requests.at(-1)!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/api/v1/accounts/1/conversations/42/messages");
    expect(req.headers.api_access_token).toBe(chatwoot.apiToken);
    expect(req.headers["content-type"]).toContain("application/json");
    expect(req.body).toEqual({
      content: "Su cita está confirmada",
      message_type: "outgoing",
      private: false,
    });
  });

  it("sends a private note only agents see", async () => {
    await service.sendMessage({
      conversationId: 42,
      content: "Cliente pide hablar con recepción",
      private: true,
    });
    expect(chatwoot.messages(42)[0]).toMatchObject({
      private: true,
      content: "Cliente pide hablar con recepción",
    });
  });

  it("forwards WhatsApp template params for messages outside the 24-hour window", async () => {
    const templateParams = {
      name: "appointment_reminder",
      category: "UTILITY",
      language: "es",
      processed_params: { body: { "1": "Ana", "2": "martes 10:00" } },
    };
    await service.sendMessage({
      conversationId: 42,
      content: "Hola Ana, le recordamos su cita",
      templateParams,
    });
    expect(chatwoot.messages(42)[0]?.template_params).toEqual(templateParams);
    expect(chatwoot.requests.at(-1)?.body).toMatchObject({ template_params: templateParams });
  });

  it("refuses an empty message before calling Chatwoot", async () => {
    await expect(service.sendMessage({ conversationId: 42, content: "  " })).rejects.toBeInstanceOf(
      ChatwootInputError,
    );
    await expect(service.sendMessage({ conversationId: -1, content: "hola" })).rejects.toThrow(
      /conversationId/,
    );
    expect(chatwoot.requests).toHaveLength(0);
  });

  it("adds labels without dropping the ones the conversation already has", async () => {
    const result = await service.addLabels(42, ["ticket", "priority-high", "vip"]);
    expect(result.labels).toEqual(["vip", "ticket", "priority-high"]);
    expect(chatwoot.conversation(42)?.labels).toEqual(["vip", "ticket", "priority-high"]);
    expect(chatwoot.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/v1/accounts/1/conversations/42/labels",
      "POST /api/v1/accounts/1/conversations/42/labels",
    ]);
  });

  it("hands the conversation to a human by opening it", async () => {
    expect(await service.toggleStatus(42, "open")).toEqual({ status: "open" });
    expect(chatwoot.conversation(42)?.status).toBe("open");
    expect(chatwoot.requests.at(-1)?.body).toEqual({ status: "open" });
    await service.toggleStatus(42, "resolved");
    expect(chatwoot.conversation(42)?.status).toBe("resolved");
  });

  it("reports a rejected token as final, without the token in the message", async () => {
    const wrong = "wrong-token-5f2c9e1d7a";
    const bad = new ChatwootApiService({ baseUrl, apiToken: wrong, accountId: 1 });
    const err = await failure(bad.sendMessage({ conversationId: 42, content: "hola" }));
    expect(err).toMatchObject({ status: 401, code: "UNAUTHORIZED", retriable: false });
    expect(err.message).toMatch(/CHATWOOT_API_TOKEN/);
    expect(err.message).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
    expect(chatwoot.messages(42)).toHaveLength(0);
  });

  it("marks 5xx and 429 as retriable, so a retry delivers the message exactly once", async () => {
    chatwoot.failNext(1, 503);
    const err = await failure(service.sendMessage({ conversationId: 42, content: "hola" }));
    expect(err).toMatchObject({ status: 503, code: "SERVER_ERROR", retriable: true });
    chatwoot.failNext(1, 429);
    expect(await failure(service.toggleStatus(42, "open"))).toMatchObject({
      code: "RATE_LIMITED",
      retriable: true,
    });

    chatwoot.failNext(2, 502);
    const policy = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5, jitter: 0 };
    const { attempts } = await retry(
      policy,
      () => service.sendMessage({ conversationId: 42, content: "reintento", idempotencyKey: "k-retry" }),
      isTransientError,
    );
    expect(attempts).toBe(3);
    expect(chatwoot.messages(42).map((m) => m.content)).toEqual(["reintento"]);
  });

  it("says clearly that an unknown conversation does not exist, and does not retry it", async () => {
    const err = await failure(service.sendMessage({ conversationId: 999, content: "hola" }));
    expect(err).toMatchObject({ status: 404, code: "NOT_FOUND", retriable: false });
    expect(err.message).toMatch(/conversation 999 does not exist/);
    expect(isTransientError(err)).toBe(false);
  });

  it("refuses an account the token does not belong to", async () => {
    const other = new ChatwootApiService({ baseUrl, apiToken: chatwoot.apiToken, accountId: 7 });
    expect(await failure(other.addLabels(42, ["x"]))).toMatchObject({ status: 401, retriable: false });
  });

  it("sends once per idempotency key, also concurrently and across instances sharing a dedup store", async () => {
    const dedupStore = new MemoryChatwootDedupStore();
    const a = new ChatwootApiService({ baseUrl, apiToken: chatwoot.apiToken, accountId: 1, dedupStore });
    const input = { conversationId: 42, content: "Confirmada", idempotencyKey: "benova:thread-1:notify" };
    const [first, second] = await Promise.all([a.sendMessage(input), a.sendMessage(input)]);
    expect(second).toEqual(first);
    const b = new ChatwootApiService({ baseUrl, apiToken: chatwoot.apiToken, accountId: 1, dedupStore });
    expect(await b.sendMessage(input)).toEqual(first);
    expect(chatwoot.messages(42)).toHaveLength(1);
    await a.sendMessage({ ...input, idempotencyKey: "benova:thread-1:other" });
    expect(chatwoot.messages(42)).toHaveLength(2);
  });

  it("answers IN_PROGRESS (retriable) while another sender holds the key, and its message once stored", async () => {
    const dedupStore = new MemoryChatwootDedupStore();
    const input = { conversationId: 42, content: "Confirmada", idempotencyKey: "benova:thread-2:notify" };
    expect(await dedupStore.claim("1:benova:thread-2:notify", "other-worker", 60_000)).toMatchObject({
      status: "claimed",
    });
    const options = { baseUrl, apiToken: chatwoot.apiToken, accountId: 1, dedupStore };
    const busy = await failure(new ChatwootApiService({ ...options, claimWaitMs: 100 }).sendMessage(input));
    expect(busy).toMatchObject({ code: "IN_PROGRESS", retriable: true });
    expect(isTransientError(busy)).toBe(true);
    const waiting = new ChatwootApiService({ ...options, claimWaitMs: 5_000 }).sendMessage(input);
    await new Promise((r) => setTimeout(r, 100));
    const theirs = { message_id: 555, conversation_id: 42 };
    await dedupStore.complete("1:benova:thread-2:notify", "other-worker", JSON.stringify(theirs));
    expect(await waiting).toEqual(theirs);
    expect(chatwoot.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("marks a keyed message with a digest of its key, and reconciles an unknown outcome from the conversation", async () => {
    const dedupStore = new MemoryChatwootDedupStore();
    const options = { baseUrl, apiToken: chatwoot.apiToken, accountId: 1, dedupStore };
    const input = { conversationId: 42, content: "hola", idempotencyKey: "benova:thread-3:notify" };
    // Chatwoot stores the message but the answer is lost (it comes after the client gave up).
    chatwoot.delayNext(1, 400);
    await failure(new ChatwootApiService({ ...options, timeoutMs: 100 }).sendMessage(input));
    await new Promise((r) => setTimeout(r, 500));
    expect(chatwoot.messages(42)).toHaveLength(1);
    const stored = chatwoot.messages(42)[0];
    expect(stored?.content_attributes.agent_ledger_send).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(stored)).not.toContain("thread-3");
    // The retry asks Chatwoot first, finds the message and posts nothing.
    const again = await new ChatwootApiService(options).sendMessage(input);
    expect(again).toEqual({ message_id: stored?.id, conversation_id: 42 });
    expect(chatwoot.messages(42)).toHaveLength(1);
  });

  it("does not remember a key whose send failed, so the retry sends", async () => {
    chatwoot.failNext(1, 500);
    const input = { conversationId: 42, content: "hola", idempotencyKey: "k-fail" };
    await failure(service.sendMessage(input));
    await service.sendMessage(input);
    expect(chatwoot.messages(42)).toHaveLength(1);
  });

  it("times out a hanging Chatwoot and reports it as retriable", async () => {
    const slow = new ChatwootApiService({
      baseUrl,
      apiToken: chatwoot.apiToken,
      accountId: 1,
      timeoutMs: 100,
    });
    chatwoot.delayNext(1, 400);
    const err = await failure(slow.toggleStatus(42, "open"));
    expect(err).toMatchObject({ code: "TIMEOUT", retriable: true });
  });

  it("reports an unreachable Chatwoot as a retriable network error", async () => {
    await chatwoot.close();
    const err = await failure(service.sendMessage({ conversationId: 42, content: "hola" }));
    expect(err).toMatchObject({ status: 0, code: "NETWORK_ERROR", retriable: true });
    expect(err.message).toMatch(/CHATWOOT_BASE_URL/);
  });

  it("rejects bad settings at construction with the field named", () => {
    expect(() => new ChatwootApiService({ baseUrl: "ftp://x", apiToken: "t", accountId: 1 })).toThrow(
      /baseUrl/,
    );
    expect(() => new ChatwootApiService({ baseUrl, apiToken: "", accountId: 1 })).toThrow(/apiToken/);
    expect(() => new ChatwootApiService({ baseUrl, apiToken: "t", accountId: 0 })).toThrow(/accountId/);
  });
});
