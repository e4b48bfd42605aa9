import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpStandIn } from "./http-stand-in.js";

/** One request as the stand-in saw it (also the refused ones). */
export interface SendGridRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body, or null when it was not JSON. */
  body: unknown;
  status: number;
}

/** A message the stand-in accepted (answered 202). */
export interface SendGridAccepted {
  messageId: string;
  body: SendGridMailBody;
}

export interface SendGridMailBody {
  personalizations: {
    to: { email: string; name?: string }[];
    cc?: { email: string }[];
    bcc?: { email: string }[];
    subject?: string;
  }[];
  from: { email: string; name?: string };
  reply_to?: { email: string; name?: string };
  subject?: string;
  content: { type: string; value: string }[];
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
}

const sgError = (message: string, field: string | null = null) => ({
  errors: [{ message, field, help: null }],
});

/** Checks a v3 Mail Send body the way the API does; returns the first problem or null. */
export function checkMailSendBody(body: unknown): { message: string; field: string } | null {
  const b = body as Partial<SendGridMailBody> | null;
  if (typeof b !== "object" || b === null) return { message: "Bad Request", field: "body" };
  if (!Array.isArray(b.personalizations) || b.personalizations.length === 0) {
    return {
      message: "The personalizations field is required and must have at least one personalization.",
      field: "personalizations",
    };
  }
  let recipients = 0;
  for (const [i, p] of b.personalizations.entries()) {
    if (!Array.isArray(p.to) || p.to.length === 0) {
      return {
        message:
          "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
        field: `personalizations.${i}.to`,
      };
    }
    const seen = new Set<string>();
    for (const list of [p.to, p.cc ?? [], p.bcc ?? []]) {
      for (const r of list) {
        if (typeof r?.email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.email)) {
          return { message: "Does not contain a valid address.", field: `personalizations.${i}` };
        }
        const lower = r.email.toLowerCase();
        if (seen.has(lower)) {
          return {
            message:
              "Each email address in the personalization block should be unique between to, cc, and bcc.",
            field: `personalizations.${i}`,
          };
        }
        seen.add(lower);
        recipients++;
      }
    }
    if (typeof b.subject !== "string" && typeof p.subject !== "string") {
      return {
        message:
          "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
        field: "subject",
      };
    }
  }
  if (recipients > 1000)
    return { message: "The personalizations field has too many recipients.", field: "personalizations" };
  if (typeof b.from?.email !== "string" || !b.from.email.includes("@")) {
    return {
      message:
        "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
      field: "from.email",
    };
  }
  if (!Array.isArray(b.content) || b.content.length === 0) {
    return {
      message: "Unless a valid template_id is provided, the content parameter is required.",
      field: "content",
    };
  }
  for (const [i, c] of b.content.entries()) {
    if (typeof c?.type !== "string" || typeof c.value !== "string" || c.value.length === 0) {
      return {
        message: "The content value must be a string at least one character in length.",
        field: `content.${i}.value`,
      };
    }
  }
  const types = b.content.map((c) => c.type);
  if (types.includes("text/plain") && types.indexOf("text/plain") !== 0) {
    return {
      message: "If present, text/plain content must be first, followed by any other content.",
      field: "content",
    };
  }
  return null;
}

/**
 * A local SendGrid v3 Mail Send API (`POST /v3/mail/send`) for the real `@sendgrid/mail` client:
 * Bearer key check (401), body checks as the API does them (400), 413 over the size limit, and
 * 202 with an `X-Message-Id` header on success. Failures (429, 500, 503...) can be injected.
 */
export class SendGridStandIn extends HttpStandIn {
  readonly requests: SendGridRequest[] = [];
  readonly accepted: SendGridAccepted[] = [];

  constructor(private readonly options: { apiKey: string; maxBodyBytes?: number }) {
    super();
  }

  override reset(): void {
    super.reset();
    this.requests.length = 0;
    this.accepted.length = 0;
  }

  protected async handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let body: unknown = null;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : null;
    } catch {
      body = null;
    }
    const record: SendGridRequest = { method: req.method ?? "", path, headers: req.headers, body, status: 0 };
    this.requests.push(record);
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const injected = await this.takeInjected();
    if (injected !== null) {
      const next = { status: injected };
      if (next.status === 429) {
        return send(429, sgError("too many requests"), {
          "X-RateLimit-Limit": "600",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(Math.floor(Date.now() / 1000) + 1),
        });
      }
      if (next.status !== 0)
        return send(next.status, sgError(next.status >= 500 ? "internal error" : "injected failure"));
    }
    if (path !== "/v3/mail/send") return send(404, sgError("resource not found"));
    if (req.method !== "POST") return send(405, sgError("method not allowed"));
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return send(401, sgError("The provided authorization grant is invalid, expired, or revoked"));
    }
    if (raw.length > (this.options.maxBodyBytes ?? 30 * 1024 * 1024))
      return send(413, sgError("payload too large"));
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json") || body === null) {
      return send(400, sgError("Bad Request", null));
    }
    const problem = checkMailSendBody(body);
    if (problem) return send(400, sgError(problem.message, problem.field));
    const messageId = randomBytes(16).toString("base64url").slice(0, 22);
    this.accepted.push({ messageId, body: body as SendGridMailBody });
    send(202, undefined, { "X-Message-Id": messageId });
  }
}
