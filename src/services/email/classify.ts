import { isTransientError } from "../../util/retry.js";
import { EmailSendError } from "./errors.js";

/** Network error codes that mean "the provider could not be reached or the connection broke". */
const CONNECTION_CODES = new Set([
  "ECONNECTION",
  "ESOCKET",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EDNS",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

interface ErrorShape {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

function shape(err: unknown): ErrorShape {
  return typeof err === "object" && err !== null ? (err as ErrorShape) : { message: String(err) };
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/**
 * Maps a nodemailer error to an EmailSendError: SMTP 4xx and connection errors are retriable;
 * 5xx and EAUTH are final, except 503 (bad sequence of commands: the session, not the message,
 * was refused, so a new connection can succeed, as nodemailer's own `isPermanentResponseCode` says).
 */
export function classifySmtpError(err: unknown, provider = "smtp"): EmailSendError {
  if (err instanceof EmailSendError) return err;
  const e = shape(err);
  const providerCode = typeof e.code === "string" ? e.code : undefined;
  const status = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const reply = typeof e.response === "string" ? oneLine(e.response) : oneLine(String(e.message ?? err));
  const base = { provider, providerCode, status };
  if (providerCode === "EAUTH" || providerCode === "ENOAUTH" || providerCode === "EOAUTH2") {
    return new EmailSendError({
      ...base,
      code: "EMAIL_AUTH_FAILED",
      retriable: false,
      message: `SMTP server refused the credentials (${reply}); check smtpUsername and smtpPassword`,
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_TEMPORARY_FAILURE",
      retriable: true,
      message: `SMTP server deferred the message with ${status} (${reply}); it can be retried later`,
    });
  }
  if (status === 503) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_TEMPORARY_FAILURE",
      retriable: true,
      message: `SMTP server answered 503 bad sequence of commands (${reply}); a new connection can succeed`,
    });
  }
  if (status !== undefined && status >= 500) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_REJECTED",
      retriable: false,
      message: `SMTP server rejected the message with ${status} (${reply}); check the addresses and content`,
    });
  }
  if (providerCode !== undefined && CONNECTION_CODES.has(providerCode)) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_CONNECTION_FAILED",
      retriable: true,
      message: `SMTP connection failed (${providerCode}: ${reply}); check smtpHost/smtpPort or retry later`,
    });
  }
  if (providerCode === "ETLS" || providerCode === "EREQUIRETLS") {
    return new EmailSendError({
      ...base,
      code: "EMAIL_TLS_FAILED",
      retriable: false,
      message: `SMTP TLS setup failed (${reply}); check useTls, smtpPort and the server certificate`,
    });
  }
  if (providerCode === "EENVELOPE" || providerCode === "EMESSAGE" || providerCode === "EMAXRECIPIENTS") {
    return new EmailSendError({
      ...base,
      code: "EMAIL_REJECTED",
      retriable: false,
      message: `SMTP message could not be sent (${reply}); check the addresses and content`,
    });
  }
  const retriable = isTransientError(err);
  return new EmailSendError({
    ...base,
    code: retriable ? "EMAIL_CONNECTION_FAILED" : "EMAIL_SEND_FAILED",
    retriable,
    message: `SMTP send failed (${providerCode ? `${providerCode}: ` : ""}${reply})`,
  });
}

/**
 * Maps an HTTP API outcome to an EmailSendError: 429, 408 and 5xx are retriable; 400, 401, 403,
 * 413 and other 4xx are final; no status plus a network error code is a retriable connection failure.
 */
export function classifyHttpError(opts: {
  provider: string;
  status?: number;
  networkCode?: string;
  detail: string;
  /** What the user should check on an auth failure, e.g. "sendgridApiKey". */
  keyField: string;
}): EmailSendError {
  const { provider, status, networkCode } = opts;
  const detail = oneLine(opts.detail);
  const base = { provider, status, providerCode: networkCode };
  if (status === undefined) {
    const connection = networkCode !== undefined && CONNECTION_CODES.has(networkCode);
    return new EmailSendError({
      ...base,
      code: connection ? "EMAIL_CONNECTION_FAILED" : "EMAIL_SEND_FAILED",
      retriable: connection,
      message: connection
        ? `${provider} could not be reached (${networkCode}: ${detail}); check the base URL or retry later`
        : `${provider} request failed (${detail})`,
    });
  }
  if (status === 429) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_RATE_LIMITED",
      retriable: true,
      message: `${provider} rate limit reached (HTTP 429: ${detail}); retry later`,
    });
  }
  if (status >= 500 || status === 408) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_PROVIDER_UNAVAILABLE",
      retriable: true,
      message: `${provider} is unavailable (HTTP ${status}: ${detail}); retry later`,
    });
  }
  if (status === 401 || status === 403) {
    return new EmailSendError({
      ...base,
      code: "EMAIL_AUTH_FAILED",
      retriable: false,
      message: `${provider} refused the credentials (HTTP ${status}: ${detail}); check ${opts.keyField}`,
    });
  }
  return new EmailSendError({
    ...base,
    code: "EMAIL_REJECTED",
    retriable: false,
    message:
      status === 413
        ? `${provider} rejected the message as too large (HTTP 413: ${detail}); shorten it`
        : `${provider} rejected the message (HTTP ${status}: ${detail}); check the addresses and content`,
  });
}

/** Any error a transport threw, as an EmailSendError (SMTP-shaped errors by SMTP rules, others by HTTP rules). */
export function classifyError(err: unknown, provider: string): EmailSendError {
  if (err instanceof EmailSendError) return err;
  const e = shape(err) as ErrorShape & { status?: unknown; statusCode?: unknown; retriable?: unknown };
  if (typeof e.retriable === "boolean") {
    return new EmailSendError({
      provider,
      code: "EMAIL_SEND_FAILED",
      retriable: e.retriable,
      message: `${provider} send failed (${oneLine(String(e.message ?? err))})`,
    });
  }
  if (typeof e.responseCode === "number") return classifySmtpError(err, provider);
  const status = [e.status, e.statusCode].find((v): v is number => typeof v === "number");
  if (status !== undefined || typeof e.code === "string") {
    return classifyHttpError({
      provider,
      status,
      networkCode: typeof e.code === "string" ? e.code : undefined,
      detail: String(e.message ?? err),
      keyField: "its credentials",
    });
  }
  const retriable = isTransientError(err);
  return new EmailSendError({
    provider,
    code: retriable ? "EMAIL_CONNECTION_FAILED" : "EMAIL_SEND_FAILED",
    retriable,
    message: `${provider} send failed (${oneLine(String(e.message ?? err))})`,
  });
}
