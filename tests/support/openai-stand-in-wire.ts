import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Wire-format helpers of the OpenAI stand-in: errors, bodies, multipart, SSE, hashing embeddings. */

export type Json = Record<string, unknown>;
export interface ChatMessage {
  role?: string;
  content?: string | { type?: string; text?: string }[] | null;
}
const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  404: ["invalid_request_error", "unknown_url"],
  429: ["requests", "rate_limit_exceeded"],
  500: ["server_error", null],
  503: ["server_error", "service_unavailable"],
};
export const SPEECH_TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export function requireString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "")
    throw new HttpError(400, `you must provide a '${field}' parameter`, field);
  return value;
}

export function lastUserText(messages: ChatMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === "user");
  if (!user || user.content == null) return "";
  if (typeof user.content === "string") return user.content;
  return user.content
    .map((p) => (p.type === "text" ? (p.text ?? "") : ""))
    .join(" ")
    .trim();
}

/** Lower-case words without accents: what the hashing embedding counts. */
export function wordsOf(text: string): string[] {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Hashing bag of words (plus 5-letter prefixes, so plural and singular land close), unit length. */
export function hashEmbedding(words: string[], dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of words) {
    const features = word.length > 5 ? [word, `p:${word.slice(0, 5)}`] : [word];
    for (const feature of features) {
      const h = createHash("md5").update(feature).digest();
      const slot = h.readUInt32LE(0) % dims;
      vector[slot] = (vector[slot] ?? 0) + ((h.readUInt8(4) & 1) === 0 ? 1 : -1);
    }
  }
  const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0)) || 1;
  return vector.map((x) => x / norm);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, "We could not parse the JSON body of your request.");
  }
}

export function parseMultipart(raw: Buffer, contentType: string): Json {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ""}`);
  const fields: Json = {};
  let start = raw.indexOf(marker);
  while (start !== -1) {
    const next = raw.indexOf(marker, start + marker.length);
    if (next === -1) break;
    const part = raw.subarray(start + marker.length + 2, next - 2); // skip CRLF after marker and before next
    const split = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, split).toString("utf8");
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined) {
      fields[name] =
        filename !== undefined
          ? {
              filename,
              contentType: /content-type:\s*(\S+)/i.exec(head)?.[1],
              size: content.length,
              sha256: createHash("sha256").update(content).digest("hex"),
            }
          : content.toString("utf8");
    }
    start = next;
  }
  return fields;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
): void {
  const [type, code] =
    ERROR_TYPES[status] ?? (status >= 500 ? ["server_error", null] : ["invalid_request_error", null]);
  sendJson(res, status, { error: { message, type, param, code } });
}

export interface OutgoingToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatAnswer {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: OutgoingToolCall[];
  finish: string;
  /** Sent as a last chunk with empty `choices` when the request asked `stream_options.include_usage`. */
  usage: Json | undefined;
}

/**
 * Streams a chat answer as OpenAI does: Server-Sent Events of `chat.completion.chunk` (role first,
 * then content word by word, then each tool call with its arguments in pieces, then the finish
 * reason), ending with `data: [DONE]`.
 */
export function writeChatStream(res: ServerResponse, answer: ChatAnswer): void {
  const { id, created, model, content, toolCalls, finish, usage } = answer;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const event = (data: Json) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Json, finishReason: string | null) =>
    event({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  chunk({ role: "assistant", content: toolCalls.length > 0 ? null : "" }, null);
  for (const piece of (content ?? "").match(/\S+\s*|\s+/g) ?? []) chunk({ content: piece }, null);
  toolCalls.forEach((call, index) => {
    const head = {
      index,
      id: call.id,
      type: "function",
      function: { name: call.function.name, arguments: "" },
    };
    chunk({ tool_calls: [head] }, null);
    const args = call.function.arguments;
    for (let i = 0; i < args.length; i += 16) {
      chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 16) } }] }, null);
    }
  });
  chunk({}, finish);
  if (usage) event({ id, object: "chat.completion.chunk", created, model, choices: [], usage });
  res.end("data: [DONE]\n\n");
}

/**
 * Where a structured answer goes in a chat completion, as OpenAI puts it: the content for
 * `response_format` json_schema / json_object, a call of the forced function for
 * `tool_choice: {type: "function", function: {name}}`. A request asking for neither is a script
 * error (500 naming it), since no real model would answer it with structured output.
 */
export function structuredAnswer(
  body: Json,
  value: Record<string, unknown> | string,
): { content: string | null; tool_calls?: { name: string; arguments: string; id?: string }[] } {
  const args = typeof value === "string" ? value : JSON.stringify(value);
  const format = (body.response_format as { type?: string } | undefined)?.type;
  if (format === "json_schema" || format === "json_object") return { content: args };
  const choice = body.tool_choice as { type?: string; function?: { name?: string } } | undefined;
  if (choice?.type === "function" && typeof choice.function?.name === "string") {
    return { content: null, tool_calls: [{ name: choice.function.name, arguments: args }] };
  }
  throw new HttpError(
    500,
    "stand-in script error: a structured answer was scripted but the request asks for neither response_format (json_schema, json_object) nor a forced tool_choice",
  );
}

/** The answer to `POST /v1/embeddings`: hashed bag-of-words vectors (same text, same vector). */
export function embeddingsAnswer(body: Json, defaultDimensions: number): Json {
  const model = requireString(body, "model");
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new HttpError(400, "'input' must be a non-empty string or array", "input");
  const dims = typeof body.dimensions === "number" ? body.dimensions : defaultDimensions;
  let tokens = 0;
  const data = inputs.map((input: unknown, index) => {
    const text = Array.isArray(input) ? input.join(" ") : input;
    if (typeof text !== "string" || text === "")
      throw new HttpError(400, `'$.input[${index}]' is invalid: empty or not a string`, "input");
    const words = wordsOf(text);
    tokens += words.length;
    const vector = hashEmbedding(words, dims);
    const embedding =
      body.encoding_format === "base64"
        ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
        : vector;
    return { object: "embedding", index, embedding };
  });
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
