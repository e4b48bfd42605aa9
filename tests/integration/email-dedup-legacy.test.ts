import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmailService, RedisEmailDedupStore } from "../../src/services/email/index.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

const DAY_MS = 86_400_000;

// Email send keys used to live under `agent-ledger:{company}:email:sent:<key>`; now under
// `al:{company}:...`. Keys written before the move must still stop a second send until they expire.
describe("RedisEmailDedupStore and keys written under the former prefix", () => {
  const smtp = new SmtpStandIn();
  const redis = testRedis();
  // The default prefixes are under test, so the tenant is what keeps this test's keys apart.
  const companyId = `legacy-${randomBytes(4).toString("hex")}`;
  const oldKey = (key: string) => `agent-ledger:{${companyId}}:email:sent:${key}`;
  const services: EmailService[] = [];
  const service = (store: RedisEmailDedupStore) => {
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
      { dedupStore: store },
    );
    services.push(s);
    return s;
  };
  const mail = { toEmail: "ana@example.com", subject: "Cita confirmada", bodyHtml: "<p>Hola Ana</p>" };
  const sentBefore = JSON.stringify({ provider: "smtp", messageId: "<first@benova.example>" });

  beforeAll(async () => {
    await smtp.start();
  });
  afterEach(async () => {
    smtp.reset();
    await Promise.all(services.splice(0).map((s) => s.close()));
    await deleteByPrefix(redis, `al:{${companyId}}:`);
    await deleteByPrefix(redis, `agent-ledger:{${companyId}}:`);
  });
  afterAll(async () => {
    await smtp.close();
    redis.disconnect();
  });

  it("does not send again a key the former version recorded, and writes new keys under al:", async () => {
    await redis.set(oldKey("booking:1:confirmation"), sentBefore, "PX", 7 * DAY_MS);
    const store = new RedisEmailDedupStore({ redis, companyId });
    const again = await service(store).sendEmail({ ...mail, idempotencyKey: "booking:1:confirmation" });
    expect(again).toMatchObject({ success: true, deduplicated: true, messageId: "<first@benova.example>" });
    expect(smtp.messages).toHaveLength(0);

    const fresh = await service(store).sendEmail({ ...mail, idempotencyKey: "booking:2:confirmation" });
    expect(fresh).toMatchObject({ success: true, attempts: 1 });
    expect(smtp.messages).toHaveLength(1);
    expect(store.keyFor("booking:2:confirmation")).toBe(
      `al:{${companyId}}:email:sent:booking:2:confirmation`,
    );
    expect(await redis.get(store.keyFor("booking:2:confirmation"))).toContain(fresh.messageId);
    expect(await redis.exists(oldKey("booking:2:confirmation"))).toBe(0);
    // The former key is only read: it keeps its value and expires with its own TTL.
    expect(await redis.get(oldKey("booking:1:confirmation"))).toBe(sentBefore);
  });

  it("waits for a send the former version has in flight, and takes over one whose sender died", async () => {
    const store = new RedisEmailDedupStore({ redis, companyId });
    await redis.set(oldKey("k-live"), `claim:${Date.now() + 60_000}:old-host/1/a`, "PX", DAY_MS);
    expect(await store.claim("k-live", "new-host/2/b", 30_000)).toEqual({
      status: "busy",
      owner: "old-host/1/a",
    });
    expect(await redis.exists(store.keyFor("k-live"))).toBe(0);

    await redis.set(oldKey("k-dead"), `claim:${Date.now() - 1_000}:old-host/1/c`, "PX", DAY_MS);
    expect(await store.claim("k-dead", "new-host/2/d", 30_000)).toEqual({
      status: "claimed",
      takeover: true,
    });
    expect(await redis.get(store.keyFor("k-dead"))).toMatch(/^claim:\d+:new-host\/2\/d$/);
    expect(await store.complete("k-dead", "new-host/2/d", "{}")).toBe(true);
    expect(await store.claim("k-dead", "new-host/2/e", 30_000)).toEqual({ status: "done", result: "{}" });
  });

  it("reads no former key when the prefix is set (those keys never moved) or the fallback is off", async () => {
    await redis.set(oldKey("booking:3:confirmation"), sentBefore, "PX", DAY_MS);
    const own = uniquePrefix("email");
    const explicit = new RedisEmailDedupStore({ redis, companyId, prefix: own });
    const off = new RedisEmailDedupStore({ redis, companyId, legacyPrefix: null });
    try {
      for (const store of [explicit, off]) {
        expect(await store.claim("booking:3:confirmation", "o", 30_000)).toEqual({
          status: "claimed",
          takeover: false,
        });
      }
    } finally {
      await deleteByPrefix(redis, own);
    }
  });

  it("refuses a prefix that would break the tenant's hash tag, naming the field", () => {
    expect(() => new RedisEmailDedupStore({ redis, companyId, prefix: "al{x}" })).toThrow(/invalid prefix/);
    expect(() => new RedisEmailDedupStore({ redis, companyId, legacyPrefix: "" })).toThrow(/invalid prefix/);
  });
});
