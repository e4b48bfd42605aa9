import { MultimediaInputError } from "./errors.js";
import { TTS_VOICES, type TtsVoice } from "./types.js";

/** OpenAI's speech endpoint refuses longer input. */
export const MAX_SPEECH_CHARS = 4096;
export const MAX_PROMPT_CHARS = 4000;

export function checkHttpUrl(field: string, value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new MultimediaInputError(
      field,
      "an absolute http(s) URL such as https://files.example.com/voice.ogg",
    );
  }
  return url;
}

export function checkVoice(value: unknown): TtsVoice {
  if (!TTS_VOICES.includes(value as TtsVoice)) {
    throw new MultimediaInputError("voice", `one of ${TTS_VOICES.join(", ")}`);
  }
  return value as TtsVoice;
}

export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new MultimediaInputError(field, "a non-empty string");
  if (value.length > max) throw new MultimediaInputError(field, `at most ${max} characters`);
  return value;
}

/** A URL fit for messages and logs: signed query strings can hold credentials, so they are left out. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
