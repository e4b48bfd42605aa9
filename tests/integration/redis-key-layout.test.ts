import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import { ChatwootApiService, RedisChatwootDedupStore } from "../../src/services/chatwoot/index.js";
import { EmailService, RedisEmailDedupStore } from "../../src/services/email/index.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";
import { uniquePrefix } from "../support/redis.js";
import { SmtpStandIn } from "../support/smtp-stand-in.js";

// A logical database of the run's Redis no other test uses: every key in it was written by this
// workload, so keys that name no tenant are caught too.
const DB = 13;

async function scanAll(redis: Redis, match = "*"): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, page] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    keys.push(...page);
  } while (cursor !== "0");
  return keys.sort();
}

/** Every logical database of the server that holds keys (from INFO keyspace). */
async function databases(redis: Redis): Promise<number[]> {
  const info = await redis.info("keyspace");
  return [...info.matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
}

describe("every key the stores write lives under the store's prefix and the tenant's hash tag", () => {
  const companyId = `layout-${randomBytes(4).toString("hex")}`;
  const prefix = uniquePrefix("layout");
  const root = `${prefix}:{${companyId}}:`;
  const redis = new Redis(inject("redisUrl"), { db: DB, maxRetriesPerRequest: 1 });
  const smtp = new SmtpStandIn();
  const chatwoot = new ChatwootStandIn({ accountIds: [1] });
  let chatwootUrl = "";

  beforeAll(async () => {
    expect(await redis.dbsize(), `db ${DB} of the test Redis is reserved for this test`).toBe(0);
    await smtp.start();
    chatwootUrl = await chatwoot.start();
    chatwoot.addConversation({ id: 42 });
  });
  afterAll(async () => {
    const keys = await scanAll(redis);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await smtp.close();
    await chatwoot.close();
  });

  /** Writes through every Redis store; answers the ids it made. */
  async function workload(): Promise<{ auditId: string; sagaId: string }> {
    const audit = new AuditManager({
      companyId,
      store: new RedisAuditStore({ redis, prefix }),
      signingKey: "layout-test-signing-key",
      sealIntervalMs: 0,
    });
    const entry = await audit.logAction({
      userId: "34600111222",
      actionType: "booking",
      actionName: "create_booking",
      inputParams: { date: "2031-01-20" },
      compensable: true,
      compensationAction: "delete_booking",
      conversationId: "42",
      idempotencyKey: "booking:1",
      tags: ["vip"],
    });
    await audit.markSuccess(entry.auditId, { event_id: "e1" }, 12);
    await audit.compensate(entry.auditId, "customer cancelled");

    const sagas = new CompensationOrchestrator({
      companyId,
      auditManager: audit,
      store: new RedisSagaStore({ redis, prefix }),
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, jitter: 0 },
    });
    const { sagaId } = await sagas.createSaga({ userId: "34600111222", sagaName: "booking_flow" });
    sagas.addAction(sagaId, {
      actionType: "api_call",
      actionName: "book",
      executor: () => ({ success: true, data: { id: "b1" } }),
      compensator: () => undefined,
    });
    sagas.addAction(sagaId, {
      actionType: "api_call",
      actionName: "notify",
      executor: () => ({ success: false, error: "mail server down" }),
    });
    expect((await sagas.executeSaga(sagaId)).status).toBe("compensated");

    const email = new EmailService(
      {
        companyId,
        fromEmail: "citas@benova.example",
        smtpHost: smtp.host,
        smtpPort: smtp.port,
        useTls: false,
        maxRetries: 1,
        retryDelay: 0.01,
      },
      { dedupStore: new RedisEmailDedupStore({ redis, companyId, prefix }) },
    );
    const sent = await email.sendEmail({
      toEmail: "ana@example.com",
      subject: "Cita confirmada",
      bodyHtml: "<p>Hola Ana</p>",
      idempotencyKey: "booking:1:confirmation",
    });
    expect(sent.success).toBe(true);
    await email.close();

    const whatsapp = new ChatwootApiService({
      baseUrl: chatwootUrl,
      apiToken: chatwoot.apiToken,
      accountId: 1,
      dedupStore: new RedisChatwootDedupStore({ redis, companyId, prefix }),
    });
    await whatsapp.sendMessage({
      conversationId: 42,
      content: "Confirmada",
      idempotencyKey: "booking:1:notify",
    });
    expect(chatwoot.messages(42)).toHaveLength(1);

    await audit.close(); // writes a seal
    return { auditId: entry.auditId, sagaId };
  }

  it("runs audit, saga, email and WhatsApp writes and finds no key outside the prefix", async () => {
    const { auditId, sagaId } = await workload();

    // No database of the test Redis holds a key naming the tenant outside the prefix.
    const stray: string[] = [];
    const probe = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
    try {
      for (const db of await databases(probe)) {
        await probe.select(db);
        for (const key of await scanAll(probe, `*${companyId}*`)) {
          if (!key.startsWith(`${prefix}:`)) stray.push(`db${db} ${key}`);
        }
      }
    } finally {
      probe.disconnect();
    }
    expect(stray).toEqual([]);

    // Every key in the workload's database starts with the prefix and the tenant's hash tag.
    const written = await scanAll(redis);
    expect(written.filter((k) => !k.startsWith(root))).toEqual([]);

    // The workload really wrote every kind of key (so the checks above cannot pass on nothing).
    const expected = [
      `e:${auditId}`,
      "i:all",
      "i:u:34600111222",
      "i:c:42",
      "i:g:vip",
      `i:saga:${sagaId}`,
      "k:booking:1",
      "chain",
      "head",
      "seals",
      `sg:r:${sagaId}`,
      "sg:all",
      "sg:s:compensated",
      "email:sent:booking:1:confirmation",
      "chatwoot:sent:1:booking:1:notify",
    ];
    expect(written).toEqual(expect.arrayContaining(expected.map((k) => `${root}${k}`)));
  });
});
