import type { FastifyInstance } from "fastify";
import { App, type AppOptions } from "../../app.js";
import type { AppConfig } from "../../config/index.js";
import { buildServer, closeServer } from "../http/server.js";
import { Metrics } from "../metrics.js";
import { MemoryTurnQueue } from "../queue/memory-queue.js";
import { RedisTurnQueue, type RedisTurnQueueOptions } from "../queue/redis-queue.js";
import { type ConsumableQueue, type RunningWorker, startWorker } from "./start.js";

export interface ServiceOptions {
  config: AppConfig;
  appOptions?: AppOptions;
  /** Queue settings (concurrency, attempts, ...). */
  queue?: Omit<Partial<RedisTurnQueueOptions>, "redisUrl" | "handler">;
  port?: number;
  host?: string;
}

export interface RunningService {
  app: App;
  server: FastifyInstance;
  worker: RunningWorker;
  /** Where the server listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Which queue the process uses. */
  queueKind: "redis" | "memory";
  /** Stops taking webhooks, lets requests and turns in flight finish, then closes everything. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * The webhook server plus a worker in the same process (`agent-ledger serve`, `npm start`): on the
 * Redis queue when REDIS_URL is set (more `agent-ledger worker` processes may join it), else on the
 * in-process queue of the embedded default. Turn and webhook outcomes go to the server's /metrics.
 */
export async function openService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const app = await App.create(config, options.appOptions);
  const redisUrl = config.env.REDIS_URL;
  const queue: ConsumableQueue = redisUrl
    ? new RedisTurnQueue({
        ...options.queue,
        redisUrl,
        logger: app.logger.child({ component: "turn-queue" }),
      })
    : new MemoryTurnQueue({
        ...(options.queue?.maxAttempts ? { maxAttempts: options.queue.maxAttempts } : {}),
        ...(options.queue?.concurrency ? { concurrency: options.queue.concurrency } : {}),
        ...(options.queue?.backoff ? { backoff: options.queue.backoff } : {}),
      });
  const metrics = new Metrics();
  let worker: RunningWorker | null = null;
  let server: FastifyInstance | null = null;
  try {
    worker = await startWorker(app, queue, { observer: metrics });
    const redis = app.redis;
    server = buildServer({
      config,
      queue,
      logger: app.logger,
      metrics,
      ...(redis ? { ready: { redis: async () => void (await redis.ping()) } } : {}),
    });
    const url = await server.listen({
      port: options.port ?? config.env.PORT,
      host: options.host ?? "0.0.0.0",
    });
    let closing: Promise<void> | null = null;
    const running = worker;
    const listening = server;
    return {
      app,
      server: listening,
      worker: running,
      url,
      queueKind: redisUrl ? "redis" : "memory",
      close(closeOptions = {}) {
        closing ??= (async () => {
          try {
            // The server stops first (no new turns); closing the queue lets the turns in flight finish.
            await closeServer(listening, queue, closeOptions);
            await running.stop(closeOptions);
          } finally {
            await app.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    if (server) await server.close().catch(() => undefined);
    await worker?.stop({ timeoutMs: 1000 }).catch(() => undefined);
    await queue.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    throw err;
  }
}
