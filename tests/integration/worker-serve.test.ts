import { afterEach, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { openService, type RunningService } from "../../src/server/worker/service.js";
import { messageCreatedPayload, webhookHeaders } from "../support/chatwoot-webhook.js";
import { testRedis } from "../support/redis.js";
import { waitFor } from "../support/turns.js";
import { WORKER_NOW, WorkerWorld } from "../support/worker-world.js";

const SECRET = "whsec-test-0123456789abcdef";

describe.each([
  ["the in-process queue (no REDIS_URL)", false],
  ["the Redis queue (REDIS_URL)", true],
])("serve: the webhook server and a worker in one process, on %s", (_name, useRedis) => {
  let world: WorkerWorld | null = null;
  let service: RunningService | null = null;
  afterEach(async () => {
    await service?.close({ timeoutMs: 5000 });
    service = null;
    const redis = testRedis();
    await world?.close({ redis, prefixes: world ? [`srv-${world.companyId}`] : [] });
    redis.disconnect();
    world = null;
  });

  it("a signed Chatwoot delivery is answered in the conversation, once even when delivered twice", async () => {
    world = await new WorkerWorld(inject("redisUrl"), { CHATWOOT_WEBHOOK_SECRET: SECRET }).start();
    world.conversation(42);
    const env = world.env();
    if (!useRedis) delete env.REDIS_URL;
    service = await openService({
      config: loadConfig(env),
      appOptions: { clock: () => WORKER_NOW },
      port: 0,
      host: "127.0.0.1",
      // Each test run its own queue keys on the shared Redis.
      queue: { prefix: `srv-${world.companyId}` },
    });
    expect(service.queueKind).toBe(useRedis ? "redis" : "memory");
    const messageId = 9000 + Math.floor(Math.random() * 1000);
    const body = JSON.stringify(
      messageCreatedPayload({ messageId, conversationId: 42, content: "¿Cuánto cuesta el botox?" }),
    );
    const headers = webhookHeaders(SECRET, body, { deliveryId: `dlv-${messageId}` });
    const post = () => fetch(`${service?.url}/webhooks/chatwoot`, { method: "POST", headers, body });
    const first = await post();
    expect(first.status).toBeLessThan(300);
    const again = await post();
    expect(again.status).toBeLessThan(300);
    await waitFor(() => world?.replies(42, [messageId]).length === 1, "the reply");
    await new Promise((r) => setTimeout(r, 500));
    expect(world.chatwoot.messages(42)).toHaveLength(1);
    expect(world.chatwoot.messages(42)[0]?.content).toMatch(/[Bb][óo]tox/);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/outcome="replied"/);
  });
});
