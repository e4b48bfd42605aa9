/**
 * The servers the webhook benchmark loads, in a process of their own (the load generator runs in
 * the parent): a bare Fastify route answering 200, the webhook server on the in-process queue (a
 * consumer that does nothing with the turns), and the webhook server on the Redis + BullMQ queue of
 * production (only enqueueing, as the server does; no worker consumes there). Started with `fork(..., { execArgv: ["--import",
 * "tsx"] })`; settings come as JSON in WEBHOOK_TARGET; the addresses go back over IPC.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { loadConfig } from "../../src/config/index.js";
import { buildServer } from "../../src/server/http/server.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import { createLogger } from "../../src/util/logger.js";

export interface WebhookTargetSettings {
  secret: string;
  redisUrl: string;
  /** Key prefix of the benchmark's queue on that Redis. */
  prefix: string;
}

export interface WebhookTargetAddresses {
  bare: string;
  memory: string;
  redis: string;
}

const settings = JSON.parse(process.env.WEBHOOK_TARGET ?? "null") as WebhookTargetSettings | null;
if (!settings || !process.send)
  throw new Error("WEBHOOK_TARGET is not set: this file is started by bench/webhook.ts");

const dir = mkdtempSync(join(tmpdir(), "bench-webhook-"));
const bare = Fastify({ logger: false });
bare.post("/webhooks/chatwoot", async () => ({ status: "ok" }));

const config = loadConfig({
  DATA_DIR: dir,
  CHATWOOT_WEBHOOK_SECRET: settings.secret,
  CHATWOOT_ACCOUNT_ID: "1",
  // The limiter runs on every delivery but never refuses one at these rates.
  WEBHOOK_RATE_LIMIT_PER_MINUTE: "1000000",
});
// Log lines are built as in production (info level, redaction) and dropped instead of written.
const logger = createLogger("info", {}, () => {}, { secretValues: config.secretValues });
const queue = new MemoryTurnQueue({ handler: async () => {}, concurrency: 64 });
await queue.start();
const memory = buildServer({ config, queue, logger });
const redisQueue = new RedisTurnQueue({ redisUrl: settings.redisUrl, prefix: settings.prefix });
const onRedis = buildServer({ config, queue: redisQueue, logger });

const addresses: WebhookTargetAddresses = {
  bare: await bare.listen({ port: 0, host: "127.0.0.1" }),
  memory: await memory.listen({ port: 0, host: "127.0.0.1" }),
  redis: await onRedis.listen({ port: 0, host: "127.0.0.1" }),
};
process.send({ type: "ready", addresses });
process.on("message", (message: { type?: string }) => {
  if (message?.type !== "stop") return;
  void Promise.all([
    bare.close(),
    memory.close(),
    onRedis.close(),
    queue.close(),
    redisQueue.close(),
  ]).finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
