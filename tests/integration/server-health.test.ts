import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { buildServer, closeServer } from "../../src/server/http/server.js";
import { Metrics } from "../../src/server/metrics.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import { silentLogger } from "../../src/util/logger.js";
import { chatwootDelivery, messageCreatedPayload } from "../support/chatwoot-webhook.js";
import { type PrivateRedis, startRedisServer } from "../support/redis-server.js";
import {
  SECRET,
  startWebhookHarness,
  type Transport,
  type WebhookHarness,
} from "../support/webhook-harness.js";

/** A queue whose backing store is gone: its ping fails as a Redis queue's does when Redis is down. */
class UnreachableQueue extends MemoryTurnQueue {
  override async ping(): Promise<void> {
    throw new Error("connect ECONNREFUSED 127.0.0.1:6399");
  }
}

describe.each<Transport>(["inject", "listen"])("health and readiness through %s", (transport) => {
  let h: WebhookHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("/healthz answers while the process is up", async () => {
    h = await startWebhookHarness(transport);
    const res = await h.send({ method: "GET", url: "/healthz" });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is ready when the queue and the checks answer, 503 naming what is down", async () => {
    let databaseUp = true;
    h = await startWebhookHarness(
      transport,
      {},
      {
        ready: {
          database: async () => {
            if (!databaseUp) throw new Error("database unreachable");
          },
        },
      },
    );
    const up = await h.send({ method: "GET", url: "/readyz" });
    expect(up.status).toBe(200);
    expect(up.json()).toEqual({ status: "ready", checks: { queue: "up", database: "up" } });
    databaseUp = false;
    const down = await h.send({ method: "GET", url: "/readyz" });
    expect(down.status).toBe(503);
    expect(down.json()).toEqual({
      status: "unavailable",
      reason: "down: database",
      checks: { queue: "up", database: "down" },
    });
  });

  it("/readyz names a single ready callback `dependencies`", async () => {
    h = await startWebhookHarness(
      transport,
      {},
      {
        ready: async () => {
          throw new Error("no database");
        },
      },
    );
    const res = await h.send({ method: "GET", url: "/readyz" });
    expect(res.status).toBe(503);
    expect(res.json().checks).toEqual({ queue: "up", dependencies: "down" });
  });

  it("/readyz names the queue when its ping throws", async () => {
    h = await startWebhookHarness(transport, {}, { queue: new UnreachableQueue() });
    const res = await h.send({ method: "GET", url: "/readyz" });
    expect(res.status).toBe(503);
    expect(res.json().reason).toBe("down: queue");
    expect((await h.send({ method: "GET", url: "/healthz" })).status).toBe(200);
  });

  it("unknown routes are 404 with a reason", async () => {
    h = await startWebhookHarness(transport);
    const res = await h.send({ method: "GET", url: "/nope" });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ status: "rejected", reason: "no route GET /nope" });
  });
});

describe("readiness against a real Redis", () => {
  let redis: PrivateRedis;
  let client: Redis;
  let h: WebhookHarness;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on("error", () => {}); // the outage below is the point of the test
    await new Promise((r) => client.once("ready", r));
    h = await startWebhookHarness("listen", {}, { ready: { redis: async () => void (await client.ping()) } });
  });
  afterAll(async () => {
    await h.close();
    client.disconnect();
    await redis.stop();
  });

  it("goes from ready to 503 naming redis when the server stops", async () => {
    expect((await h.send({ method: "GET", url: "/readyz" })).status).toBe(200);
    await redis.stop();
    const res = await h.send({ method: "GET", url: "/readyz" });
    expect(res.status).toBe(503);
    expect(res.json().checks).toEqual({ queue: "up", redis: "down" });
  });
});

describe("/metrics", () => {
  const dir = mkdtempSync(join(tmpdir(), "webhook-metrics-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exports webhook outcomes by tenant and the queue's depth and oldest age", async () => {
    const config = loadConfig({ DATA_DIR: dir, CHATWOOT_WEBHOOK_SECRET: SECRET, CHATWOOT_ACCOUNT_ID: "1" });
    const queue = new MemoryTurnQueue(); // never started: what is queued stays waiting
    const metrics = new Metrics();
    const app = buildServer({ config, queue, logger: silentLogger, metrics });
    const deliver = (payload: unknown, secret = SECRET) => {
      const d = chatwootDelivery(payload, { secret });
      return app.inject({ method: "POST", url: "/webhooks/chatwoot", headers: d.headers, payload: d.body });
    };
    await deliver(messageCreatedPayload({ messageId: 1, conversationId: 1 }));
    await deliver(messageCreatedPayload({ messageId: 2, conversationId: 2 }));
    await deliver(messageCreatedPayload({ messageId: 2, conversationId: 2 }));
    await deliver(messageCreatedPayload({ messageType: "outgoing", private: true, senderType: "user" }));
    await deliver(messageCreatedPayload(), "wrong-secret-0000000");
    await deliver(messageCreatedPayload({ accountId: 5 }));
    await new Promise((r) => setTimeout(r, 20));
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('agent_ledger_webhooks_total{tenant="benova",outcome="queued",reason="queued"} 2');
    expect(text).toContain(
      'agent_ledger_webhooks_total{tenant="benova",outcome="duplicate",reason="duplicate"} 1',
    );
    expect(text).toContain(
      'agent_ledger_webhooks_total{tenant="benova",outcome="ignored",reason="private_note"} 1',
    );
    expect(text).toContain(
      'agent_ledger_webhooks_total{tenant="benova",outcome="unauthorized",reason="bad_signature"} 1',
    );
    expect(text).toContain(
      'agent_ledger_webhooks_total{tenant="unknown",outcome="invalid",reason="unknown_account"} 1',
    );
    expect(text).toContain('agent_ledger_queue_turns{state="waiting"} 2');
    expect(text).toContain('agent_ledger_queue_turns{state="active"} 0');
    const age = Number(/^agent_ledger_queue_oldest_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThan(0.01);
    expect(age).toBeLessThan(30);
    for (const name of [
      "agent_ledger_turns_total",
      "agent_ledger_tool_executions_total",
      "agent_ledger_compensations_total",
      "agent_ledger_sagas_total",
      "agent_ledger_turn_duration_seconds",
      "agent_ledger_turn_age_seconds",
    ])
      expect(text).toContain(`# TYPE ${name} `);
    await app.close();
  });
});

describe("closeServer", () => {
  it("lets a request in flight finish, then stops accepting and closes the queue", async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => {};
    const inCheck = new Promise<void>((r) => {
      entered = r;
    });
    const h = await startWebhookHarness(
      "listen",
      {},
      {
        ready: {
          slow: async () => {
            entered();
            await slow;
          },
        },
      },
    );
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const inFlight = fetch(`${base}/readyz`);
    await inCheck;
    const closing = closeServer(h.app, h.queue);
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${base}/healthz`, { headers: { connection: "close" } })).rejects.toThrow();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    await closing;
    await expect(h.queue.enqueue(turn())).rejects.toThrow(/closed/);
    await h.close();
  });
});

function turn() {
  return {
    companyId: "benova",
    accountId: 1,
    conversationId: 1,
    messageId: 1,
    deliveryId: null,
    userId: "+34600111222",
    senderName: null,
    text: "hola",
    attachments: [],
    receivedAt: Date.now(),
  };
}
