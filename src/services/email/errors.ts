import { AgentLedgerError } from "../../util/errors.js";
/**
 * Errors of the email service. Each has a stable `name`, a `code` and a `retriable` flag
 * (which `isTransientError` in src/util/retry.ts honours first).
 */

export type EmailErrorCode =
  | "EMAIL_INVALID_INPUT"
  | "EMAIL_CONFIG_INVALID"
  | "EMAIL_TEMPLATE_UNKNOWN"
  | "EMAIL_TEMPLATE_VARS_MISSING"
  | "EMAIL_TEMPLATE_VARS_INVALID"
  | "EMAIL_DEDUP_UNAVAILABLE"
  | EmailSendErrorCode;

export type EmailSendErrorCode =
  /** The provider refused the message for good (SMTP 5xx, HTTP 400/413/422...). */
  | "EMAIL_REJECTED"
  /** The credentials were refused (SMTP EAUTH, HTTP 401/403). */
  | "EMAIL_AUTH_FAILED"
  /** The provider said "later" (SMTP 4xx). */
  | "EMAIL_TEMPORARY_FAILURE"
  /** HTTP 429. */
  | "EMAIL_RATE_LIMITED"
  /** HTTP 5xx or 408. */
  | "EMAIL_PROVIDER_UNAVAILABLE"
  /** The provider could not be reached or the connection broke. */
  | "EMAIL_CONNECTION_FAILED"
  /** TLS could not be set up as configured. */
  | "EMAIL_TLS_FAILED"
  /** The outbox file could not be written. */
  | "EMAIL_OUTBOX_WRITE_FAILED"
  /** Anything else the provider or its client threw. */
  | "EMAIL_SEND_FAILED";

/** A provider failed to deliver a message. `retriable` says whether the same call may succeed later. */
export class EmailSendError extends AgentLedgerError {
  override readonly name = "EmailSendError";
  readonly code: EmailSendErrorCode;
  readonly retriable: boolean;
  readonly provider: string;
  /** SMTP reply code or HTTP status, when the provider answered. */
  readonly status?: number;
  /** The client library's own error code (e.g. `ECONNECTION`, `EAUTH`). */
  readonly providerCode?: string;

  constructor(opts: {
    code: EmailSendErrorCode;
    retriable: boolean;
    provider: string;
    message: string;
    status?: number;
    providerCode?: string;
  }) {
    super(opts.message);
    this.code = opts.code;
    this.retriable = opts.retriable;
    this.provider = opts.provider;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.providerCode !== undefined) this.providerCode = opts.providerCode;
  }
}

/** Input that cannot be sent; nothing was sent. `field` names the offending input. */
export class EmailValidationError extends AgentLedgerError {
  override readonly name = "EmailValidationError";
  readonly code = "EMAIL_INVALID_INPUT";
  readonly retriable = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** An unknown template or locale, or template variables that are missing or of the wrong type. */
export class EmailTemplateError extends AgentLedgerError {
  override readonly name = "EmailTemplateError";
  readonly retriable = false;
  constructor(
    readonly code: "EMAIL_TEMPLATE_UNKNOWN" | "EMAIL_TEMPLATE_VARS_MISSING" | "EMAIL_TEMPLATE_VARS_INVALID",
    message: string,
    /** The variables that are missing or invalid, by name. */
    readonly variables: string[] = [],
  ) {
    super(message);
  }
}

/** A setting that cannot work (e.g. provider "sendgrid" without an API key). Thrown by the constructor. */
export class EmailConfigError extends AgentLedgerError {
  override readonly name = "EmailConfigError";
  readonly code = "EMAIL_CONFIG_INVALID";
  readonly retriable = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`email config ${field}: ${message}`);
  }
}

/** The dedup store could not be read, so the service does not know whether the key was sent already. */
export class EmailDedupError extends AgentLedgerError {
  override readonly name = "EmailDedupError";
  readonly code = "EMAIL_DEDUP_UNAVAILABLE";
  readonly retriable = true;
}

export function isEmailSendError(err: unknown): err is EmailSendError {
  return err instanceof EmailSendError;
}

/**
 * Removes secret values from a message, also in the encodings SMTP AUTH puts on the wire
 * (base64 of the password, of `\0user\0password` and of `user:password`), since a server reply
 * echoed into an error message could carry them.
 */
export function scrubSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
  username?: string,
): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    forms.add(secret);
    forms.add(Buffer.from(secret).toString("base64"));
    forms.add(encodeURIComponent(secret));
    if (username) {
      forms.add(Buffer.from(`\u0000${username}\u0000${secret}`).toString("base64"));
      forms.add(Buffer.from(`${username}:${secret}`).toString("base64"));
    }
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form.length >= 4 && out.includes(form)) out = out.split(form).join("[REDACTED]");
  }
  return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, "$1 [REDACTED]");
}
