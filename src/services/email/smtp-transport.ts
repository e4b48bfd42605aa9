import { createTransport, type Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import { classifySmtpError } from "./classify.js";
import type { EmailTransport, OutgoingEmail } from "./types.js";

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

  async send(message: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const info = await this.transporter.sendMail(toNodemailerMessage(message));
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && (info.accepted ?? []).length === 0) {
        throw Object.assign(new Error(`all recipients were rejected: ${rejected.join(", ")}`), {
          code: "EENVELOPE",
        });
      }
      return { messageId: info.messageId || message.messageId };
    } catch (err) {
      throw classifySmtpError(err, this.name);
    }
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
