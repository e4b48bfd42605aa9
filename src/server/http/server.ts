import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { AppConfig } from "../../config/index.js";
import type { Logger } from "../../util/logger.js";
import { Metrics } from "../metrics.js";
import { NO_OBSERVER, type ServiceObserver } from "../observer.js";
import type { TurnQueue } from "../queue/types.js";
import "./delivery.js";
import { healthRoutes, type ReadyCheck } from "./health-routes.js";
import { installErrorReplies, rejectionBody } from "./replies.js";
import { WebhookTenants } from "./tenants.js";
import { webhookRoutes } from "./webhook-routes.js";

export interface ServerOptions {
  config: AppConfig;
  /** Where accepted messages go (the server only enqueues). */
  queue: TurnQueue;
  logger: Logger;
  /** Told of every webhook outcome (besides `metrics`). */
  observer?: ServiceObserver;
  /** Readiness checks besides the queue's ping (e.g. `{ redis, database }`). */
  ready?: ReadyCheck | Record<string, ReadyCheck>;
  /** The metrics `/metrics` exports; a fresh `Metrics` when not given. */
  metrics?: Metrics;
}

/**
 * The webhook server, built and not listening: `POST /webhooks/chatwoot[/:companyId]`,
 * `GET /healthz`, `GET /readyz`, `GET /metrics`. Limits come from the configuration
 * (WEBHOOK_MAX_BODY_BYTES, WEBHOOK_MAX_SKEW_SECONDS, WEBHOOK_RATE_LIMIT_PER_MINUTE).
 *
 * @example
 * const server = buildServer({ config, queue, logger });
 * await server.listen({ port: config.env.PORT, host: "0.0.0.0" });
 * process.once("SIGTERM", () => void closeServer(server, queue));
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { config, queue } = options;
  const logger = options.logger.child({ component: "webhook-server" });
  const metrics = (options.metrics ?? new Metrics()).watchQueue(queue);
  const observer = fanOut([metrics, options.observer ?? NO_OBSERVER]);
  const tenants = new WebhookTenants(config);
  const maxBodyBytes = config.env.WEBHOOK_MAX_BODY_BYTES;

  const unsigned = tenants.unsigned();
  if (unsigned.length > 0)
    logger.warn("webhook signature verification is off (no CHATWOOT_WEBHOOK_SECRET)", { tenants: unsigned });
  if (!tenants.routesByAccount)
    logger.info("no Chatwoot account id configured: deliveries of any account go to the default tenant", {
      companyId: tenants.defaultTenant.companyId,
    });
  if (tenants.conflicts.length > 0)
    logger.warn("Chatwoot account ids claimed by more than one tenant; the first keeps them", {
      accountIds: tenants.conflicts,
    });

  const app = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    requestTimeout: 15_000,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 100 },
    // A path the router cannot read (bad percent-encoding, an over-long segment) is the client's.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      void (reply as FastifyReply).code(status).send(rejectionBody(status, "path: not a valid URL path"));
    },
  });
  app.decorateRequest("delivery", null);
  app.addHook("onSend", async (_request, reply, payload) => {
    // While closing, a kept-alive connection ends with its response instead of lingering.
    if (closing.has(app)) void reply.header("connection", "close");
    return payload;
  });
  installErrorReplies(app, { logger, observer, maxBodyBytes });
  const perMinute = config.env.WEBHOOK_RATE_LIMIT_PER_MINUTE;
  if (perMinute > 0)
    void app.register(rateLimit, {
      global: false,
      hook: "preHandler",
      skipOnError: true,
      // Only a refused delivery carries the limit headers (Retry-After among them).
      addHeadersOnExceeding: {
        "x-ratelimit-limit": false,
        "x-ratelimit-remaining": false,
        "x-ratelimit-reset": false,
      },
      keyGenerator: (request) => `tenant:${request.delivery?.tenant.companyId ?? "-"}`,
    });
  void app.register(webhookRoutes, {
    tenants,
    queue,
    observer,
    logger,
    maxBodyBytes,
    maxSkewSeconds: config.env.WEBHOOK_MAX_SKEW_SECONDS,
    rateLimitPerMinute: perMinute,
    retryAfterSeconds: 5,
  });
  void app.register(healthRoutes, { queue, ready: options.ready, metrics, logger, checkTimeoutMs: 2000 });
  return app;
}

/** Servers being closed: their responses carry `Connection: close`. */
const closing = new WeakSet<FastifyInstance>();

/**
 * Graceful shutdown: the server stops accepting connections and lets the requests in flight finish
 * (their connections close after the response; new requests on kept-alive connections get 503);
 * connections still open after `timeoutMs` (default 10 s) are cut. Then the queue closes.
 */
export async function closeServer(
  server: FastifyInstance,
  queue: TurnQueue,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  closing.add(server);
  const timer = setTimeout(() => server.server.closeAllConnections(), options.timeoutMs ?? 10_000);
  try {
    await server.close();
  } finally {
    clearTimeout(timer);
    await queue.close();
  }
}

function fanOut(observers: ServiceObserver[]): ServiceObserver {
  return {
    webhook: (companyId, outcome, reason) => {
      for (const o of observers) safely(() => o.webhook(companyId, outcome, reason));
    },
    turn: (report) => {
      for (const o of observers) safely(() => o.turn(report));
    },
  };
}

function safely(call: () => void): void {
  try {
    call();
  } catch {
    // An observer's failure never reaches the caller.
  }
}
