/**
 * A worker process for the send-claim tests: it builds an `App` from the environment given as JSON
 * in SEND_RACE_CHILD (the same Redis or the same DATA_DIR as its sibling) and runs the tool calls
 * its parent sends, each at the wall-clock instant the parent names, so two workers start the same
 * call at the same moment. Started with `fork(..., { execArgv: ["--import", "tsx"] })`.
 */
import { join } from "node:path";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import {
  ChatwootApiService,
  RedisChatwootDedupStore,
  SqliteChatwootDedupStore,
} from "../../src/services/chatwoot/index.js";
import type { SendRaceCommand, SendRaceReply } from "./send-race.js";

const reply = (m: SendRaceReply) => process.send?.(m);

async function main(): Promise<void> {
  const env = JSON.parse(process.env.SEND_RACE_CHILD ?? "null") as Record<string, string> | null;
  if (!env) throw new Error("SEND_RACE_CHILD is not set: this file is started by the send-claim tests");
  const app = new App(loadConfig(env));
  const tenant = await app.tenant();
  process.on("message", (m: SendRaceCommand) => {
    void (async () => {
      if (m.type === "exit") {
        await app.close();
        process.exit(0);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, m.at - Date.now())));
      if (m.type === "tool") {
        const result = await tenant.executor.executeTool(m.input);
        reply({ type: "result", id: m.id, result });
        return;
      }
      // A WhatsApp send with a short claim lease, for the tests that kill the sender mid-send; the
      // dedup store is the one the App uses.
      const companyId = tenant.companyId;
      const chatwoot = new ChatwootApiService({
        baseUrl: env.CHATWOOT_BASE_URL ?? "",
        apiToken: env.CHATWOOT_API_TOKEN ?? "",
        accountId: Number(env.CHATWOOT_ACCOUNT_ID),
        dedupStore: app.redis
          ? new RedisChatwootDedupStore({ redis: app.redis, companyId })
          : new SqliteChatwootDedupStore({ companyId, path: join(app.config.dataDir, "chatwoot-sent.db") }),
        claimLeaseMs: m.leaseMs,
      });
      const result = await chatwoot.sendMessage(m.message);
      reply({ type: "result", id: m.id, result });
    })().catch((err: unknown) => {
      process.stderr.write(
        `send race child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(3);
    });
  });
  reply({ type: "ready" });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `send race child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(3);
});
