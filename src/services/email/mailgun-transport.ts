import FormData from "form-data";
import Mailgun from "mailgun.js";
import { classifyHttpError } from "./classify.js";
import { markAccepted, recipientsOf, remainingMessage } from "./delivery-progress.js";
import type { EmailTransport, OutgoingEmail } from "./types.js";

export interface MailgunTransportOptions {
  apiKey: string;
  domain: string;
  /** Defaults to https://api.mailgun.net (EU domains: https://api.eu.mailgun.net). */
  url?: string;
  timeoutMs: number;
}

type MailgunClient = ReturnType<Mailgun["client"]>;

/** `"Name" <address>` with the name quoted as RFC 5322 wants. */
export function formatMailbox(email: string, name?: string): string {
  if (!name) return email;
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${email}>`;
}

function describeMailgunError(err: unknown) {
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
    details?: unknown;
  };
  // mailgun.js reports a request that got no answer as status 400 with the network code
  // (ECONNREFUSED, ECONNABORTED...) as its message: that is not a rejection by Mailgun.
  const noAnswer = typeof e.message === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)$/.test(e.message);
  const status = !noAnswer && typeof e.status === "number" && e.status > 0 ? e.status : undefined;
  const networkCode = noAnswer ? (e.message as string) : typeof e.code === "string" ? e.code : undefined;
  const parts = [e.message, e.details].filter((p): p is string => typeof p === "string" && p !== "");
  return { status, networkCode, detail: [...new Set(parts)].join(": ") || "no details" };
}

/** Sends through the Mailgun Messages API (`POST /v3/{domain}/messages`) with mailgun.js. */
export class MailgunTransport implements EmailTransport {
  readonly name = "mailgun";
  private readonly client: MailgunClient;
  private readonly domain: string;

  constructor(options: MailgunTransportOptions) {
    this.domain = options.domain;
    this.client = new Mailgun(FormData).client({
      username: "api",
      key: options.apiKey,
      url: options.url,
      timeout: options.timeoutMs,
    });
  }

  /** All or nothing: on success every recipient sent to is accepted (after failover, only those who lacked it). */
  async send(full: OutgoingEmail): Promise<{ messageId: string }> {
    const message = remainingMessage(full);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers)) headers[`h:${name}`] = value;
    try {
      const result = await this.client.messages.create(this.domain, {
        from: formatMailbox(message.from.email, message.from.name),
        to: message.to,
        cc: message.cc.length > 0 ? message.cc : undefined,
        bcc: message.bcc.length > 0 ? message.bcc : undefined,
        subject: message.subject,
        // Empty fields are left out of the form by mailgun.js.
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        ...(message.replyTo ? { "h:Reply-To": message.replyTo } : {}),
        "h:Message-Id": message.messageId,
        ...headers,
      });
      markAccepted(
        full,
        recipientsOf(message).map((r) => r.address),
      );
      return { messageId: result.id || message.messageId };
    } catch (err) {
      const { status, networkCode, detail } = describeMailgunError(err);
      throw classifyHttpError({
        provider: this.name,
        status,
        networkCode,
        detail,
        keyField: "mailgunApiKey",
      });
    }
  }
}
