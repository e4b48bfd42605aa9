import { createHash } from "node:crypto";
import { withTimeout } from "../../util/retry.js";
import { MemorySendClaims } from "../../util/send-claims.js";
import { ChatwootApiError, type ChatwootErrorCode, ChatwootInputError } from "./errors.js";
import { sendClaimed } from "./send-claimed.js";
import type {
  ChatwootDedupStore,
  ChatwootService,
  ConversationStatus,
  SendMessageInput,
  SentMessage,
} from "./types.js";
import { checkConversationId, checkLabels, checkSendInput, checkStatus } from "./validation.js";

export interface ChatwootApiOptions {
  /** Chatwoot's base URL, e.g. `https://app.chatwoot.com`. */
  baseUrl: string;
  /** A user or agent-bot access token, sent as the `api_access_token` header. */
  apiToken: string;
  accountId: number;
  /** Deadline of one HTTP call; default 10 s. */
  timeoutMs?: number;
  /**
   * Claims every message sent with an idempotency key before posting it and remembers the result,
   * so of several processes sending one key exactly one posts, and a retry after a crash returns
   * the first message. Default: memory of this process only.
   */
  dedupStore?: ChatwootDedupStore;
  /** Lease of a send claim, renewed while the send runs; a dead sender's claim expires after it. Default 30 s. */
  claimLeaseMs?: number;
  /** How long a send waits for another process sending the same key before failing with IN_PROGRESS. Default 3 s. */
  claimWaitMs?: number;
}

/** Keeps send claims in this process's memory; a durable store survives restarts. */
export class MemoryChatwootDedupStore extends MemorySendClaims implements ChatwootDedupStore {}

type Json = Record<string, unknown>;

/** The `content_attributes` entry that carries a message's send marker. */
export const MARKER_ATTRIBUTE = "agent_ledger_send";
/** Pages of 20 messages a taken-over send looks through for its message. */
const RECONCILE_PAGES = 10;

/** The marker of a send: a digest of account and key, so the key itself is not shown to agents. */
function sendMarker(dedupKey: string): string {
  return createHash("sha256").update(dedupKey).digest("hex").slice(0, 32);
}

/**
 * Chatwoot through its REST API (`/api/v1/accounts/{account_id}/...`).
 *
 * @example
 * const chatwoot = new ChatwootApiService({ baseUrl: "https://chat.example.com", apiToken, accountId: 1 });
 * await chatwoot.sendMessage({ conversationId: 42, content: "Su cita está confirmada" });
 */
export class ChatwootApiService implements ChatwootService {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #accountId: number;
  readonly #timeoutMs: number;
  readonly #dedup: ChatwootDedupStore;
  readonly #claimLeaseMs: number;
  readonly #claimWaitMs: number;
  /** Sends in flight per key, so two concurrent calls with one key send once. */
  readonly #inFlight = new Map<string, Promise<SentMessage>>();

