import { Client } from "@sendgrid/client";
import { MailService } from "@sendgrid/mail";
import { classifyHttpError } from "./classify.js";
import { markAccepted, recipientsOf, remainingMessage } from "./delivery-progress.js";
import type { EmailTransport, OutgoingEmail } from "./types.js";

export interface SendGridTransportOptions {
  apiKey: string;
  /** Defaults to https://api.sendgrid.com. */
  baseUrl?: string;
  timeoutMs: number;
}

interface SendGridErrorShape {
  code?: unknown;
  message?: unknown;
  response?: { body?: unknown; headers?: Record<string, unknown> };
}

function describeSendGridError(err: unknown) {
  const e = (typeof err === "object" && err !== null ? err : {}) as SendGridErrorShape;
  const status = typeof e.code === "number" ? e.code : undefined;
  const networkCode = typeof e.code === "string" ? e.code : undefined;
  const body = e.response?.body as { errors?: { message?: unknown; field?: unknown }[] } | undefined;
  const details = Array.isArray(body?.errors)
    ? body.errors
        .map((x) => `${typeof x.field === "string" ? `${x.field}: ` : ""}${String(x.message ?? "")}`)
        .join("; ")
    : "";
  const detail = details || (typeof e.message === "string" && e.message ? e.message : "no details");
  return { status, networkCode, detail };
}

/** Sends through the SendGrid v3 Mail Send API with the official client, pointed at `baseUrl`. */
export class SendGridTransport implements EmailTransport {
  readonly name = "sendgrid";
  private readonly mail: MailService;

  constructor(options: SendGridTransportOptions) {
    const client = new Client();
    // setApiKey resets baseUrl to the public API, so the base URL must be set after it.
    client.setApiKey(options.apiKey);
    if (options.baseUrl) client.setDefaultRequest("baseUrl", options.baseUrl);
    this.mail = new MailService();
    this.mail.setClient(client);
    this.mail.setTimeout(options.timeoutMs);
  }

  /** All or nothing: on success every recipient sent to is accepted (after failover, only those who lacked it). */
  async send(full: OutgoingEmail): Promise<{ messageId: string }> {
    const message = remainingMessage(full);
    // text/plain must come before text/html; an empty part is refused by the API.
    const plain = { type: "text/plain", value: message.text };
    const content: [{ type: string; value: string }, ...{ type: string; value: string }[]] = message.html
      ? message.text
        ? [plain, { type: "text/html", value: message.html }]
        : [{ type: "text/html", value: message.html }]
      : [plain];
    try {
      const [response] = await this.mail.send({
        to: message.to,
        cc: message.cc.length > 0 ? message.cc : undefined,
        bcc: message.bcc.length > 0 ? message.bcc : undefined,
        from: message.from.name ? { email: message.from.email, name: message.from.name } : message.from.email,
        replyTo: message.replyTo,
        subject: message.subject,
        content,
        headers: message.headers,
        customArgs: message.headers["X-Idempotency-Key"]
          ? { idempotency_key: message.headers["X-Idempotency-Key"] }
          : undefined,
      });
      const header = response.headers["x-message-id"];
      const messageId = typeof header === "string" && header !== "" ? header : message.messageId;
      markAccepted(
        full,
        recipientsOf(message).map((r) => r.address),
      );
      return { messageId };
    } catch (err) {
      const { status, networkCode, detail } = describeSendGridError(err);
      throw classifyHttpError({
        provider: this.name,
        status,
        networkCode,
        detail,
        keyField: "sendgridApiKey",
      });
    }
  }
}
