import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { TurnReport } from "../../src/server/observer.js";
import { MARKER_ATTRIBUTE } from "../../src/services/chatwoot/api-service.js";
import { ChatwootStandIn, type StandInMessage } from "./chatwoot-stand-in.js";
import { deleteByPrefix, uniquePrefix } from "./redis.js";

/** Monday 11 January 2027, 09:00 in Madrid: "el 20 de enero" is the coming Wednesday. */
export const WORKER_NOW = new Date("2027-01-11T08:00:00Z");

export const SEED_BOOKING = [
  "Quiero agendar una cita para botox el 20 de enero a las 10am",
  "Me llamo Lucía Pérez",
  "lucia.perez@example.com",
  "sí",
];

/**
 * What the worker tests share: a Chatwoot stand-in, a tenant of its own (so Redis keys never mix
 * between tests), a temporary DATA_DIR, and the environment an App (or a worker process) is built from.
 */
export class WorkerWorld {
  readonly chatwoot = new ChatwootStandIn();
  readonly companyId = uniquePrefix("wk").replace(/[^a-z0-9-]/g, "");
  readonly dir = mkdtempSync(join(tmpdir(), "worker-world-"));
  readonly reports: TurnReport[] = [];
  baseUrl = "";
  private readonly apps: App[] = [];

  constructor(
    readonly redisUrl: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<this> {
    this.baseUrl = await this.chatwoot.start();
    return this;
  }

  env(): Record<string, string> {
    return {
      DATA_DIR: this.dir,
      COMPANY_ID: this.companyId,
      REDIS_URL: this.redisUrl,
      CHATWOOT_BASE_URL: this.baseUrl,
      CHATWOOT_API_TOKEN: this.chatwoot.apiToken,
      CHATWOOT_ACCOUNT_ID: "1",
      LOG_LEVEL: "silent",
      ...this.extraEnv,
    };
  }

  /** An App on this world's settings with the fixed clock. */
  async app(): Promise<App> {
    const app = await App.create(loadConfig(this.env()), { clock: () => WORKER_NOW });
    this.apps.push(app);
    return app;
  }

  observer() {
    return { webhook: () => undefined, turn: (r: TurnReport) => this.reports.push(r) };
  }

  conversation(id: number): void {
    this.chatwoot.addConversation({ id });
  }

  /** The public replies posted for each message, in the order they were posted. */
  replies(conversationId: number, messageIds: number[]): { messageId: number; message: StandInMessage }[] {
    const byMarker = new Map(messageIds.map((id) => [replyMarker(`reply:${this.companyId}:${id}`), id]));
    const out: { messageId: number; message: StandInMessage }[] = [];
    for (const m of this.chatwoot.messages(conversationId)) {
      const id = byMarker.get(String(m.content_attributes?.[MARKER_ATTRIBUTE] ?? ""));
      if (id !== undefined) out.push({ messageId: id, message: m });
    }
    return out;
  }

  emails(): string[] {
    try {
      return readdirSync(join(this.dir, "outbox", this.companyId)).filter((f) => f.endsWith(".eml"));
    } catch {
      return [];
    }
  }

  async close(redisCleanup?: { redis: import("ioredis").Redis; prefixes: string[] }): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
    await this.chatwoot.close();
    if (redisCleanup) {
      await deleteByPrefix(redisCleanup.redis, `al:{${this.companyId}}`);
      for (const p of redisCleanup.prefixes) await deleteByPrefix(redisCleanup.redis, p);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The marker the Chatwoot API service stores with a message sent under an idempotency key (account 1). */
export function replyMarker(idempotencyKey: string, accountId = 1): string {
  return createHash("sha256").update(`${accountId}:${idempotencyKey}`).digest("hex").slice(0, 32);
}
