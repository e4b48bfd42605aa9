import OpenAI, { APIConnectionError, APIError } from "openai";
import { isTransientError } from "../../util/retry.js";
import { EmbeddingsError } from "./errors.js";
import type { EmbeddingsProvider } from "./types.js";

export interface OpenAIEmbeddingsOptions {
  apiKey: string;
  /** An OpenAI-compatible endpoint including `/v1`; the official API when left out. */
  baseURL?: string;
  model?: string;
  /** Shorter vectors, for the models that support it (text-embedding-3-*). */
  dimensions?: number;
  /** Retries the client makes itself on 408/429/5xx and connection errors. */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * Embeddings through the official `openai` client (any OpenAI-compatible server).
 *
 * @example
 * const embeddings = new OpenAIEmbeddings({ apiKey, baseURL: "http://127.0.0.1:8080/v1" });
 * const kb = await KnowledgeBase.load({ embeddings });
 */
export class OpenAIEmbeddings implements EmbeddingsProvider {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly dimensions: number | undefined;

  constructor(options: OpenAIEmbeddingsOptions) {
    if (options.apiKey.trim() === "")
      throw new EmbeddingsError("invalid apiKey: expected a non-empty API key", false);
    this.model = options.model ?? "text-embedding-3-small";
    this.dimensions = options.dimensions;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 30_000,
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create({
        model: this.model,
        input: texts,
        ...(this.dimensions === undefined ? {} : { dimensions: this.dimensions }),
      });
    } catch (err) {
      throw toEmbeddingsError(err, this.model);
    }
    const vectors = new Array<number[] | undefined>(texts.length);
    for (const item of response.data) vectors[item.index] = item.embedding;
    const missing = vectors.findIndex((v) => v === undefined || v.length === 0);
    if (response.data.length !== texts.length || missing !== -1) {
      throw new EmbeddingsError(
        `embeddings answer for model ${this.model} has ${response.data.length} vectors for ${texts.length} texts; check that the server implements /v1/embeddings`,
        false,
      );
    }
    return vectors as number[][];
  }
}

function toEmbeddingsError(err: unknown, model: string): EmbeddingsError {
  if (err instanceof APIConnectionError) {
    return new EmbeddingsError(
      `embeddings server unreachable (${err.message}); check baseURL and network`,
      true,
      undefined,
      { cause: err },
    );
  }
  if (err instanceof APIError) {
    const status = typeof err.status === "number" ? err.status : undefined;
    const hint =
      status === 401 || status === 403
        ? "check the API key"
        : status === 404
          ? `check the model name ${model}`
          : "try again later";
    return new EmbeddingsError(
      `embeddings request failed with HTTP ${status ?? "?"}: ${err.message}; ${hint}`,
      isTransientError({ status }),
      status,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EmbeddingsError(`embeddings request failed: ${message}`, isTransientError(err), undefined, {
    cause: err,
  });
}
