import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, toFile } from "openai";
import { MultimediaInputError, MultimediaProviderError } from "./errors.js";
import { fetchAudio } from "./media-fetch.js";
import type {
  AnalyzeImageInput,
  MultimediaService,
  SpeechAudio,
  TextToSpeechInput,
  TranscribeAudioInput,
} from "./types.js";
import { checkHttpUrl, checkText, checkVoice, MAX_PROMPT_CHARS, MAX_SPEECH_CHARS } from "./validation.js";

export interface OpenAIMultimediaOptions {
  apiKey: string;
  /** An OpenAI-compatible server, e.g. `http://localhost:8000/v1`; default api.openai.com. */
  baseURL?: string;
  transcriptionModel?: string;
  visionModel?: string;
  ttsModel?: string;
  /** Largest audio file downloaded for transcription; default 25 MB, OpenAI's own limit. */
  maxAudioBytes?: number;
  /** Deadline of the audio download and of each API call; default 60 s. */
  timeoutMs?: number;
  /** Retries the `openai` client makes itself on 408/429/5xx and connection errors; default 2. */
  maxRetries?: number;
}

const DEFAULT_IMAGE_PROMPT =
  "Describe this image in detail, including any visible text, so a clinic assistant can answer the customer.";

/**
 * Voice notes, images and spoken replies through the official `openai` client, on OpenAI or any
 * compatible server (`baseURL`).
 *
 * @example
 * const media = new OpenAIMultimediaService({ apiKey, baseURL: "http://localhost:8000/v1" });
 * const { text } = await media.transcribeAudio({ audio_url: attachment.data_url });
 */
export class OpenAIMultimediaService implements MultimediaService {
  readonly #client: OpenAI;
  readonly #apiKey: string;
  readonly #transcriptionModel: string;
  readonly #visionModel: string;
  readonly #ttsModel: string;
  readonly #maxAudioBytes: number;
  readonly #timeoutMs: number;

  constructor(options: OpenAIMultimediaOptions) {
    if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
      throw new MultimediaInputError(
        "apiKey",
        "the API key of the OpenAI-compatible server (OPENAI_API_KEY)",
      );
    }
    if (options.baseURL !== undefined) checkHttpUrl("baseURL", options.baseURL);
    this.#apiKey = options.apiKey;
    this.#transcriptionModel = options.transcriptionModel ?? "whisper-1";
    this.#visionModel = options.visionModel ?? "gpt-4o-mini";
    this.#ttsModel = options.ttsModel ?? "tts-1";
    this.#maxAudioBytes = options.maxAudioBytes ?? 25 * 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: this.#timeoutMs,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async transcribeAudio(input: TranscribeAudioInput): Promise<{ text: string }> {
    const url = checkHttpUrl("audio_url", input?.audio_url);
    const audio = await fetchAudio(url, { maxBytes: this.#maxAudioBytes, timeoutMs: this.#timeoutMs });
    const file = await toFile(audio.bytes, audio.filename, { type: audio.contentType || undefined });
    const result = await this.#call("transcription", () =>
      this.#client.audio.transcriptions.create({ file, model: this.#transcriptionModel }),
    );
    return { text: result.text.trim() };
  }

  async analyzeImage(input: AnalyzeImageInput): Promise<{ description: string }> {
    const url = checkHttpUrl("image_url", input?.image_url);
    const prompt =
      input.prompt === undefined ? DEFAULT_IMAGE_PROMPT : checkText("prompt", input.prompt, MAX_PROMPT_CHARS);
    const completion = await this.#call("image analysis", () =>
      this.#client.chat.completions.create({
        model: this.#visionModel,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: prompt },
              { type: "image_url", image_url: { url: url.href } },
            ],
          },
        ],
      }),
    );
    const description = completion.choices[0]?.message.content?.trim();
    if (!description) {
      throw new MultimediaProviderError(
        `the model ${this.#visionModel} returned no description of the image; try again`,
        "EMPTY_RESPONSE",
        true,
      );
    }
    return { description };
  }

  async textToSpeech(input: TextToSpeechInput): Promise<SpeechAudio> {
    const text = checkText("text", input?.text, MAX_SPEECH_CHARS);
    const voice = checkVoice(input.voice);
    const response = await this.#call("speech", () =>
      this.#client.audio.speech.create({ model: this.#ttsModel, input: text, voice, response_format: "mp3" }),
    );
    const audio = Buffer.from(await this.#call("speech", () => response.arrayBuffer()));
    if (audio.length === 0) {
      throw new MultimediaProviderError(
        "the speech endpoint returned no audio; try again",
        "EMPTY_RESPONSE",
        true,
      );
    }
    const mime = response.headers.get("content-type")?.split(";")[0]?.trim() || "audio/mpeg";
    return { audio_base64: audio.toString("base64"), mime_type: mime, bytes: audio.length };
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.#providerError(what, err);
    }
  }

  #providerError(what: string, err: unknown): unknown {
    const scrub = (s: string) => s.split(this.#apiKey).join("[REDACTED]").slice(0, 300);
    if (err instanceof APIConnectionTimeoutError) {
      return new MultimediaProviderError(
        `${what}: the API did not answer within ${this.#timeoutMs} ms`,
        "TIMEOUT",
        true,
      );
    }
    if (err instanceof APIConnectionError) {
      return new MultimediaProviderError(
        `${what}: cannot reach the API (${scrub(err.message)}); check OPENAI_BASE_URL and the network`,
        "NETWORK_ERROR",
        true,
      );
    }
    if (err instanceof APIError && typeof err.status === "number") {
      const s = err.status;
      // Authentication answers can echo part of the key: say what to fix, not what the server said.
      if (s === 401 || s === 403) {
        return new MultimediaProviderError(
          `${what}: the API refused the key (${s}); check OPENAI_API_KEY`,
          "UNAUTHORIZED",
          false,
          s,
        );
      }
      const detail = scrub(
        err.error && typeof err.error === "object"
          ? String((err.error as { message?: unknown }).message ?? "")
          : "",
      );
      const suffix = detail ? `: ${detail}` : "";
      if (s === 429)
        return new MultimediaProviderError(
          `${what}: rate limited (429)${suffix}; try again later`,
          "RATE_LIMITED",
          true,
          s,
        );
      if (s >= 500 || s === 408)
        return new MultimediaProviderError(
          `${what}: the API failed with ${s}${suffix}; try again later`,
          "SERVER_ERROR",
          true,
          s,
        );
      return new MultimediaProviderError(
        `${what}: the API rejected the request with ${s}${suffix}`,
        "INVALID_REQUEST",
        false,
        s,
      );
    }
    return err;
  }
}
