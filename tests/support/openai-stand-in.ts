import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ChatMessage,
  embeddingsAnswer,
  HttpError,
  type Json,
  lastUserText,
  type OutgoingToolCall,
  parseJson,
  parseMultipart,
  readBody,
  requireString,
  SPEECH_TYPES,
  sendError,
  sendJson,
  structuredAnswer,
  wordsOf,
  writeChatStream,
} from "./openai-stand-in-wire.js";

/**
 * A local OpenAI-compatible server for tests: embeddings, chat completions (JSON and SSE
 * streaming, tool calls), audio transcriptions and speech. Point the real `openai` client or
 * `ChatOpenAI` at `await standIn.start()` (the base URL, including `/v1`).
 *
 * Inspection: `requests` (every request with its parsed body). Scripting: `enqueueReply`,
 * `enqueueTranscription`, `enqueueSpeech`. Failures: `failNext`, `delayNext`.
 */

export interface ScriptedToolCall {
  name: string;
  /** An object (serialised for you) or the raw JSON string the model would send. */
  arguments: Record<string, unknown> | string;
  id?: string;
}
export interface ScriptedReply {
  content?: string | null;
  tool_calls?: ScriptedToolCall[];
  /**
   * A structured answer (an object, or a raw string to send as is), delivered the way the request
   * asks for structured output: as the message content for `response_format` json_schema or
   * json_object, as a call of the forced function for `tool_choice: {type: "function"}`.
   */
  structured?: Record<string, unknown> | string;
  /** Answer this request with an OpenAI-shaped HTTP error instead (kept in order with the replies). */
  error?: { status: number; message?: string };
}
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or for multipart the text fields plus `file: {filename, contentType, size}`. */
  body: unknown;
  at: number;
}
export interface OpenAIStandInOptions {
  /** When set, only this Bearer token is accepted; otherwise any non-empty one is. */
  apiKey?: string;
  /** Embedding length when the request does not ask for `dimensions`. Default 256. */
  embeddingDimensions?: number;
}

interface Failure {
  status: number;
  message: string;
  path?: string;
  retryAfterMs: number;
}

export class OpenAIStandIn {
  /** Every request received, oldest first (also the failed and unauthorised ones). */
  readonly requests: RecordedRequest[] = [];
  private readonly replies: ScriptedReply[] = [];
  private readonly transcriptions: string[] = [];
  private readonly speeches: Buffer[] = [];
  private readonly failures: Failure[] = [];
  private readonly delays: number[] = [];
  private server: Server | undefined;
  private seq = 0;

