import { join } from "node:path";
import type { AppConfig, TenantConfig } from "../../config/index.js";
import type { Logger } from "../../util/logger.js";
import { EmailService, type EmailServiceDeps } from "./email-service.js";
import type { EmailConfig } from "./types.js";

/**
 * A tenant's EmailConfig: the tenant's own settings first, the environment's as defaults. Each
 * provider's settings are taken as a group (host, port, user and password together; key and domain
 * together), so a tenant's SMTP host is never paired with the platform's SMTP password.
 * The outbox of each tenant is its own directory under DATA_DIR.
 */
export function emailConfigForTenant(
  app: Pick<AppConfig, "env" | "dataDir">,
  tenant: TenantConfig,
): EmailConfig {
  const env = app.env;
  const own = tenant.email;
  const smtp = own.smtpHost
    ? {
        smtpHost: own.smtpHost,
        smtpPort: own.smtpPort,
        smtpUsername: own.smtpUsername,
        smtpPassword: own.smtpPassword,
        useTls: own.useTls,
      }
    : {
        smtpHost: env.SMTP_HOST,
        smtpPort: env.SMTP_PORT,
        smtpUsername: env.SMTP_USER,
        smtpPassword: env.SMTP_PASS,
        useTls: env.SMTP_SECURE,
      };
  const mailgun = own.mailgunApiKey
    ? { mailgunApiKey: own.mailgunApiKey, mailgunDomain: own.mailgunDomain }
    : { mailgunApiKey: env.MAILGUN_API_KEY, mailgunDomain: env.MAILGUN_DOMAIN };
  const config: EmailConfig = {
    companyId: tenant.companyId,
    fromEmail: own.fromEmail ?? env.EMAIL_FROM,
    fromName: own.fromName ?? env.EMAIL_FROM_NAME ?? tenant.name,
    ...smtp,
    sendgridApiKey: own.sendgridApiKey ?? env.SENDGRID_API_KEY,
    sendgridBaseUrl: env.SENDGRID_BASE_URL,
    ...mailgun,
    mailgunUrl: env.MAILGUN_URL,
    outboxDir: join(app.dataDir, "outbox", tenant.companyId),
    defaultLocale: tenant.locale,
    clinicName: tenant.name,
    clinicPhone: tenant.phone,
  };
  if (own.providers) config.providers = own.providers;
  // Leave unset values out so the service's defaults apply.
  return Object.fromEntries(
    Object.entries(config).filter(([, v]) => v !== undefined),
  ) as unknown as EmailConfig;
}

/** The EmailService of one tenant, wired from the application config (used by the composition root). */
export function buildEmailService(
  app: Pick<AppConfig, "env" | "dataDir">,
  tenant: TenantConfig,
  logger?: Logger,
  deps: Omit<EmailServiceDeps, "logger"> = {},
): EmailService {
  return new EmailService(emailConfigForTenant(app, tenant), { ...deps, ...(logger ? { logger } : {}) });
}
