import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { App, RedisUnavailableError } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { uniquePrefix } from "../support/redis.js";
import { freePort, type PrivateRedis, startRedisServer } from "../support/redis-server.js";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "outage-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const knowledgeCall = (conversationId: string) => ({
  toolName: "knowledge_base",
  parameters: { query: "blanqueamiento", top_k: 1 },
  userId: "u1",
  conversationId,
});

describe("Redis at start-up and while running", () => {
  it("App.create fails with one line naming the URL (password hidden) and the reason", async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await App.create(
      loadConfig({
        DATA_DIR: freshDir(),
        REDIS_URL: `redis://:pw-secret-42@127.0.0.1:${port}`,
        LOG_LEVEL: "silent",
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(
      new RegExp(`^cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
    expect(message).not.toContain("pw-secret-42");
    expect(message).not.toContain("\n");
    expect(Date.now() - started).toBeLessThan(3000); // refused at once, not after the retries run out
  });

  it("logs an outage once and its end once, however many commands fail in between", async () => {
    let redis: PrivateRedis | null = await startRedisServer();
    const lines: string[] = [];
    // ioredis prints "[ioredis] Unhandled error event" with console.error when no listener is attached.
    const consoleErrors = vi.spyOn(console, "error");
    const companyId = uniquePrefix("outage").toLowerCase();
    const app = await App.create(
      loadConfig({ DATA_DIR: freshDir(), REDIS_URL: redis.url, COMPANY_ID: companyId, LOG_LEVEL: "info" }),
      { logWrite: (line) => lines.push(line) },
    );
    try {
      const { executor } = await app.tenant();
      expect((await executor.executeTool(knowledgeCall("c1"))).success).toBe(true);

      await redis.stop();
      for (let i = 0; i < 4; i++) {
        const res = await executor.executeTool(knowledgeCall(`down-${i}`));
        expect(res.success).toBe(false);
        expect(res.errorCode).toBe("AUDIT_UNAVAILABLE");
      }
      redis = await startRedisServer({ port: redis.port });
      // ioredis reconnects with a backoff of up to 2 s.
      const deadline = Date.now() + 15_000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        ok = (await executor.executeTool(knowledgeCall("back"))).success;
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok).toBe(true);

      const records = lines.map(
        (l) => JSON.parse(l) as { level: string; msg: string; redis?: string; reason?: string },
      );
      const outages = records.filter((r) => r.msg.startsWith("Redis unreachable"));
      const recoveries = records.filter((r) => r.msg.startsWith("Redis reachable again"));
      expect(outages).toHaveLength(1);
      expect(outages[0]).toMatchObject({ level: "error", redis: `redis://127.0.0.1:${redis.port}` });
      expect(outages[0]?.reason).toMatch(/ECONNREFUSED|ECONNRESET|Connection is closed/);
      expect(recoveries).toHaveLength(1);
      const printed = consoleErrors.mock.calls.map((args) => args.join(" ")).join("\n");
      expect(printed).not.toContain("Unhandled error event");
    } finally {
      consoleErrors.mockRestore();
      await app.close();
      await redis?.stop();
    }
  });
});