  constructor(private readonly options: OpenAIStandInOptions = {}) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, `stand-in failure: ${(err as Error).message}`);
        else res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next chat completion answers this instead of the default echo. */
  enqueueReply(reply: ScriptedReply): void {
    this.replies.push(reply);
  }
  enqueueTranscription(text: string): void {
    this.transcriptions.push(text);
  }
  enqueueSpeech(audio: Buffer): void {
    this.speeches.push(audio);
  }
  /**
   * The next `n` requests (to `path`, e.g. `/v1/embeddings`, when given) answer `status` with an
   * OpenAI-shaped error. They carry `retry-after-ms` (default 10) so clients that honour it, like
   * the `openai` package, retry quickly in tests.
   */
  failNext(
    n: number,
    status = 503,
    options: { path?: string; message?: string; retryAfterMs?: number } = {},
  ): void {
    for (let i = 0; i < n; i++) {
      this.failures.push({
        status,
        message: options.message ?? `stand-in injected HTTP ${status}`,
        path: options.path,
        retryAfterMs: options.retryAfterMs ?? 10,
      });
    }
  }
  /** The next `n` requests wait `ms` before being answered (to provoke client time-outs). */
  delayNext(n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.delays.push(ms);
  }
  /** Scripted chat replies not consumed yet. */
  get pendingReplies(): number {
    return this.replies.length;
  }
  /** Drops the scripted chat replies not consumed yet. */
  clearReplies(): void {
    this.replies.length = 0;
  }
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    const contentType = req.headers["content-type"] ?? "";
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      body: undefined,
      at: Date.now(),
    };
    this.requests.push(record);
    try {
      record.body = contentType.startsWith("multipart/form-data")
        ? parseMultipart(raw, contentType)
        : parseJson(raw);
      const delay = this.delays.shift();
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
      this.authorize(req.headers.authorization);
      const failure = this.failures.findIndex((f) => f.path === undefined || f.path === path);
      if (failure !== -1) {
        const [f] = this.failures.splice(failure, 1);
        if (f) res.setHeader("retry-after-ms", String(f.retryAfterMs));
        throw new HttpError(f?.status ?? 503, f?.message ?? "injected failure");
      }
      const body = (record.body ?? {}) as Json;
      if (req.method === "GET" && path === "/v1/models")
        return sendJson(res, 200, { object: "list", data: [] });
      if (req.method !== "POST") throw new HttpError(404, `Invalid URL (${req.method} ${path})`);
      if (path === "/v1/embeddings")
        return sendJson(res, 200, embeddingsAnswer(body, this.options.embeddingDimensions ?? 256));
      if (path === "/v1/chat/completions") return this.chat(body, res);
      if (path === "/v1/audio/transcriptions") return this.transcribe(body, res);
      if (path === "/v1/audio/speech") return this.speech(body, res);
      throw new HttpError(404, `Invalid URL (POST ${path})`);
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err.status, err.message, err.param);
      throw err;
    }
  }

  private authorize(header: string | undefined): void {
    const token = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim();
    if (!token) {
      throw new HttpError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    if (this.options.apiKey !== undefined && token !== this.options.apiKey) {
      throw new HttpError(401, `Incorrect API key provided: ${token.slice(0, 3)}***.`);
    }
  }

  private chat(body: Json, res: ServerResponse): void {
    const model = requireString(body, "model");
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      throw new HttpError(400, "'messages' must be a non-empty array", "messages");
    const offered = Array.isArray(body.tools)
      ? body.tools
          .map((t: { function?: { name?: string } }) => t.function?.name)
          .filter((n): n is string => typeof n === "string")
      : [];
    const next = this.replies[0];
    if (next?.error) {
      this.replies.shift();
      throw new HttpError(
        next.error.status,
        next.error.message ?? `stand-in scripted HTTP ${next.error.status}`,
      );
    }
    const scripted =
      next?.structured !== undefined ? { ...next, ...structuredAnswer(body, next.structured) } : next;
    for (const call of scripted?.tool_calls ?? []) {
      if (!offered.includes(call.name)) {
        throw new HttpError(
          500,
          `stand-in script error: scripted tool call '${call.name}' is not among the request's tools [${offered.join(", ")}]`,
        );
      }
    }
    this.replies.shift();
    const toolCalls: OutgoingToolCall[] = (scripted?.tool_calls ?? []).map((c) => ({
      id: c.id ?? `call_${randomBytes(12).toString("hex")}`,
      type: "function",
      function: {
        name: c.name,
        arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    const content = scripted
      ? (scripted.content ?? (toolCalls.length > 0 ? null : ""))
      : `echo: ${lastUserText(messages as ChatMessage[])}`;
    const finish = toolCalls.length > 0 ? "tool_calls" : "stop";
    const id = `chatcmpl-${++this.seq}${randomBytes(6).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = wordsOf(JSON.stringify(messages)).length;
    const completionTokens = wordsOf(content ?? "").length + toolCalls.length * 8;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    if (body.stream !== true) {
      const message = {
        role: "assistant",
        content,
        refusal: null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      };
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        system_fingerprint: null,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage,
      });
      return;
    }
    writeChatStream(res, {
      id,
      created,
      model,
      content,
      toolCalls,
      finish,
      usage: (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage
        ? usage
        : undefined,
    });
  }

  private transcribe(body: Json, res: ServerResponse): void {
    requireString(body, "model");
    const file = body.file as { filename?: string; size?: number } | undefined;
    if (!file) throw new HttpError(400, "you must provide a 'file' field (multipart/form-data)", "file");
    const text =
      this.transcriptions.shift() ?? `transcripción de ${file.filename ?? "audio"} (${file.size ?? 0} bytes)`;
    if (body.response_format === "text") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${text}\n`);
      return;
    }
    sendJson(res, 200, { text });
  }

  private speech(body: Json, res: ServerResponse): void {
    requireString(body, "model");
    const input = requireString(body, "input");
    requireString(body, "voice");
    if (input.length > 4096) throw new HttpError(400, "'input' is longer than 4096 characters", "input");
    const format = typeof body.response_format === "string" ? body.response_format : "mp3";
    const type = SPEECH_TYPES[format];
    if (!type)
      throw new HttpError(
        400,
        `'response_format' must be one of ${Object.keys(SPEECH_TYPES).join(", ")}`,
        "response_format",
      );
    // Default audio: an ID3 header, then bytes derived from the text (same text -> same bytes).
    const audio =
      this.speeches.shift() ??
      Buffer.concat([
        Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1"),
        createHash("sha256").update(input).digest(),
        Buffer.from(input),
      ]);
    res.writeHead(200, { "content-type": type, "content-length": audio.length });
    res.end(audio);
  }
}
