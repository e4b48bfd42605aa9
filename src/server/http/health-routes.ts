import type { FastifyInstance } from "fastify";
import type { Logger } from "../../util/logger.js";
import type { Metrics } from "../metrics.js";
import type { TurnQueue } from "../queue/types.js";

/** A readiness check: resolves when the dependency answers, throws when it does not. */
export type ReadyCheck = () => Promise<void>;

export interface HealthRouteOptions {
  queue: TurnQueue;
  /** More readiness checks, by name (e.g. `{ redis, database }`); one function is named `dependencies`. */
  ready?: ReadyCheck | Record<string, ReadyCheck>;
  metrics: Metrics;
  logger: Logger;
  /** Each check's deadline (ms). */
  checkTimeoutMs: number;
}

/**
 * `GET /healthz` (the process answers), `GET /readyz` (the queue's ping and the readiness checks;
 * 503 naming what is down) and `GET /metrics` (Prometheus text).
 */
export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions): Promise<void> {
  const checks: [string, ReadyCheck][] = [["queue", () => opts.queue.ping()]];
  if (typeof opts.ready === "function") checks.push(["dependencies", opts.ready]);
  else if (opts.ready) checks.push(...Object.entries(opts.ready));

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(
      checks.map(async ([name, check]) => {
        try {
          await withDeadline(check, opts.checkTimeoutMs);
          return { name, error: null };
        } catch (err) {
          return { name, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const down = results.filter((r) => r.error !== null);
    const status = Object.fromEntries(results.map((r) => [r.name, r.error === null ? "up" : "down"]));
    if (down.length === 0) return { status: "ready", checks: status };
    opts.logger.warn("not ready", { down: Object.fromEntries(down.map((r) => [r.name, r.error])) });
    return reply.code(503).send({
      status: "unavailable",
      reason: `down: ${down.map((r) => r.name).join(", ")}`,
      checks: status,
    });
  });

  app.get("/metrics", async (_request, reply) => {
    const text = await opts.metrics.text();
    return reply.type(opts.metrics.contentType).send(text);
  });
}

async function withDeadline(check: ReadyCheck, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(check), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
