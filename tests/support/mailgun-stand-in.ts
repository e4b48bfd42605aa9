import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpStandIn } from "./http-stand-in.js";

/** Form fields by name; a name can repeat (several `to`, several `h:` headers). */
export type FormFields = Record<string, string[]>;

export interface MailgunRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  fields: FormFields;
  status: number;
}

export interface MailgunAccepted {
  id: string;
  domain: string;
  fields: FormFields;
}

function addField(fields: FormFields, name: string, value: string): void {
  const list = fields[name];
  if (list) list.push(value);
  else fields[name] = [value];
}

/** Parses a `multipart/form-data` body (RFC 7578): text fields only, files are kept as text too. */
export function parseMultipart(body: Buffer, contentType: string): FormFields {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Error("multipart body without a boundary");
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: FormFields = {};
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const end = body.indexOf(delimiter, start);
    if (end < 0) throw new Error("multipart body is not terminated");
    const part = body.subarray(start, end - 2); // without the CRLF before the next delimiter
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) throw new Error("multipart part without a header block");
    const head = part.subarray(0, split).toString("utf8");
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) throw new Error("multipart part without a name");
    addField(fields, name, part.subarray(split + 4).toString("utf8"));
    pos = end;
  }
  return fields;
}

function parseForm(body: Buffer, contentType: string): FormFields {
  if (contentType.startsWith("multipart/form-data")) return parseMultipart(body, contentType);
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    const fields: FormFields = {};
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) addField(fields, k, v);
    return fields;
  }
  throw new Error(`unsupported content type "${contentType}"`);
}

/**
 * A local Mailgun Messages API (`POST /v3/{domain}/messages`) for the real `mailgun.js` client:
 * multipart (or urlencoded) form, Basic auth `api:<key>` (401 "Forbidden"), unknown domain 404,
 * missing fields 400, success `{id, message: "Queued. Thank you."}`. Failures can be injected.
 */
export class MailgunStandIn extends HttpStandIn {
  readonly requests: MailgunRequest[] = [];
  readonly accepted: MailgunAccepted[] = [];

  constructor(private readonly options: { apiKey: string; domain: string }) {
    super();
  }

  override reset(): void {
    super.reset();
    this.requests.length = 0;
    this.accepted.length = 0;
  }

  protected async handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const record: MailgunRequest = {
      method: req.method ?? "",
      path,
      headers: req.headers,
      fields: {},
      status: 0,
    };
    this.requests.push(record);
    const send = (status: number, payload: unknown) => {
      record.status = status;
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      res.writeHead(status, {
        "Content-Type": typeof payload === "string" ? "text/plain" : "application/json",
      });
      res.end(text);
    };
    const injected = await this.takeInjected();
    if (injected !== null) {
      const next = { status: injected };
      if (next.status !== 0)
        return send(next.status, { message: next.status === 429 ? "Too many requests" : "Injected failure" });
    }
    const route = /^\/v3\/([^/]+)\/messages$/.exec(path);
    if (!route) return send(404, { message: "Not Found" });
    if (req.method !== "POST") return send(405, { message: "Method Not Allowed" });
    const expected = `Basic ${Buffer.from(`api:${this.options.apiKey}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return send(401, "Forbidden");
    const domain = decodeURIComponent(route[1] ?? "");
    if (domain !== this.options.domain) return send(404, { message: `Domain not found: ${domain}` });
    try {
      record.fields = parseForm(raw, String(req.headers["content-type"] ?? ""));
    } catch (err) {
      return send(400, { message: (err as Error).message });
    }
    const f = record.fields;
    for (const name of ["from", "to", "subject"]) {
      if (!f[name]?.some((v) => v !== "")) return send(400, { message: `'${name}' parameter is missing` });
    }
    if (!f.text && !f.html && !f.template && !f["amp-html"]) {
      return send(400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const id = `<${stamp}.${randomBytes(6).toString("hex")}@${domain}>`;
    this.accepted.push({ id, domain, fields: f });
    send(200, { id, message: "Queued. Thank you." });
  }
}
