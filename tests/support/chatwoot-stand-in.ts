import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MESSAGE_TYPE_INT } from "./chatwoot-webhook.js";

export {
  MESSAGE_TYPE_INT,
  type MessageCreatedInput,
  messageCreatedPayload,
  signWebhook,
  type WebhookAttachmentInput,
  webhookHeaders,
} from "./chatwoot-webhook.js";

/**
 * A local Chatwoot that speaks the REST API under `/api/v1/accounts/{account_id}/conversations/{id}`
 * (messages: create, and list in pages of 20 with `before`/`after`; labels, toggle_status), authenticated by the `api_access_token` header, as described
 * in the Chatwoot API reference. Tests inspect what it received and inject failures.
 */

export type StandInStatus = "open" | "resolved" | "pending" | "snoozed";
const STATUSES: readonly StandInStatus[] = ["open", "resolved", "pending", "snoozed"];

export interface StandInMessage {
  id: number;
  content: string | null;
  account_id: number;
  inbox_id: number;
  conversation_id: number;
  message_type: number;
  content_type: string;
  content_attributes: Record<string, unknown>;
  template_params?: unknown;
  status: "sent";
  private: boolean;
  source_id: string | null;
  created_at: number;
  sender: { id: number; name: string; type: "user" };
}

export interface StandInConversation {
  id: number;
  account_id: number;
  inbox_id: number;
  status: StandInStatus;
  labels: string[];
  messages: StandInMessage[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** Which requests an injected failure hits (all by default) and what it answers. */
export interface FailureOptions {
  body?: unknown;
  method?: "GET" | "POST";
  /** Matched against the request path, e.g. `/labels$/`. */
  path?: RegExp;
}

export interface ChatwootStandInOptions {
  apiToken?: string;
  /** Accounts the token may use; every other account id answers 401. */
  accountIds?: number[];
}

export class ChatwootStandIn {
  readonly apiToken: string;
  readonly requests: RecordedRequest[] = [];
  readonly #accounts: Set<number>;
  readonly #conversations = new Map<string, StandInConversation>();
  readonly #failures: { status: number; body: unknown; method?: string; path?: RegExp }[] = [];
  readonly #delays: number[] = [];
  #nextMessageId = 1000;
  readonly #files = new Map<string, { bytes: Buffer; contentType: string; filename: string }>();
  #server: Server | undefined;
  #baseUrl = "";

  constructor(options: ChatwootStandInOptions = {}) {
    this.apiToken = options.apiToken ?? "cw-test-token-0123456789";
    this.#accounts = new Set(options.accountIds ?? [1]);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#baseUrl;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
  }

  /** Creates (or replaces) a conversation the API can then reach. */
  addConversation(c: {
    id: number;
    accountId?: number;
    inboxId?: number;
    status?: StandInStatus;
    labels?: string[];
  }): StandInConversation {
    const conversation: StandInConversation = {
      id: c.id,
      account_id: c.accountId ?? 1,
      inbox_id: c.inboxId ?? 1,
      status: c.status ?? "pending",
      labels: [...(c.labels ?? [])],
      messages: [],
    };
    this.#conversations.set(`${conversation.account_id}/${c.id}`, conversation);
    return conversation;
  }

  conversation(id: number, accountId = 1): StandInConversation | undefined {
    return this.#conversations.get(`${accountId}/${id}`);
  }

  messages(conversationId: number, accountId = 1): StandInMessage[] {
    return this.conversation(conversationId, accountId)?.messages ?? [];
  }

  /**
   * Stores an attachment and returns its `data_url`, which (as in Chatwoot) redirects to the
   * stored file: `/rails/active_storage/blobs/redirect/<signed id>/<name>` -> 302 -> the bytes.
   * Call after `start()`.
   */
  addFile(filename: string, bytes: Buffer, contentType: string): string {
    const id = `eyJfcmFpbHMiOn${this.#files.size + 1}`;
    this.#files.set(id, { bytes, contentType, filename });
    return `${this.#baseUrl}/rails/active_storage/blobs/redirect/${id}/${encodeURIComponent(filename)}`;
  }

  #takeFailure(method: string | undefined, path: string): { status: number; body: unknown } | undefined {
    const index = this.#failures.findIndex(
      (f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)),
    );
    return index >= 0 ? this.#failures.splice(index, 1)[0] : undefined;
  }

  #serveFile(direct: boolean, id: string, res: ServerResponse): void {
    const stored = this.#files.get(id);
    if (!stored) {
      res.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
      return;
    }
    if (!direct) {
      const location = `/rails/active_storage/disk/${id}/${encodeURIComponent(stored.filename)}`;
      res.writeHead(302, { location }).end();
      return;
    }
    res.writeHead(200, { "content-type": stored.contentType, "content-length": stored.bytes.length });
    res.end(stored.bytes);
  }

  /** The next `n` requests (those matching `opts` when given) answer `status`; API calls are checked for the token first. */
  failNext(n: number, status: number, opts: FailureOptions = {}): void {
    const body = opts.body ?? { error: `injected failure ${status}` };
    for (let k = 0; k < n; k++) this.#failures.push({ status, body, method: opts.method, path: opts.path });
  }

  /** The next `n` requests wait `ms` before being handled. */
  delayNext(n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.#delays.push(ms);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const raw = await readBody(req);
    let body: unknown = {};
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(payload));
    };
    try {
      body = raw === "" ? {} : JSON.parse(raw);
    } catch {
      this.requests.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body: raw });
      return send(400, { error: "Invalid JSON body" });
    }
    this.requests.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body });
    const delay = this.#delays.shift();
    if (delay) await new Promise((r) => setTimeout(r, delay));

    const file = /^\/rails\/active_storage\/(blobs\/redirect|disk)\/([\w-]+)\/[^/]+$/.exec(url.pathname);
    if (req.method === "GET" && file) {
      const failure = this.#takeFailure(req.method, url.pathname);
      if (failure) return send(failure.status, failure.body);
      return this.#serveFile(file[1] === "disk", file[2] ?? "", res);
    }

    const token = req.headers.api_access_token ?? url.searchParams.get("api_access_token");
    if (token !== this.apiToken)
      return send(401, { errors: ["You need to sign in or sign up before continuing."] });
    const failure = this.#takeFailure(req.method, url.pathname);
    if (failure) return send(failure.status, failure.body);

    const m = /^\/api\/v1\/accounts\/(\d+)\/conversations\/(\d+)(\/[a-z_]+)?$/.exec(url.pathname);
    if (!m) return send(404, { error: "Resource could not be found" });
    const accountId = Number(m[1]);
    if (!this.#accounts.has(accountId))
      return send(401, { error: "You are not authorized to access this account" });
    const conversation = this.conversation(Number(m[2]), accountId);
    if (!conversation) return send(404, { error: "Resource could not be found" });
    const route = `${req.method} ${m[3] ?? ""}`;
    const input = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;

    switch (route) {
      case "GET ":
        return send(200, {
          id: conversation.id,
          account_id: accountId,
          inbox_id: conversation.inbox_id,
          status: conversation.status,
          labels: conversation.labels,
        });
      case "GET /messages":
        return send(200, {
          meta: { labels: conversation.labels },
          payload: pageOfMessages(conversation.messages, url.searchParams),
        });
      case "POST /messages":
        return this.#createMessage(conversation, input, send);
      case "GET /labels":
        return send(200, { payload: conversation.labels });
      case "POST /labels": {
        const labels = input.labels;
        if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string")) {
          return send(422, { message: "labels must be a list of strings" });
        }
        conversation.labels = [...new Set(labels as string[])];
        return send(200, { payload: conversation.labels });
      }
      case "POST /toggle_status": {
        const wanted = input.status ?? (conversation.status === "open" ? "resolved" : "open");
        if (!STATUSES.includes(wanted as StandInStatus))
          return send(422, { message: `'${String(wanted)}' is not a valid status` });
        conversation.status = wanted as StandInStatus;
        return send(200, {
          meta: {},
          payload: {
            success: true,
            conversation_id: conversation.id,
            current_status: conversation.status,
            snoozed_until: null,
          },
        });
      }
      default:
        return send(404, { error: "Resource could not be found" });
    }
  }

  #createMessage(
    conversation: StandInConversation,
    input: Record<string, unknown>,
    send: (s: number, p: unknown) => void,
  ): void {
    const content = typeof input.content === "string" ? input.content : null;
    const template = input.template_params;
    if ((content === null || content.trim() === "") && !template) {
      send(422, { error: "Validation failed: Content can't be blank" });
      return;
    }
    const type = input.message_type ?? "outgoing";
    if (type !== "outgoing" && type !== "incoming") {
      send(422, { error: `'${String(type)}' is not a valid message_type` });
      return;
    }
    const message: StandInMessage = {
      id: this.#nextMessageId++,
      content,
      account_id: conversation.account_id,
      inbox_id: conversation.inbox_id,
      conversation_id: conversation.id,
      message_type: MESSAGE_TYPE_INT[type],
      content_type: typeof input.content_type === "string" ? input.content_type : "text",
      content_attributes: (input.content_attributes as Record<string, unknown>) ?? {},
      ...(template ? { template_params: template } : {}),
      status: "sent",
      private: input.private === true || input.private === "true",
      source_id: null,
      created_at: Math.floor(Date.now() / 1000),
      sender: { id: 1, name: "Clinic bot", type: "user" },
    };
    conversation.messages.push(message);
    send(200, message);
  }
}

/**
 * One page of a conversation's messages, oldest first, as Chatwoot's MessageFinder answers it: the
 * latest 20; with `before=<id>` the 20 before that id; with `after=<id>` up to 100 after it; with
 * both, the ones in between (up to 1000).
 */
function pageOfMessages(messages: StandInMessage[], params: URLSearchParams): StandInMessage[] {
  const number = (name: string) => {
    const raw = params.get(name);
    return raw === null || raw === "" ? undefined : Number.parseInt(raw, 10);
  };
  const after = number("after");
  const before = number("before");
  const byId = [...messages].sort((a, b) => a.id - b.id);
  if (after !== undefined && before !== undefined)
    return byId.filter((m) => m.id >= after && m.id < before).slice(0, 1000);
  if (after !== undefined) return byId.filter((m) => m.id > after).slice(0, 100);
  if (before !== undefined) return byId.filter((m) => m.id < before).slice(-20);
  return byId.slice(-20);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
