import { EmailConfigError } from "./errors.js";
import {
  type EmailConfig,
  LOCALES,
  PROVIDER_NAMES,
  type ProviderName,
  type ResolvedEmailConfig,
} from "./types.js";
import { isEmailAddress } from "./validation.js";

const DAY_MS = 24 * 60 * 60 * 1000;

function checkUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EmailConfigError(
      field,
      `expected an absolute URL such as http://127.0.0.1:8080, got "${value}"`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EmailConfigError(field, `expected an http(s) URL, got "${value}"`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Which providers have the settings they need, in PROVIDER_NAMES order. */
export function configuredProviders(config: EmailConfig): ProviderName[] {
  const out: ProviderName[] = [];
  if (nonEmpty(config.smtpHost)) out.push("smtp");
  if (nonEmpty(config.sendgridApiKey)) out.push("sendgrid");
  if (nonEmpty(config.mailgunApiKey) && nonEmpty(config.mailgunDomain)) out.push("mailgun");
  return out;
}

/**
 * Applies the defaults and checks every setting; a setting that cannot work throws an
 * EmailConfigError naming it (e.g. provider "sendgrid" listed without `sendgridApiKey`).
 */
export function resolveEmailConfig(config: EmailConfig): ResolvedEmailConfig {
  if (typeof config.companyId !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(config.companyId)) {
    throw new EmailConfigError("companyId", "expected letters, digits, - or _ (e.g. benova)");
  }
  // A host name has no "_": a tenant such as "clinica_sur" gets no-reply@clinica-sur.localhost.
  const host = config.companyId.toLowerCase().replaceAll("_", "-");
  const fromEmail = nonEmpty(config.fromEmail) ?? `no-reply@${host}.localhost`;
  if (!isEmailAddress(fromEmail))
    throw new EmailConfigError("fromEmail", `expected an email address, got "${fromEmail}"`);
  const fromName = config.fromName ?? "";
  if (/[\r\n]/.test(fromName)) throw new EmailConfigError("fromName", "must be a single line");
  const smtpPort = config.smtpPort ?? 587;
  if (!Number.isInteger(smtpPort) || smtpPort < 1 || smtpPort > 65535) {
    throw new EmailConfigError("smtpPort", `expected a port number between 1 and 65535, got ${smtpPort}`);
  }
  const maxRetries = config.maxRetries ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 20) {
    throw new EmailConfigError("maxRetries", `expected a whole number from 0 to 20, got ${maxRetries}`);
  }
  const retryDelay = config.retryDelay ?? 1;
  if (!Number.isFinite(retryDelay) || retryDelay < 0 || retryDelay > 600) {
    throw new EmailConfigError(
      "retryDelay",
      `expected seconds from 0 to 600 (fractions allowed), got ${retryDelay}`,
    );
  }
  const timeoutMs = config.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new EmailConfigError("timeoutMs", `expected a positive number of milliseconds, got ${timeoutMs}`);
  }
  const dedupTtlMs = config.dedupTtlMs ?? 7 * DAY_MS;
  if (!Number.isInteger(dedupTtlMs) || dedupTtlMs <= 0) {
    throw new EmailConfigError(
      "dedupTtlMs",
      `expected a positive whole number of milliseconds, got ${dedupTtlMs}`,
    );
  }
  const defaultLocale = config.defaultLocale ?? "es";
  if (!LOCALES.includes(defaultLocale)) {
    throw new EmailConfigError(
      "defaultLocale",
      `expected one of ${LOCALES.join(", ")}, got "${defaultLocale}"`,
    );
  }
  const configured = configuredProviders(config);
  const providers = config.providers ?? (configured.length > 0 ? configured : ["outbox"]);
  if (!Array.isArray(providers) || providers.length === 0) {
    throw new EmailConfigError("providers", `expected a non-empty list of ${PROVIDER_NAMES.join(", ")}`);
  }
  const seen = new Set<string>();
  for (const p of providers) {
    if (!PROVIDER_NAMES.includes(p)) {
      throw new EmailConfigError(
        "providers",
        `unknown provider "${p}"; expected ${PROVIDER_NAMES.join(", ")}`,
      );
    }
    if (seen.has(p)) throw new EmailConfigError("providers", `"${p}" is listed twice`);
    seen.add(p);
    if (p !== "outbox" && !configured.includes(p)) {
      const needs = {
        smtp: "smtpHost",
        sendgrid: "sendgridApiKey",
        mailgun: "mailgunApiKey and mailgunDomain",
      }[p];
      throw new EmailConfigError("providers", `"${p}" is listed but ${needs} is not set`);
    }
  }
  return {
    ...config,
    companyId: config.companyId,
    fromEmail,
    fromName,
    smtpHost: nonEmpty(config.smtpHost),
    smtpPort,
    useTls: config.useTls ?? true,
    sendgridBaseUrl: checkUrl("sendgridBaseUrl", config.sendgridBaseUrl ?? "https://api.sendgrid.com"),
    mailgunUrl: checkUrl("mailgunUrl", config.mailgunUrl ?? "https://api.mailgun.net"),
    outboxDir: nonEmpty(config.outboxDir) ?? ".data/outbox",
    providers: [...providers],
    failover: config.failover ?? true,
    maxRetries,
    retryDelay,
    timeoutMs,
    defaultLocale,
    dedupTtlMs,
    clinicName: nonEmpty(config.clinicName)?.trim() ?? (nonEmpty(fromName)?.trim() || undefined),
    clinicPhone: nonEmpty(config.clinicPhone)?.trim(),
  };
}
