import type { WebhookTenant } from "./tenants.js";

/** What the webhook learned of a delivery before its handler runs (tenant, parsed body). */
export interface Delivery {
  tenant: WebhookTenant;
  body: unknown;
  deliveryId: string | null;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set on the webhook routes once the tenant is known and the signature checked. */
    delivery: Delivery | null;
  }
}
