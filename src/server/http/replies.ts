import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../util/logger.js";
import type { ServiceObserver, WebhookOutcome } from "../observer.js";

/** A refused delivery: its HTTP status, the outcome reported to the observer and a short reason. */
export class Rejection extends Error {
  constructor(
    readonly statusCode: number,
    readonly outcome: WebhookOutcome,
    /** Bounded code (a metric label). */
    readonly code: string,
    /** Short text for the caller. */
    readonly reason: string,
  ) {
    super(reason);
    this.name = "Rejection";
  }
}

/** The JSON answer of every refused request: `{status: "rejected" | "unavailable", reason}`. */
export function rejectionBody(statusCode: number, reason: string): { status: string; reason: string } {
  return { status: statusCode >= 500 ? "unavailable" : "rejected", reason };
}

const WEBHOOK_PREFIX = "/webhooks/";

/**
 * One error handler for the whole server: a client's mistake is a 4xx with a short reason (never a
 * stack or a 5xx); what is not the client's (a bug) is logged and answered 500 without details. On
 * the webhook routes each refusal is also reported to the observer.
 */
export function installErrorReplies(
  app: FastifyInstance,
  deps: { logger: Logger; observer: ServiceObserver; maxBodyBytes: number },
): void {
  app.setErrorHandler((error: FastifyError | Rejection, request: FastifyRequest, reply: FastifyReply) => {
    const rejection = error instanceof Rejection ? error : fromFastify(error, deps.maxBodyBytes);
    const webhook = request.routeOptions.url?.startsWith(WEBHOOK_PREFIX) === true;
    const companyId = request.delivery?.tenant.companyId ?? null;
    if (rejection.statusCode >= 500)
      deps.logger.error("request failed", {
        method: request.method,
        route: request.routeOptions.url ?? null,
        err: { name: error.name, message: error.message },
      });
    else if (webhook)
      deps.logger.info("webhook rejected", {
        companyId,
        status: rejection.statusCode,
        reason: rejection.reason,
        deliveryId: request.delivery?.deliveryId ?? null,
      });
    if (webhook) deps.observer.webhook(companyId, rejection.outcome, rejection.code);
    void reply.code(rejection.statusCode).send(rejectionBody(rejection.statusCode, rejection.reason));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(rejectionBody(404, `no route ${request.method} ${clipPath(request.url)}`));
  });
}

/** Fastify's own refusals (body too large, content type, bad content length, rate limit) as rejections. */
function fromFastify(error: FastifyError, maxBodyBytes: number): Rejection {
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500)
    return new Rejection(500, "unavailable", "internal_error", "internal error");
  if (status === 413)
    return new Rejection(413, "invalid", "body_too_large", `body: larger than ${maxBodyBytes} bytes`);
  if (status === 415)
    return new Rejection(415, "invalid", "unsupported_media_type", "Content-Type: expected application/json");
  if (status === 429)
    return new Rejection(429, "rate_limited", "rate_limited", "rate limit exceeded, retry later");
  return new Rejection(status, "invalid", "bad_request", clip(error.message));
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

function clipPath(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.length > 80 ? `${path.slice(0, 80)}...` : path;
}
