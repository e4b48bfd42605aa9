import { createTransport, type Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import { classifySmtpError } from "./classify.js";
import { deliveryReport, markAccepted, markRefused, undelivered } from "./delivery-progress.js";
import { EmailSendError } from "./errors.js";
import type { EmailTransport, OutgoingEmail, RecipientKind, RefusedRecipient } from "./types.js";

/** nodemailer reports addresses as strings, or as `{ address }` objects in some versions. */
function addressOf(entry: unknown): string {
  return typeof entry === "object" && entry !== null && "address" in entry
    ? String((entry as { address: unknown }).address)
    : String(entry);
}

/** A nodemailer RCPT TO error as a refusal of one of this attempt's recipients. */
function refusalOf(err: unknown, kinds: Map<string, RecipientKind>): RefusedRecipient | null {
  const e = err as { recipient?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  if (typeof e.recipient !== "string") return null;
  const kind = kinds.get(e.recipient.toLowerCase());
  if (!kind) return null;
  const reply = typeof e.response === "string" ? e.response : String(e.message ?? "refused");
  return {
    address: e.recipient,
    code: typeof e.responseCode === "number" ? e.responseCode : null,
    // The reply starts with its code, which `code` already holds.
    message: reply
      .replace(/\s+/g, " ")
      .trim()
      .replace(/^\d{3}[ -]/, ""),
    kind,
  };
}

export interface SmtpTransportOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Require TLS: implicit TLS on port 465, STARTTLS otherwise. When false STARTTLS is still used if offered. */
  useTls: boolean;
  tls?: { rejectUnauthorized?: boolean; servername?: string };
  timeoutMs: number;
}

/** Converts an outgoing email to nodemailer's message options (shared with the outbox). */
export function toNodemailerMessage(message: OutgoingEmail) {
  return {
    from: message.from.name ? { name: message.from.name, address: message.from.email } : message.from.email,
    to: message.to,
    cc: message.cc.length > 0 ? message.cc : undefined,
    bcc: message.bcc.length > 0 ? message.bcc : undefined,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text || undefined,
    html: message.html || undefined,
    messageId: message.messageId,
    headers: message.headers,
  };
}

/** Sends through an SMTP server with a pooled nodemailer transport. */
export class SmtpTransport implements EmailTransport {
  readonly name = "smtp";
  private readonly transporter: Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

  constructor(options: SmtpTransportOptions) {
    const implicitTls = options.port === 465;
    this.transporter = createTransport({
      host: options.host,
      port: options.port,
      secure: options.useTls && implicitTls,
      requireTLS: options.useTls && !implicitTls,
      pool: true,
      maxConnections: 3,
      auth: options.username ? { user: options.username, pass: options.password ?? "" } : undefined,
      tls: options.tls,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: Math.min(options.timeoutMs, 30_000),
      socketTimeout: options.timeoutMs,
      // nodemailer logs nothing by default; the service logs outcomes itself.
      logger: false,
    });
  }

  /**
   * Sends to the recipients who do not have the message yet (all of them on a first attempt),
   * with the headers unchanged. Every recipient refused at RCPT TO is recorded. A refused `to`
   * recipient fails the attempt: 4xx as retriable (the retry goes to the refused recipients only),
   * 5xx as final, naming the address. Refused cc and bcc recipients are reported, not failed.
   */
  async send(message: OutgoingEmail): Promise<{ messageId: string }> {
    const pending = undelivered(message);
    let info: SMTPPool.SentMessageInfo | undefined;
    let refusals: unknown[] = [];
    try {
      info = await this.transporter.sendMail({
        ...toNodemailerMessage(message),
        // Only the SMTP envelope is narrowed: the To and Cc headers stay as composed.
        envelope: { from: message.from.email, to: pending.map((r) => r.address) },
      });
      markAccepted(message, (info.accepted ?? []).map(addressOf));
      refusals = (info as { rejectedErrors?: unknown[] }).rejectedErrors ?? [];
    } catch (err) {
      const e = err as { code?: unknown; rejectedErrors?: unknown };
      // Every recipient refused at RCPT TO: judged below, recipient by recipient.
      if (e.code !== "EENVELOPE" || !Array.isArray(e.rejectedErrors) || e.rejectedErrors.length === 0) {
        throw classifySmtpError(err, this.name);
      }
      refusals = e.rejectedErrors;
    }
    const kinds = new Map(pending.map((r) => [r.address.toLowerCase(), r.kind]));
    for (const r of refusals) {
      const refusal = refusalOf(r, kinds);
      if (refusal) markRefused(message, refusal);
    }
    const { accepted, refused } = deliveryReport(message);
    const toRefused = refused.filter((r) => r.kind === "to");
    if (toRefused.length === 0) return { messageId: info?.messageId || message.messageId };
    // 503 (bad sequence of commands) is about the session, not the mailbox: a retry can succeed.
    const permanent = toRefused.filter((r) => r.code === null || (r.code >= 500 && r.code !== 503));
    const failed = permanent.length > 0 ? permanent : toRefused;
    const who = failed.map((r) => `${r.address} (${r.code ?? "no code"} ${r.message})`).join(", ");
    const delivered =
      accepted.length > 0
        ? `; delivered only to ${accepted.join(", ")}, who will not get it again`
        : "; nobody got it";
    throw new EmailSendError({
      provider: this.name,
      code: permanent.length > 0 ? "EMAIL_REJECTED" : "EMAIL_TEMPORARY_FAILURE",
      retriable: permanent.length === 0,
      status: failed[0]?.code ?? undefined,
      providerCode: "EENVELOPE",
      message:
        permanent.length > 0
          ? `SMTP server refused recipient ${who}${delivered}; check the address`
          : `SMTP server deferred recipient ${who}${delivered}; a retry sends to the deferred recipients only`,
    });
  }

  async verify(): Promise<void> {
    try {
      await this.transporter.verify();
    } catch (err) {
      throw classifySmtpError(err, this.name);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
