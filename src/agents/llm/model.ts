import type { MessageContent } from "@langchain/core/messages";
import { ChatOpenAI, ChatOpenAICompletions } from "@langchain/openai";
import type { Env } from "../../config/schema.js";

/** How to reach an OpenAI-compatible chat model. */
export interface ChatModelOptions {
  apiKey: string;
  /** e.g. `gpt-4o-mini`, or the name a local server (vLLM, Ollama, llama.cpp) gives its model. */
  model: string;
  /** An OpenAI-compatible server, including its `/v1`; default OpenAI itself. */
  baseURL?: string;
  /** Per request, in milliseconds. Default 20000: a slow model falls back to the offline agents. */
  timeoutMs?: number;
  /** Retries of a failed request (5xx, 429, network). Default 1. */
  maxRetries?: number;
  /** Ask for Server-Sent Events (token streaming). Default false. */
  streaming?: boolean;
}

/** The model options the environment sets (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`), or null without a key. */
export function chatModelOptionsFromEnv(
  env: Pick<Env, "OPENAI_API_KEY" | "OPENAI_BASE_URL" | "OPENAI_MODEL">,
): ChatModelOptions | null {
  if (!env.OPENAI_API_KEY) return null;
  return {
    apiKey: env.OPENAI_API_KEY,
    model: env.OPENAI_MODEL,
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
  };
}

/**
 * Chat Completions with a local token estimate. With `streaming` on, ChatOpenAI estimates the
 * usage of an answer itself, and its tokenizer downloads its tables from the internet on first use
 * (retrying for about a minute where the network is closed); a length-based estimate is used
 * instead. It only feeds usage metadata of streamed answers.
 */
class LocalCountCompletions extends ChatOpenAICompletions {
  override async getNumTokens(content: MessageContent): Promise<number> {
    const text =
      typeof content === "string"
        ? content
        : content.map((part) => (part.type === "text" && "text" in part ? String(part.text) : "")).join("");
    return Math.ceil(text.length / 4);
  }
}

/**
 * A `ChatOpenAI` for the agents: temperature 0 (the same message reads the same way), a request
 * timeout and few retries, since every agent has an offline fallback that answers at once.
 *
 * @example
 * const model = createChatModel({ apiKey: env.OPENAI_API_KEY, model: "gpt-4o-mini" });
 */
export function createChatModel(options: ChatModelOptions): ChatOpenAI {
  for (const field of ["apiKey", "model"] as const) {
    if (typeof options[field] !== "string" || options[field].trim() === "") {
      throw new Error(`createChatModel: ${field}: expected a non-empty string`);
    }
  }
  const timeout = options.timeoutMs ?? 20_000;
  const maxRetries = options.maxRetries ?? 1;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new Error("createChatModel: timeoutMs: expected a positive whole number of milliseconds");
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new Error("createChatModel: maxRetries: expected a whole number >= 0");
  }
  const fields = {
    model: options.model,
    apiKey: options.apiKey,
    temperature: 0,
    timeout,
    maxRetries,
    streaming: options.streaming ?? false,
    ...(options.baseURL ? { configuration: { baseURL: options.baseURL } } : {}),
  };
  return new ChatOpenAI({ ...fields, completions: new LocalCountCompletions(fields) });
}