  constructor(options: ChatwootApiOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ChatwootInputError("baseUrl", "an absolute http(s) URL such as https://app.chatwoot.com");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ChatwootInputError("baseUrl", "an http or https URL");
    }
    if (typeof options.apiToken !== "string" || options.apiToken.trim() === "") {
      throw new ChatwootInputError("apiToken", "the Chatwoot access token (CHATWOOT_API_TOKEN)");
    }
    if (!Number.isSafeInteger(options.accountId) || options.accountId <= 0) {
      throw new ChatwootInputError("accountId", "a positive whole number (the Chatwoot account id)");
    }
    this.#baseUrl = url.href.replace(/\/+$/, "");
    this.#token = options.apiToken;
    this.#accountId = options.accountId;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#dedup = options.dedupStore ?? new MemoryChatwootDedupStore();
    this.#claimLeaseMs = options.claimLeaseMs ?? 30_000;
    this.#claimWaitMs = options.claimWaitMs ?? 3_000;
  }

  async sendMessage(input: SendMessageInput): Promise<SentMessage> {
    checkSendInput(input);
    const key = input.idempotencyKey;
    if (key === undefined) return this.#postMessage(input);
    const dedupKey = `${this.#accountId}:${key}`;
    const pending = this.#inFlight.get(dedupKey);
    if (pending) return pending;
    const run = sendClaimed(
      {
        store: this.#dedup,
        key: dedupKey,
        leaseMs: this.#claimLeaseMs,
        waitMs: this.#claimWaitMs,
        marker: sendMarker(dedupKey),
      },
      {
        post: (marker) => this.#postMessage(input, marker),
        find: (marker) => this.#findSent(input.conversationId, marker),
      },
    );
    this.#inFlight.set(dedupKey, run);
    try {
      return await run;
    } finally {
      this.#inFlight.delete(dedupKey);
    }
  }

  async addLabels(conversationId: number, labels: string[]): Promise<{ labels: string[] }> {
    checkConversationId(conversationId);
    const wanted = checkLabels(labels);
    // POST .../labels replaces the whole set, so read the current labels and send the union.
    const current = await this.#request("GET", conversationId, "/labels");
    const merged = [...new Set([...stringList(current.payload), ...wanted])];
    const answer = await this.#request("POST", conversationId, "/labels", { labels: merged });
    return { labels: Array.isArray(answer.payload) ? stringList(answer.payload) : merged };
  }

  async toggleStatus(conversationId: number, status: ConversationStatus): Promise<{ status: string }> {
    checkConversationId(conversationId);
    checkStatus(status);
    const answer = await this.#request("POST", conversationId, "/toggle_status", { status });
    const payload = (answer.payload ?? {}) as Json;
    return { status: typeof payload.current_status === "string" ? payload.current_status : status };
  }

  async #postMessage(input: SendMessageInput, marker?: string): Promise<SentMessage> {
    const body: Json = {
      content: input.content,
      message_type: "outgoing",
      private: input.private ?? false,
    };
    if (input.templateParams) body.template_params = input.templateParams;
    if (marker !== undefined) {
      // Stored with the message, so a sender that takes over a dead one's claim can find it.
      body.content_attributes = { [MARKER_ATTRIBUTE]: marker };
      body.echo_id = marker;
    }
    const answer = await this.#request("POST", input.conversationId, "/messages", body);
    if (typeof answer.id !== "number") {
      throw new ChatwootApiError(
        "Chatwoot answered the message without an id",
        200,
        "INVALID_RESPONSE",
        false,
      );
    }
    const conversation =
      typeof answer.conversation_id === "number" ? answer.conversation_id : input.conversationId;
    return { message_id: answer.id, conversation_id: conversation };
  }

  /** The message carrying `marker` among the conversation's latest ones (newest pages first, bounded). */
  async #findSent(conversationId: number, marker: string): Promise<SentMessage | undefined> {
    let before: number | undefined;
    for (let page = 0; page < RECONCILE_PAGES; page++) {
      const answer = await this.#request(
        "GET",
        conversationId,
        `/messages${before === undefined ? "" : `?before=${before}`}`,
      );
      const messages = Array.isArray(answer.payload) ? (answer.payload as Json[]) : [];
      for (const m of messages) {
        const attrs = m.content_attributes as Json | null | undefined;
        if (typeof m.id === "number" && attrs && attrs[MARKER_ATTRIBUTE] === marker) {
          const conversation = typeof m.conversation_id === "number" ? m.conversation_id : conversationId;
          return { message_id: m.id, conversation_id: conversation };
        }
      }
      const ids = messages.map((m) => m.id).filter((id): id is number => typeof id === "number");
      if (ids.length === 0) return undefined;
      before = Math.min(...ids);
    }
    return undefined;
  }

  async #request(method: "GET" | "POST", conversationId: number, suffix: string, body?: Json): Promise<Json> {
    const path = `/api/v1/accounts/${this.#accountId}/conversations/${conversationId}${suffix}`;
    const what = `${method} ${path}`;
    let res: Response;
    let text: string;
    try {
      ({ res, text } = await withTimeout(this.#timeoutMs, async (signal) => {
        const r = await fetch(this.#baseUrl + path, {
          method,
          headers: {
            api_access_token: this.#token,
            accept: "application/json",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          signal,
        });
        return { res: r, text: await r.text() };
      }));
    } catch (err) {
      if ((err as { name?: string }).name === "TimeoutError") {
        throw new ChatwootApiError(
          `${what}: Chatwoot did not answer within ${this.#timeoutMs} ms`,
          0,
          "TIMEOUT",
          true,
        );
      }
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ChatwootApiError(
        `${what}: cannot reach Chatwoot at ${this.#baseUrl} (${cause}); check CHATWOOT_BASE_URL and the network`,
        0,
        "NETWORK_ERROR",
        true,
      );
    }
    if (!res.ok) throw this.#httpError(what, res.status, text, conversationId);
    try {
      const parsed: unknown = text === "" ? {} : JSON.parse(text);
      return typeof parsed === "object" && parsed !== null ? (parsed as Json) : {};
    } catch {
      throw new ChatwootApiError(
        `${what}: Chatwoot answered ${res.status} with a body that is not JSON`,
        res.status,
        "INVALID_RESPONSE",
        false,
      );
    }
  }

  #httpError(what: string, status: number, text: string, conversationId: number): ChatwootApiError {
    const detail = scrub(serverMessage(text), this.#token);
    const suffix = detail ? ` (${detail})` : "";
    const make = (code: ChatwootErrorCode, retriable: boolean, msg: string) =>
      new ChatwootApiError(`${what}: ${msg}`, status, code, retriable);
    if (status === 401 || status === 403) {
      return make(
        "UNAUTHORIZED",
        false,
        `Chatwoot refused the access token (${status}); check CHATWOOT_API_TOKEN and that it belongs to account ${this.#accountId}`,
      );
    }
    if (status === 404) {
      return make(
        "NOT_FOUND",
        false,
        `conversation ${conversationId} does not exist in Chatwoot account ${this.#accountId} (404); check the conversation's display id and the account id`,
      );
    }
    if (status === 429)
      return make("RATE_LIMITED", true, `Chatwoot is rate limiting (429); try again later${suffix}`);
    if (status >= 500)
      return make("SERVER_ERROR", true, `Chatwoot failed with ${status}; try again later${suffix}`);
    return make("INVALID_REQUEST", false, `Chatwoot rejected the request with ${status}${suffix}`);
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Chatwoot answers errors as `{error}`, `{message}` or `{errors: [...]}`. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: unknown };
    const raw = body.message ?? body.error ?? body.errors;
    const msg = Array.isArray(raw) ? raw.join("; ") : typeof raw === "string" ? raw : "";
    return msg.slice(0, 300);
  } catch {
    return "";
  }
}

function scrub(text: string, token: string): string {
  return token.length > 0 ? text.split(token).join("[REDACTED]") : text;
}
