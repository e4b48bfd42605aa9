/**
 * A worker process for the webhook crash test: the production worker (`startWorker` on the Redis
 * turn queue) with kill points around the side effects of a booking turn, so that it SIGKILLs
 * itself at a seeded moment:
 * - `calendar.createBooking` before / after (before and inside execute_booking),
 * - `email.sendTemplateEmail` before / after (between the nodes and inside send_notification),
 * - `chatwoot.sendMessage` before / after (the WhatsApp confirmation and posting the reply),
 * - `calendar.deleteBooking` before / after (a rollback or a recovery undoing a booking).
 * The parent also kills workers after seeded delays, which lands anywhere else (checkpoints,
 * audit writes, the queue's own bookkeeping).
 *
 * The turns a process is running are written, synchronously, to `busy-<pid>.json` in `dir`, and each
 * self-kill appends its point to `kills.jsonl` first, so the parent can tell what a kill interrupted.
 * Confirmation emails to an address starting with `rechazo` are refused (a permanent 550), so those
 * bookings are rolled back. Settings come as JSON in TURN_CRASH_CHILD.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TenantServices } from "../../src/app/tenant-services.js";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import type { TurnHandler } from "../../src/server/queue/types.js";
import { startWorker } from "../../src/server/worker/start.js";
import { untilSignal } from "../../src/server/worker/worker-process.js";
import type { SendTemplateEmailInput } from "../../src/services/email/types.js";
import { InjectedServiceError } from "./conversation-script.js";

export interface TurnCrashChildConfig {
  env: Record<string, string>;
  prefix: string;
  now: string;
  dir: string;
  /** Die at this kill point (1-based count of points passed); null: never by itself. */
  killAt: number | null;
  concurrency: number;
}

export type TurnCrashChildMessage = { type: "ready"; pid: number } | { type: "turn"; pid: number };

const cfg = JSON.parse(process.env.TURN_CRASH_CHILD ?? "null") as TurnCrashChildConfig | null;
if (!cfg) throw new Error("TURN_CRASH_CHILD is not set: this file is started by the worker crash test");
const config = cfg;
const pid = process.pid;
const busy = new Set<string>();
let points = 0;

function recordBusy(): void {
  writeFileSync(join(config.dir, `busy-${pid}.json`), JSON.stringify([...busy]));
}

/** Passes one kill point; at the chosen one, notes it and dies like `kill -9`. */
function point(name: string): void {
  points++;
  if (config.killAt !== null && points >= config.killAt) {
    appendFileSync(
      join(config.dir, "kills.jsonl"),
      `${JSON.stringify({ pid, point: name, busy: [...busy] })}\n`,
    );
    process.kill(pid, "SIGKILL");
  }
}

function withPoints<T extends object>(service: T, label: string, methods: string[]): T {
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (typeof prop !== "string" || !methods.includes(prop)) return value.bind(target);
      return async (...args: unknown[]) => {
        point(`${label}.${prop}:before`);
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        point(`${label}.${prop}:after`);
        return out;
      };
    },
  });
}

/** Confirmations to `rechazo...` addresses are refused for good, as a mail server would. */
function refusing(email: TenantServices["email"]): TenantServices["email"] {
  return new Proxy(email, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "sendTemplateEmail" || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (input: SendTemplateEmailInput) => {
        const to = [input.toEmail].flat().join(",");
        if (input.templateName.includes("confirmation") && to.startsWith("rechazo")) {
          throw new InjectedServiceError(false, 550, `550 mailbox ${to} unavailable`);
        }
        return value.call(target, input);
      };
    },
  });
}

const decorateServices = (_companyId: string, s: TenantServices): TenantServices => ({
  ...s,
  calendar: withPoints(s.calendar, "calendar", ["createBooking", "deleteBooking"]),
  email: withPoints(refusing(s.email), "email", ["sendTemplateEmail"]),
  chatwoot: withPoints(s.chatwoot, "chatwoot", ["sendMessage"]),
});

try {
  const now = new Date(config.now);
  const app = await App.create(loadConfig(config.env), { clock: () => now, decorateServices });
  const queue = new RedisTurnQueue({
    redisUrl: config.env.REDIS_URL as string,
    prefix: config.prefix,
    concurrency: config.concurrency,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    maxStalledCount: 1000,
    maxAttempts: 6,
    backoff: () => 150,
    waitMs: [30, 90],
    repairIntervalMs: 1500,
  });
  // Note which turns this process is running, so the parent can count the turns a kill cut short.
  const consume = queue.consume.bind(queue);
  queue.consume = (handler: TurnHandler) =>
    consume(async (turn, info) => {
      const key = `${turn.conversationId}:${turn.messageId}`;
      busy.add(key);
      recordBusy();
      try {
        return await handler(turn, info);
      } finally {
        busy.delete(key);
        recordBusy();
      }
    });
  const worker = await startWorker(app, queue, {
    recoveryIntervalMs: 1500,
    observer: {
      webhook: () => undefined,
      turn: () => process.send?.({ type: "turn", pid } satisfies TurnCrashChildMessage),
    },
  });
  process.send?.({ type: "ready", pid } satisfies TurnCrashChildMessage);
  await untilSignal();
  await worker.stop({ timeoutMs: 10_000 });
  await queue.close();
  await app.close();
  process.exit(0);
} catch (err) {
  process.stderr.write(
    `crash child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(3);
}
