import { App, type AppOptions } from "../../app.js";
import type { AppConfig } from "../../config/index.js";
import { AgentLedgerError } from "../../util/errors.js";
import { RedisTurnQueue, type RedisTurnQueueOptions } from "../queue/redis-queue.js";
import { type RunningWorker, type StartWorkerOptions, startWorker } from "./start.js";

/** The worker cannot start with this configuration; the message names the setting. */
export class WorkerConfigError extends AgentLedgerError {
  override readonly name = "WorkerConfigError";
  readonly code = "CONFIG_INVALID";
  readonly retriable = false;
}

export interface WorkerProcessOptions {
  config: AppConfig;
  appOptions?: AppOptions;
  /** Queue settings (concurrency, attempts, lock duration, ...); the URL is REDIS_URL. */
  queue?: Omit<Partial<RedisTurnQueueOptions>, "redisUrl" | "handler">;
  worker?: StartWorkerOptions;
}

export interface OpenWorker {
  app: App;
  worker: RunningWorker;
  /** Stops the worker (in-flight turns finish or go back to the queue), then closes the queue and the app. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * A worker process's parts: the App, the Redis turn queue of REDIS_URL and the worker consuming it
 * (`agent-ledger worker`; tests start it in child processes). Several such processes, on any number
 * of machines, share one queue.
 *
 * @example
 * const { close } = await openWorker({ config: loadConfig() });
 * process.once("SIGTERM", () => void close());
 */
export async function openWorker(options: WorkerProcessOptions): Promise<OpenWorker> {
  const redisUrl = options.config.env.REDIS_URL;
  if (!redisUrl) {
    throw new WorkerConfigError(
      "REDIS_URL: the worker consumes the turn queue on Redis; set REDIS_URL (redis://host:port), or run `agent-ledger serve` for the in-process queue",
    );
  }
  const app = await App.create(options.config, options.appOptions);
  const queue = new RedisTurnQueue({
    ...options.queue,
    redisUrl,
    logger: app.logger.child({ component: "turn-queue" }),
  });
  let worker: RunningWorker;
  try {
    worker = await startWorker(app, queue, options.worker);
  } catch (err) {
    await queue.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    app,
    worker,
    close(closeOptions = {}) {
      closing ??= (async () => {
        try {
          await worker.stop(closeOptions);
          await queue.close();
        } finally {
          await app.close();
        }
      })();
      return closing;
    },
  };
}

/** Resolves on the first SIGTERM or SIGINT (the process then shuts down gracefully). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}
