/**
 * A worker process for the multi-process and crash tests: `openWorker` (what `agent-ledger worker`
 * runs) against the Redis, DATA_DIR and Chatwoot named in the environment given as JSON in
 * WORKER_CHILD, with short locks so a killed sibling's turns come back within seconds. Started with
 * `fork(..., { execArgv: ["--import", "tsx"] })`. It tells its parent `{type: "ready"}` once it
 * consumes, `{type: "turn", report}` after each turn, and stops gracefully on SIGTERM (exit 0).
 */
import { loadConfig } from "../../src/config/index.js";
import type { TurnReport } from "../../src/server/observer.js";
import { openWorker, untilSignal } from "../../src/server/worker/worker-process.js";

export interface WorkerChildConfig {
  env: Record<string, string>;
  /** The turn queue's key prefix (tests use one per test). */
  prefix: string;
  /** The clock of conversations (ISO instant), fixed so bookings land on known days. */
  now?: string;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxAttempts?: number;
}

export type WorkerChildMessage =
  | { type: "ready"; pid: number }
  | { type: "turn"; pid: number; report: TurnReport };

const cfg = JSON.parse(process.env.WORKER_CHILD ?? "null") as WorkerChildConfig | null;
if (!cfg) throw new Error("WORKER_CHILD is not set: this file is started by the worker process tests");
const send = (m: WorkerChildMessage) => process.send?.(m);
const now = cfg.now ? new Date(cfg.now) : null;

try {
  const running = await openWorker({
    config: loadConfig(cfg.env),
    appOptions: now ? { clock: () => now } : {},
    queue: {
      prefix: cfg.prefix,
      concurrency: cfg.concurrency ?? 4,
      lockDurationMs: cfg.lockDurationMs ?? 3000,
      stalledIntervalMs: cfg.stalledIntervalMs ?? 1000,
      maxAttempts: cfg.maxAttempts ?? 4,
      backoff: () => 200,
      waitMs: [30, 90],
      repairIntervalMs: 2000,
    },
    worker: {
      recoveryIntervalMs: 2000,
      observer: {
        webhook: () => undefined,
        turn: (report) => send({ type: "turn", pid: process.pid, report }),
      },
    },
  });
  send({ type: "ready", pid: process.pid });
  await untilSignal();
  await running.close({ timeoutMs: 10_000 });
  process.exit(0);
} catch (err) {
  process.stderr.write(
    `worker child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(3);
}
