import type { AppConfig } from "../../config/index.js";

/** What the webhook needs to know of a tenant. */
export interface WebhookTenant {
  companyId: string;
  /** The Chatwoot account whose deliveries belong to this tenant, when configured. */
  accountId: number | null;
  /** The webhook secret (the tenant's own, else CHATWOOT_WEBHOOK_SECRET); null: unsigned accepted. */
  secret: string | null;
}

/**
 * Finds the tenant of a delivery: by the path segment (`/webhooks/chatwoot/:companyId`) or by the
 * payload's `account.id` (a tenant's `chatwootAccountId`; CHATWOOT_ACCOUNT_ID for the default
 * tenant). When no tenant names a Chatwoot account at all (a single clinic on defaults), the default
 * tenant takes the deliveries of any account.
 */
export class WebhookTenants {
  private readonly byCompany = new Map<string, WebhookTenant>();
  private readonly byAccountId = new Map<number, WebhookTenant>();
  /** Account ids claimed by more than one tenant (the first keeps them). */
  readonly conflicts: number[] = [];
  readonly defaultTenant: WebhookTenant;

  constructor(config: AppConfig) {
    const envSecret = config.env.CHATWOOT_WEBHOOK_SECRET ?? null;
    for (const t of config.tenants.values()) {
      const accountId =
        t.chatwootAccountId ??
        (t.companyId === config.defaultCompanyId ? (config.env.CHATWOOT_ACCOUNT_ID ?? null) : null);
      const tenant = { companyId: t.companyId, accountId, secret: t.chatwootWebhookSecret ?? envSecret };
      this.byCompany.set(t.companyId, tenant);
      if (accountId === null) continue;
      if (this.byAccountId.has(accountId)) this.conflicts.push(accountId);
      else this.byAccountId.set(accountId, tenant);
    }
    this.defaultTenant = this.byCompany.get(config.defaultCompanyId) as WebhookTenant;
  }

  byId(companyId: string): WebhookTenant | undefined {
    return this.byCompany.get(companyId);
  }

  byAccount(accountId: number): WebhookTenant | undefined {
    if (this.byAccountId.size === 0) return this.defaultTenant;
    return this.byAccountId.get(accountId);
  }

  /** True when some tenant names its Chatwoot account (then unknown accounts are refused). */
  get routesByAccount(): boolean {
    return this.byAccountId.size > 0;
  }

  /** The tenants that accept unsigned deliveries. */
  unsigned(): string[] {
    return [...this.byCompany.values()].filter((t) => t.secret === null).map((t) => t.companyId);
  }
}
