import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";

describe("WhatsApp through Chatwoot from the composition root", () => {
  let chatwoot: ChatwootStandIn;
  let dir: string;
  let baseUrl: string;
  const companyId = uniquePrefix("cw").replace(/[^a-z0-9-]/g, "");
  const env = () => ({
    DATA_DIR: dir,
    COMPANY_ID: companyId,
    REDIS_URL: inject("redisUrl"),
    CHATWOOT_BASE_URL: baseUrl,
    CHATWOOT_API_TOKEN: chatwoot.apiToken,
    CHATWOOT_ACCOUNT_ID: "1",
    LOG_LEVEL: "silent",
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "app-chatwoot-"));
    chatwoot = new ChatwootStandIn();
    baseUrl = await chatwoot.start();
    chatwoot.addConversation({ id: 77 });
  });
  afterAll(async () => {
    await chatwoot.close();
    const redis = testRedis();
    await deleteByPrefix(redis, `al:{${companyId}}`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a message key already sent is not sent again by a restarted process", async () => {
    const message = {
      conversationId: 77,
      content: "Tu cita es mañana a las 10:00",
      idempotencyKey: `${companyId}:77:reminder`,
    };
    const first = new App(loadConfig(env()));
    const second = new App(loadConfig(env()));
    try {
      const a = await (await first.tenant()).chatwoot.sendMessage(message);
      const b = await (await second.tenant()).chatwoot.sendMessage(message);
      expect(b).toEqual(a);
      expect(chatwoot.messages(77).filter((m) => m.content === message.content)).toHaveLength(1);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
