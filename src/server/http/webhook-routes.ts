import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../util/logger.js";
import type { ServiceObserver } from "../observer.js";
import type { TurnQueue } from "../queue/types.js";
import "./delivery.js";
import { accountIdOf } from "./payload.js";
import { Rejection } from "./replies.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "./signature.js";
import type { WebhookTenant, WebhookTenants } from "./tenants.js";
import { toTurn, triage } from "./triage.js";

export interface WebhookRouteOptions {
  tenants: WebhookTenants;
  queue: TurnQueue;
  observer: ServiceObserver;
  logger: Logger;
  maxBodyBytes: number;
  maxSkewSeconds: number;
  /** Deliveries per tenant per minute; 0: no limit. */
  rateLimitPerMinute: number;
  /** Seconds a caller is asked to wait when the queue is down. */
  retryAfterSeconds: number;
}

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `POST /webhooks/chatwoot` and `POST /webhooks/chatwoot/:companyId`. Before the handler, a
 * preValidation step finds the tenant and checks the signature over the raw body bytes (kept by
 * this plugin's own JSON content-type parser); the rate limit (keyed by tenant) runs after it, so
 * unauthenticated requests never use up a tenant's quota.
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/json",
    { parseAs: "buffer", bodyLimit: opts.maxBodyBytes },
    (_request, body, done) => done(null, body),
  );

  const admit = async (request: FastifyRequest<{ Params: { companyId?: string } }>): Promise<void> => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const pathTenant = request.params.companyId;
    if (pathTenant !== undefined) {
      const tenant = opts.tenants.byId(pathTenant);
      if (!tenant)
        throw new Rejection(404, "invalid", "unknown_tenant", `unknown tenant ${clip(pathTenant)}`);
      authenticate(tenant, raw, request);
      const deliveryId = deliveryIdOf(request.headers["x-chatwoot-delivery"]);
      const body = parseJson(raw);
      const account = accountIdOf(body);
      if (account.ok && tenant.accountId !== null && account.id !== tenant.accountId)
        throw new Rejection(
          404,
          "invalid",
          "unknown_account",
          `account ${account.id} does not belong to tenant ${tenant.companyId}`,
        );
      request.delivery = { tenant, body, deliveryId };
      return;
    }
    const body = parseJson(raw);
    const account = accountIdOf(body);
    if (!account.ok) throw new Rejection(400, "invalid", "invalid_payload", account.reason);
    const tenant = opts.tenants.byAccount(account.id);
    if (!tenant)
      throw new Rejection(404, "invalid", "unknown_account", `no tenant for Chatwoot account ${account.id}`);
    authenticate(tenant, raw, request);
    request.delivery = { tenant, body, deliveryId: deliveryIdOf(request.headers["x-chatwoot-delivery"]) };
  };

  const authenticate = (tenant: WebhookTenant, raw: Buffer, request: FastifyRequest): void => {
    if (tenant.secret === null) return;
    const check = verifySignature(
      tenant.secret,
      raw,
      { signature: request.headers[SIGNATURE_HEADER], timestamp: request.headers[TIMESTAMP_HEADER] },
      Math.floor(Date.now() / 1000),
      opts.maxSkewSeconds,
    );
    if (!check.ok) {
      request.delivery = { tenant, body: null, deliveryId: null };
      throw new Rejection(401, "unauthorized", check.code, check.reason);
    }
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const delivery = request.delivery;
    if (!delivery) throw new Rejection(500, "unavailable", "internal_error", "internal error");
    const companyId = delivery.tenant.companyId;
    const sorted = triage(delivery.body);
    if (sorted.kind === "invalid") throw new Rejection(400, "invalid", "invalid_payload", sorted.reason);
    if (sorted.kind === "ignored") {
      opts.observer.webhook(companyId, "ignored", sorted.code);
      opts.logger.debug("webhook ignored", {
        companyId,
        reason: sorted.code,
        deliveryId: delivery.deliveryId,
      });
      return { status: "ignored", reason: sorted.reason };
    }
    const turn = toTurn(sorted.message, companyId, delivery.deliveryId, Date.now());
    const ids = {
      companyId,
      conversationId: turn.conversationId,
      messageId: turn.messageId,
      deliveryId: turn.deliveryId,
    };
    let result: Awaited<ReturnType<TurnQueue["enqueue"]>>;
    try {
      result = await opts.queue.enqueue(turn);
    } catch (err) {
      opts.observer.webhook(companyId, "unavailable", "queue_unavailable");
      opts.logger.error("webhook not queued: queue unavailable", {
        ...ids,
        err: { name: (err as Error).name, message: (err as Error).message },
      });
      return reply
        .code(503)
        .header("retry-after", String(opts.retryAfterSeconds))
        .send({ status: "unavailable", reason: "queue unavailable, retry later" });
    }
    opts.observer.webhook(companyId, result.outcome, result.outcome);
    opts.logger.info(result.outcome === "queued" ? "webhook queued" : "webhook duplicate", ids);
    return { status: result.outcome, key: result.key };
  };

  const config =
    opts.rateLimitPerMinute > 0 ? { rateLimit: { max: opts.rateLimitPerMinute, timeWindow: 60_000 } } : {};
  for (const url of ["/webhooks/chatwoot", "/webhooks/chatwoot/:companyId"])
    app.post(url, { preValidation: admit, config }, handle);
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new Rejection(400, "invalid", "malformed_json", "body: empty, expected JSON");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new Rejection(400, "invalid", "malformed_json", "body: malformed JSON");
  }
}

function deliveryIdOf(header: string | string[] | undefined): string | null {
  if (header === undefined || header === "") return null;
  if (typeof header !== "string" || !DELIVERY_ID.test(header))
    throw new Rejection(
      400,
      "invalid",
      "bad_delivery_id",
      "X-Chatwoot-Delivery: expected an id of up to 128 letters, digits, . _ : -",
    );
  return header;
}

function clip(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
