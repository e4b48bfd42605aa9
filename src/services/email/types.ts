import type { SendClaimStore } from "../../util/send-claims.js";

/** The providers a tenant can send through, in the order they are tried when `providers` is unset. */
export const PROVIDER_NAMES = ["smtp", "sendgrid", "mailgun", "outbox"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const LOCALES = ["es", "en"] as const;
export type EmailLocale = (typeof LOCALES)[number];

/**
 * One tenant's email settings. Mirrors the original service's settings in camelCase; only
 * `companyId` is required. Which providers are used follows from what is configured unless
 * `providers` names them explicitly.
 */
export interface EmailConfig {
  companyId: string;
  /** Sender address; defaults to `no-reply@<companyId>.localhost` (`_` in the id becomes `-`). */
  fromEmail?: string;
  fromName?: string;
  smtpHost?: string;
  /** Defaults to 587 (465 means implicit TLS). */
  smtpPort?: number;
  smtpUsername?: string;
  smtpPassword?: string;
  /** TLS required (STARTTLS, or implicit TLS on port 465); default true. When false, STARTTLS is still used if offered. */
  useTls?: boolean;
  /** Extra TLS options for SMTP, e.g. `{ rejectUnauthorized: false }` for a server with a self-signed certificate. */
  smtpTls?: { rejectUnauthorized?: boolean; servername?: string };
  sendgridApiKey?: string;
  /** Defaults to https://api.sendgrid.com. */
  sendgridBaseUrl?: string;
  mailgunApiKey?: string;
  mailgunDomain?: string;
  /** Defaults to https://api.mailgun.net (use https://api.eu.mailgun.net for EU domains). */
  mailgunUrl?: string;
  /** Directory of the outbox provider's `.eml` files; defaults to `.data/outbox`. */
  outboxDir?: string;
  /** Order in which providers are tried. Default: the configured ones in PROVIDER_NAMES order, else `["outbox"]`. */
  providers?: ProviderName[];
  /** Move on to the next provider when one fails for good. Default true. */
  failover?: boolean;
  /** Retries per provider after the first attempt, for retriable errors only. Default 3. */
  maxRetries?: number;
  /** Base delay of the exponential backoff, in seconds (fractions allowed). Default 1. */
  retryDelay?: number;
  /** Upper bound of one provider call, in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Directory holding `<locale>/<name>.html` and `<locale>/<name>.subject.txt`. */
  templatesDir?: string;
  defaultLocale?: EmailLocale;
  /** The templates' `clinic_name` when the caller gives none. Default: `fromName`, if set. */
  clinicName?: string;
  /** The templates' `clinic_phone` when the caller gives none. */
  clinicPhone?: string;
  /** How long a sent idempotency key is remembered, in milliseconds. Default 7 days. */
  dedupTtlMs?: number;
}

/** EmailConfig with every default applied and every setting checked. */
export interface ResolvedEmailConfig
  extends Required<
    Omit<
      EmailConfig,
      | "smtpHost"
      | "smtpUsername"
      | "smtpPassword"
      | "smtpTls"
      | "sendgridApiKey"
      | "mailgunApiKey"
      | "mailgunDomain"
      | "templatesDir"
      | "clinicName"
      | "clinicPhone"
    >
  > {
  clinicName?: string;
  clinicPhone?: string;
  smtpHost?: string;
  smtpUsername?: string;
  smtpPassword?: string;
  smtpTls?: { rejectUnauthorized?: boolean; servername?: string };
  sendgridApiKey?: string;
  mailgunApiKey?: string;
  mailgunDomain?: string;
  templatesDir?: string;
}

/** A fully prepared message, as every transport receives it. Addresses are already validated. */
export interface OutgoingEmail {
  from: { email: string; name?: string };
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string;
  subject: string;
  /** Absent for a text-only message. */
  html?: string;
  text: string;
  /** RFC 5322 Message-ID including the angle brackets; stable for a given idempotency key. */
  messageId: string;
  /** Extra headers (e.g. `X-Idempotency-Key`). */
  headers: Record<string, string>;
}

export type RecipientKind = "to" | "cc" | "bcc";

/** A recipient the provider would not take, as the send result reports it. */
export interface RefusedRecipient {
  address: string;
  /** SMTP reply code (e.g. 451, 550) or HTTP status; null when the provider gave none. */
  code: number | null;
  /** The provider's reply, on one line. */
  message: string;
  kind: RecipientKind;
}

/** A way to deliver a message, nodemailer style: tiny, and the vendor SDK stays inside. */
export interface EmailTransport {
  readonly name: string;
  /**
   * Delivers the message or throws an EmailSendError saying whether a retry can help. Sends only
   * to the recipients who do not have it yet and records who accepted or refused it (see
   * delivery-progress.ts), so a retry or failover never sends anyone a second copy.
   */
  send(message: OutgoingEmail): Promise<{ messageId: string }>;
  /** Checks connectivity and credentials without sending. */
  verify?(): Promise<void>;
  close?(): Promise<void>;
}

export interface SendEmailInput {
  toEmail: string | string[];
  subject: string;
  bodyHtml: string;
  /** Derived from bodyHtml when absent. */
  bodyText?: string;
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string;
  /** A business key (e.g. `booking:<id>:confirmation`): a second send with the same key is not sent again. */
  idempotencyKey?: string;
}

export type TemplateVars = Record<string, string | number | null | undefined>;

export interface SendTemplateEmailInput {
  toEmail: string | string[];
  templateName: string;
  templateVars: TemplateVars;
  locale?: EmailLocale;
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string;
  idempotencyKey?: string;
}

export interface EmailSendResult {
  success: boolean;
  /** The provider that delivered the message, or the last one tried. */
  provider: string | null;
  messageId: string | null;
  /** What went wrong and what to do; never contains a configured secret. */
  error: string | null;
  /** Stable error code (see errors.ts) when `success` is false. */
  errorCode?: string;
  /** Provider calls made by this call, across all providers (0 for invalid input or a duplicate). */
  attempts: number;
  /** True when the idempotency key had already been sent and nothing was sent again. */
  deduplicated?: boolean;
  /** Whether trying again later may succeed (set for `IN_PROGRESS`: another process is sending this key). */
  retriable?: boolean;
  /**
   * True when this send took over a claim whose owner died mid-send: the first send may have gone
   * out too, and this one carries the same Message-ID so the two are recognisably one message.
   */
  resentAfterExpiredClaim?: boolean;
  /**
   * The recipients who have the message (on failure too: over SMTP a cc may have it although a
   * `to` recipient was refused). All-or-nothing APIs (SendGrid, Mailgun) list every recipient.
   */
  accepted?: string[];
  /**
   * The recipients the provider refused. A refused `to` recipient always fails the send; a refused
   * cc or bcc is only reported here.
   */
  refused?: RefusedRecipient[];
}

/**
 * Claims and results of idempotency keys, shared across processes (Redis, a SQLite file): before
 * sending, a service claims the key, so exactly one process sends it. See SendClaimStore.
 */
export type EmailDedupStore = SendClaimStore;
