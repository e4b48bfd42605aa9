import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { EmailService, RedisEmailDedupStore } from "../../src/services/email/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

describe("EmailService idempotency keys", () => {
  const smtp = new SmtpStandIn();
  const redis = testRedis();
  const prefix = uniquePrefix("email");
  const services: EmailService[] = [];
  const service = (deps: ConstructorParameters<typeof EmailService>[1] = {}, companyId = "benova") => {
    const s = new EmailService(
      {
        companyId,
        fromEmail: "citas@benova.example",
        smtpHost: smtp.host,
        smtpPort: smtp.port,
        useTls: false,
        maxRetries: 1,
        retryDelay: 0.01,
      },
      deps,
    );
    services.push(s);
    return s;
  };
  const mail = { toEmail: "ana@example.com", subject: "Cita confirmada", bodyHtml: "<p>Hola Ana</p>" };

  beforeAll(async () => {
    await smtp.start();
  });
  afterEach(async () => {
    smtp.reset();
    await Promise.all(services.splice(0).map((s) => s.close()));
    await deleteByPrefix(redis, prefix);
  });
  afterAll(async () => {
    await smtp.close();
    redis.disconnect();
  });

  it("does not send a second time for a key already sent, and returns the first send's message id", async () => {
    const s = service();
    const first = await s.sendEmail({ ...mail, idempotencyKey: "booking:1:confirmation" });
    const second = await s.sendEmail({ ...mail, idempotencyKey: "booking:1:confirmation" });
    expect(first).toMatchObject({ success: true, attempts: 1 });
    expect(second).toMatchObject({
      success: true,
      provider: "smtp",
      messageId: first.messageId,
      attempts: 0,
      deduplicated: true,
    });
    expect(smtp.messages).toHaveLength(1);
    const other = await s.sendEmail({ ...mail, idempotencyKey: "booking:2:confirmation" });
    expect(other.success).toBe(true);
    expect(other.messageId).not.toBe(first.messageId);
    expect(smtp.messages).toHaveLength(2);
  });

  it("sends once when the same key is sent concurrently", async () => {
    const s = service();
    const results = await Promise.all(
      [1, 2, 3].map(() => s.sendEmail({ ...mail, idempotencyKey: "booking:3:confirmation" })),
    );
    expect(results.every((r) => r.success)).toBe(true);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(smtp.messages).toHaveLength(1);
  });

  it("lets a key whose send failed be sent later", async () => {
    const s = service();
    smtp.failNext(1, { responseCode: 550 });
    const failed = await s.sendEmail({ ...mail, idempotencyKey: "booking:4:confirmation" });
    const retried = await s.sendEmail({ ...mail, idempotencyKey: "booking:4:confirmation" });
    expect(failed.success).toBe(false);
    expect(retried).toMatchObject({ success: true, attempts: 1 });
    expect(retried.deduplicated).toBeUndefined();
    expect(smtp.messages).toHaveLength(1);
  });

  it("derives the Message-ID and X-Idempotency-Key header from the key, the same in every process", async () => {
    await service().sendEmail({ ...mail, idempotencyKey: "booking:5:confirmation" });
    await service().sendEmail({ ...mail, idempotencyKey: "booking:5:confirmation" });
    await service({}, "otra").sendEmail({ ...mail, idempotencyKey: "booking:5:confirmation" });
    const [a, b, c] = smtp.messages.map((m) => m.parsed);
    expect(a?.messageId).toMatch(/^<[0-9a-f]{32}@benova\.example>$/);
    expect(b?.messageId).toBe(a?.messageId);
    expect(b?.headers.get("x-idempotency-key")).toBe(a?.headers.get("x-idempotency-key"));
    // Another tenant's key space is separate.
    expect(c?.messageId).not.toBe(a?.messageId);
  });

  it("with a Redis dedup store, a new instance (another process, a restart) does not send a key again", async () => {
    const store = new RedisEmailDedupStore({ redis, companyId: "benova", prefix });
    const first = await service({ dedupStore: store }).sendEmail({
      ...mail,
      idempotencyKey: "booking:6:confirmation",
    });
    const again = await service({ dedupStore: store }).sendEmail({
      ...mail,
      idempotencyKey: "booking:6:confirmation",
    });
    expect(first.success).toBe(true);
    expect(again).toMatchObject({
      success: true,
      deduplicated: true,
      messageId: first.messageId,
      provider: "smtp",
      attempts: 0,
    });
    expect(smtp.messages).toHaveLength(1);
    const key = store.keyFor("booking:6:confirmation");
    expect(key).toBe(`${prefix}:{benova}:email:sent:booking:6:confirmation`);
    expect(JSON.parse((await redis.get(key)) ?? "{}")).toEqual({
      provider: "smtp",
      messageId: first.messageId,
    });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(6 * 24 * 3600 * 1000);
  });

  it("keeps tenants apart in the shared store", async () => {
    const benova = new RedisEmailDedupStore({ redis, companyId: "benova", prefix });
    const otra = new RedisEmailDedupStore({ redis, companyId: "otra", prefix });
    await service({ dedupStore: benova }).sendEmail({ ...mail, idempotencyKey: "booking:7:confirmation" });
    const res = await service({ dedupStore: otra }, "otra").sendEmail({
      ...mail,
      idempotencyKey: "booking:7:confirmation",
    });
    expect(res.deduplicated).toBeUndefined();
    expect(smtp.messages).toHaveLength(2);
  });

  it("answers IN_PROGRESS (retriable) while another process holds the key, and that process's result once it is stored", async () => {
    const store = new RedisEmailDedupStore({ redis, companyId: "benova", prefix });
    expect(await store.claim("booking:9:confirmation", "other-worker", 60_000)).toMatchObject({
      status: "claimed",
    });
    const s = service({ dedupStore: store, claimWaitMs: 150 });
    const busy = await s.sendEmail({ ...mail, idempotencyKey: "booking:9:confirmation" });
    expect(busy).toMatchObject({ success: false, errorCode: "IN_PROGRESS", retriable: true, attempts: 0 });
    expect(busy.error).toMatch(/another process is sending this email/);
    // The other process finishes while this one waits: its result is returned, nothing is sent.
    const waiting = service({ dedupStore: store, claimWaitMs: 5_000 }).sendEmail({
      ...mail,
      idempotencyKey: "booking:9:confirmation",
    });
    await new Promise((r) => setTimeout(r, 100));
    const record = JSON.stringify({ provider: "smtp", messageId: "<other@benova.example>" });
    expect(await store.complete("booking:9:confirmation", "other-worker", record)).toBe(true);
    expect(await waiting).toMatchObject({
      success: true,
      deduplicated: true,
      messageId: "<other@benova.example>",
    });
    expect(smtp.dataAttempts).toBe(0);
  });

  it("passes IN_PROGRESS through the executor as a retriable tool error code", async () => {
    const store = new RedisEmailDedupStore({ redis, companyId: "benova", prefix });
    await store.claim("booking:10:confirmation", "other-worker", 60_000);
    const executor = new ToolExecutor({
      companyId: "benova",
      auditManager: new AuditManager({
        companyId: "benova",
        store: new RedisAuditStore({ redis, prefix }),
        sealIntervalMs: 0,
      }),
      retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 10 },
    });
    executor.setEmailService(service({ dedupStore: store, claimWaitMs: 100 }));
    const res = await executor.executeTool({
      toolName: "send_email",
      parameters: { to_email: "ana@example.com", subject: "Cita", body_html: "<p>Hola</p>" },
      idempotencyKey: "booking:10:confirmation",
    });
    // Retriable: the executor tried twice, and both times the other process still held the key.
    expect(res).toMatchObject({ success: false, errorCode: "IN_PROGRESS", attempts: 2 });
    expect(smtp.dataAttempts).toBe(0);
  });

  it("sends nothing when the dedup store cannot be read (it cannot know whether the key was sent)", async () => {
    const offline = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    try {
      const store = new RedisEmailDedupStore({ redis: offline, companyId: "benova", prefix });
      const res = await service({ dedupStore: store }).sendEmail({
        ...mail,
        idempotencyKey: "booking:8:confirmation",
      });
      expect(res).toMatchObject({ success: false, attempts: 0, errorCode: "EMAIL_DEDUP_UNAVAILABLE" });
      expect(res.error).toContain("retry later");
      expect(smtp.dataAttempts).toBe(0);
    } finally {
      offline.disconnect();
    }
  });
});
