import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config/index.js";
import { buildServer, type ServerOptions } from "../../src/server/http/server.js";
import { Metrics } from "../../src/server/metrics.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import type { IncomingTurn } from "../../src/server/queue/types.js";
import { createLogger } from "../../src/util/logger.js";

export const SECRET = "whsec-benova-0123456789abcdef";
export const SUR_SECRET = "whsec-sur-fedcba9876543210";

/** Two tenants: benova (account 1, CHATWOOT_WEBHOOK_SECRET) and clinica-sur (account 7, its own secret). */
export const TENANTS = [
  { companyId: "benova", chatwootAccountId: 1 },
  { companyId: "clinica-sur", chatwootAccountId: 7, chatwootWebhookSecret: SUR_SECRET },
];

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json(): Record<string, unknown>;
}

export interface Request {
  method?: "GET" | "POST" | "PUT";
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends a request through `app.inject()` or to the listening server with fetch. */
export type Send = (request: Request) => Promise<Reply>;

export interface WebhookHarness {
  app: FastifyInstance;
  queue: MemoryTurnQueue;
  /** The turns the queue's consumer ran, in order. */
  turns: IncomingTurn[];
  metrics: Metrics;
  logs: string[];
  send: Send;
  /** Resolves when every queued turn has run. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export type Transport = "inject" | "listen";

/**
 * The webhook server on a real in-process queue whose consumer records each turn, reached through
 * `app.inject()` or a real listening socket. `env` adds to (or, with undefined, removes from) a
 * configuration with the two tenants above and CHATWOOT_WEBHOOK_SECRET set.
 */
export async function startWebhookHarness(
  transport: Transport,
  env: Record<string, string | undefined> = {},
  extra: Partial<Pick<ServerOptions, "ready" | "observer">> & { queue?: MemoryTurnQueue } = {},
): Promise<WebhookHarness> {
  const dir = mkdtempSync(join(tmpdir(), "webhook-"));
  const tenantsFile = join(dir, "tenants.json");
  writeFileSync(tenantsFile, JSON.stringify(TENANTS));
  const source: Record<string, string | undefined> = {
    DATA_DIR: dir,
    LOG_LEVEL: "silent",
    TENANTS_FILE: tenantsFile,
    CHATWOOT_WEBHOOK_SECRET: SECRET,
    ...env,
  };
  const config = loadConfig(source);
  const logs: string[] = [];
  const logger = createLogger("debug", {}, (line) => logs.push(line), { secretValues: config.secretValues });
  const turns: IncomingTurn[] = [];
  const queue = extra.queue ?? new MemoryTurnQueue();
  queue.consume(async (turn) => {
    turns.push(turn);
  });
  await queue.start();
  const metrics = new Metrics();
  const app = buildServer({ config, queue, logger, metrics, ...extra });
  let send: Send;
  if (transport === "inject") {
    send = async (r) => {
      const res = await app.inject({
        method: r.method ?? "POST",
        url: r.url,
        headers: r.headers,
        payload: r.body,
      });
      return reply(res.statusCode, res.headers as Record<string, string>, res.body);
    };
  } else {
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    send = async (r) => {
      const res = await fetch(`${address}${r.url}`, {
        method: r.method ?? "POST",
        headers: r.headers,
        body: r.body,
      });
      return reply(res.status, Object.fromEntries(res.headers), await res.text());
    };
  }
  return {
    app,
    queue,
    turns,
    metrics,
    logs,
    send,
    drained: async () => {
      for (let i = 0; i < 200; i++) {
        const s = await queue.stats();
        if (s.waiting + s.active + s.delayed === 0) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error("queue did not drain within 1 s");
    },
    close: async () => {
      await app.close();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function reply(status: number, headers: Record<string, string>, text: string): Reply {
  return { status, headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}
