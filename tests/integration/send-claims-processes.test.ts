import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisChatwootDedupStore, SqliteChatwootDedupStore } from "../../src/services/chatwoot/index.js";
import { EmailService, RedisEmailDedupStore, SqliteEmailDedupStore } from "../../src/services/email/index.js";
import type { ToolResult } from "../../src/tools/types.js";
import type { SendClaimStore } from "../../src/util/send-claims.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { SendRaceWorker } from "../support/send-race.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

/**
 * Two OS processes, each with its own App on one Redis (or one DATA_DIR of SQLite files), call the
 * same send with the same idempotency key at the same instant, as two workers picking up one
 * redelivered webhook do. Exactly one message may go out per key.
 */
const ROUNDS = 20;
const CONVERSATION = 77;

type Storage = "redis" | "sqlite";

describe.each<Storage>(["redis", "sqlite"])("send claims across processes (%s)", (storage) => {
  const smtp = new SmtpStandIn();
  const chatwoot = new ChatwootStandIn();
  const companyId = uniquePrefix("claims").replace(/[^a-z0-9-]/g, "");
  let dir: string;
  let redis: Redis | null = null;
  let workers: SendRaceWorker[] = [];
  const closers: (() => unknown)[] = [];

  const env = (): Record<string, string> => ({
    DATA_DIR: dir,
    COMPANY_ID: companyId,
    LOG_LEVEL: "silent",
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    CHATWOOT_BASE_URL: chatwootUrl,
    CHATWOOT_API_TOKEN: chatwoot.apiToken,
    CHATWOOT_ACCOUNT_ID: "1",
    ...(storage === "redis" ? { REDIS_URL: inject("redisUrl") } : {}),
  });
  let chatwootUrl = "";

  /** The stores the workers' Apps use, opened here too, to leave a dead sender's claim behind. */
  const emailStore = (): SendClaimStore => {
    const store = redis
      ? new RedisEmailDedupStore({ redis, companyId })
      : new SqliteEmailDedupStore({ companyId, path: join(dir, "email-sent.db") });
    if (store instanceof SqliteEmailDedupStore) closers.push(() => store.close());
    return store;
  };
  const whatsappStore = (): SendClaimStore => {
    const store = redis
      ? new RedisChatwootDedupStore({ redis, companyId })
      : new SqliteChatwootDedupStore({ companyId, path: join(dir, "chatwoot-sent.db") });
    if (store instanceof SqliteChatwootDedupStore) closers.push(() => store.close());
    return store;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `send-claims-${storage}-`));
    if (storage === "redis") redis = testRedis();
    await smtp.start();
    chatwootUrl = await chatwoot.start();
    chatwoot.addConversation({ id: CONVERSATION });
    workers = [new SendRaceWorker(env()), new SendRaceWorker(env())];
    await Promise.all(workers.map((w) => w.ready));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    for (const close of closers) await close();
    await smtp.close();
    await chatwoot.close();
    if (redis) {
      await deleteByPrefix(redis, `agent-ledger:{${companyId}}`);
      await deleteByPrefix(redis, `al:{${companyId}}`);
      redis.disconnect();
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Both workers run `input` at the same instant. */
  const race = (input: Parameters<SendRaceWorker["tool"]>[0]) => {
    const at = Date.now() + 50;
    return Promise.all(workers.map((w) => w.tool(input, at)));
  };

  /** How the callers' calls ended, per test: printed for the record. */
  const outcomes: Record<string, number> = {};
  const count = (r: ToolResult) => {
    const data = (r.data ?? {}) as { deduplicated?: boolean };
    const how = !r.success
      ? (r.errorCode ?? "failed")
      : r.replayed
        ? "replayed by the executor"
        : r.attempts !== undefined && r.attempts > 1
          ? "succeeded on retry"
          : data.deduplicated
            ? "got the other's result"
            : "success";
    outcomes[how] = (outcomes[how] ?? 0) + 1;
  };

  /** Every caller succeeded with the one message's id, or was told the send is in progress. */
  const expectOneOutcome = (results: ToolResult[], idOf: (data: unknown) => unknown, sentId: unknown) => {
    results.forEach(count);
    const ok = results.filter((r) => r.success);
    expect(ok.length, JSON.stringify(results)).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      if (r.success) expect(idOf(r.data)).toEqual(sentId);
      else expect(r.errorCode, r.error ?? "").toBe("IN_PROGRESS");
    }
  };

  it(`send_email: ${ROUNDS} rounds of two processes with one key send exactly one email per round`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const subject = `Cita confirmada ${round}`;
      const results = await race({
        toolName: "send_email",
        parameters: { to_email: "ana@example.com", subject, body_html: "<p>Hola Ana</p>" },
        idempotencyKey: `${companyId}:booking-${round}:confirmation`,
        agentName: "notifier",
      });
      const received = smtp.messages.filter((m) => m.parsed.subject === subject);
      expect(received, `round ${round}`).toHaveLength(1);
      expectOneOutcome(results, (d) => (d as { messageId: string }).messageId, received[0]?.parsed.messageId);
    }
    console.info(`send_email race (${storage}):`, JSON.stringify(outcomes));
    for (const k of Object.keys(outcomes)) delete outcomes[k];
  }, 180_000);

  it(`send_whatsapp: ${ROUNDS} rounds of two processes with one key post exactly one message per round`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const text = `Recordatorio de su cita ${round}`;
      const results = await race({
        toolName: "send_whatsapp",
        parameters: { conversation_id: CONVERSATION, message: text },
        idempotencyKey: `${companyId}:reminder-${round}`,
        agentName: "notifier",
      });
      const posted = chatwoot.messages(CONVERSATION).filter((m) => m.content === text);
      expect(posted, `round ${round}`).toHaveLength(1);
      expectOneOutcome(results, (d) => (d as { message_id: number }).message_id, posted[0]?.id);
    }
    console.info(`send_whatsapp race (${storage}):`, JSON.stringify(outcomes));
    for (const k of Object.keys(outcomes)) delete outcomes[k];
  }, 180_000);

  it("send_whatsapp after its sender died having posted: the next call finds the message and posts nothing", async () => {
    const [dying, next] = workers as [SendRaceWorker, SendRaceWorker];
    const text = "Su cita queda anulada";
    const key = `${companyId}:cancel-1`;
    // Chatwoot takes its time answering; the sender dies while it waits, before it can record the send.
    chatwoot.delayNext(1, 1500);
    const posts = () => chatwoot.requests.filter((r) => r.method === "POST" && r.path.endsWith("/messages"));
    const before = posts().length;
    void dying
      .whatsapp({ conversationId: CONVERSATION, content: text, idempotencyKey: key }, 300)
      .catch(() => undefined);
    await until(() => posts().length > before);
    dying.kill();
    await dying.exited;
    await until(() => chatwoot.messages(CONVERSATION).some((m) => m.content === text));
    await new Promise((r) => setTimeout(r, 400)); // the dead sender's lease runs out
    const lists = chatwoot.requests.filter((r) => r.method === "GET").length;

    const result = await next.tool(
      {
        toolName: "send_whatsapp",
        parameters: { conversation_id: CONVERSATION, message: text },
        idempotencyKey: key,
      },
      Date.now(),
    );
    const posted = chatwoot.messages(CONVERSATION).filter((m) => m.content === text);
    expect(posted).toHaveLength(1);
    expect(result).toMatchObject({ success: true, data: { message_id: posted[0]?.id } });
    expect(chatwoot.requests.filter((r) => r.method === "GET").length).toBeGreaterThan(lists);
    expect(posts().length).toBe(before + 1);
    workers[0] = new SendRaceWorker(env());
    await workers[0].ready;
  }, 60_000);

  it("send_whatsapp after its sender died before posting: the next call posts it once", async () => {
    const text = "Le esperamos mañana a las 10:00";
    const key = `${companyId}:reminder-dead`;
    const store = whatsappStore();
    expect(await store.claim(`1:${key}`, "dead-worker", 1)).toEqual({ status: "claimed", takeover: false });
    await new Promise((r) => setTimeout(r, 20));
    const input = {
      toolName: "send_whatsapp",
      parameters: { conversation_id: CONVERSATION, message: text },
      idempotencyKey: key,
    };
    const first = await (workers[1] as SendRaceWorker).tool(input, Date.now());
    const posted = chatwoot.messages(CONVERSATION).filter((m) => m.content === text);
    expect(posted).toHaveLength(1);
    expect(first).toMatchObject({ success: true, data: { message_id: posted[0]?.id } });
    // Recorded now: the other process gets the same message and posts nothing.
    const again = await (workers[0] as SendRaceWorker).tool(input, Date.now());
    expect(again).toMatchObject({ success: true, data: { message_id: posted[0]?.id } });
    expect(chatwoot.messages(CONVERSATION).filter((m) => m.content === text)).toHaveLength(1);
  }, 60_000);

  it("send_email after its sender died: sent again with the same Message-ID, recorded as a re-send", async () => {
    const key = `${companyId}:booking-dead:confirmation`;
    const subject = "Recordatorio de cita";
    const store = emailStore();
    expect(await store.claim(key, "dead-worker", 1)).toMatchObject({ status: "claimed" });
    // What the dead sender got out before it died: the same email, sent with the same key.
    const first = new EmailService({ companyId, smtpHost: smtp.host, smtpPort: smtp.port, useTls: false });
    closers.push(() => first.close());
    await first.sendEmail({
      toEmail: "ana@example.com",
      subject,
      bodyHtml: "<p>Hola</p>",
      idempotencyKey: key,
    });
    const input = {
      toolName: "send_email",
      parameters: { to_email: "ana@example.com", subject, body_html: "<p>Hola</p>" },
      idempotencyKey: key,
    };
    const resent = await (workers[0] as SendRaceWorker).tool(input, Date.now());
    const received = smtp.messages.filter((m) => m.parsed.subject === subject);
    expect(received).toHaveLength(2);
    expect(received[1]?.parsed.messageId).toBe(received[0]?.parsed.messageId);
    expect(received[1]?.parsed.headers.get("x-idempotency-key")).toBe(
      received[0]?.parsed.headers.get("x-idempotency-key"),
    );
    expect(resent).toMatchObject({
      success: true,
      data: { messageId: received[0]?.parsed.messageId, resentAfterExpiredClaim: true },
    });
    // The re-send is recorded: the other process sends nothing and sees the flag.
    const later = await (workers[1] as SendRaceWorker).tool(input, Date.now());
    expect(later).toMatchObject({
      success: true,
      data: { messageId: received[0]?.parsed.messageId, resentAfterExpiredClaim: true },
    });
    expect(smtp.messages.filter((m) => m.parsed.subject === subject)).toHaveLength(2);
  }, 60_000);
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
