import { withTimeout } from "../../util/retry.js";
import { MediaFetchError } from "./errors.js";
import { displayUrl } from "./validation.js";

/** File extensions the transcription endpoint understands (it goes by the file name). */
const AUDIO_EXTENSIONS = new Set(["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"]);

const EXTENSION_BY_TYPE: Record<string, string> = {
  "audio/ogg": "ogg",
  "audio/opus": "ogg",
  "application/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/mp4": "m4a",
  "audio/m4a": "m4a",
  "audio/x-m4a": "m4a",
  "audio/wav": "wav",
  "audio/wave": "wav",
  "audio/x-wav": "wav",
  "audio/webm": "webm",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "video/mp4": "mp4",
  "video/webm": "webm",
};

export interface FetchedAudio {
  bytes: Buffer;
  contentType: string;
  /** A file name whose extension tells the provider the format, e.g. `voice.ogg`. */
  filename: string;
}

export interface FetchAudioOptions {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Downloads an audio file (following redirects, as Chatwoot's attachment URLs need), refusing
 * anything larger than `maxBytes` or whose content type is not audio, such as an HTML login page.
 */
export async function fetchAudio(url: URL, options: FetchAudioOptions): Promise<FetchedAudio> {
  const where = displayUrl(url);
  try {
    return await withTimeout(options.timeoutMs, async (signal) => {
      const res = await fetch(url, { redirect: "follow", signal });
      if (!res.ok) {
        await res.body?.cancel();
        const retriable = res.status === 429 || res.status === 408 || res.status >= 500;
        throw new MediaFetchError(
          `cannot download the audio at ${where}: the server answered ${res.status}` +
            (retriable ? "; try again later" : "; check that the URL is right and has not expired"),
          "MEDIA_UNAVAILABLE",
          retriable,
          res.status,
        );
      }
      const contentType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      const filename = audioFilename(url, contentType);
      if (!filename) {
        await res.body?.cancel();
        throw new MediaFetchError(
          `the file at ${where} is not audio (content type "${contentType || "none"}"); ` +
            `expected one of ${[...AUDIO_EXTENSIONS].join(", ")}`,
          "UNSUPPORTED_MEDIA",
          false,
          res.status,
        );
      }
      const declared = Number(res.headers.get("content-length") ?? Number.NaN);
      if (declared > options.maxBytes) {
        await res.body?.cancel();
        throw tooLarge(where, options.maxBytes);
      }
      const bytes = await readLimited(res, options.maxBytes, where);
      if (bytes.length === 0)
        throw new MediaFetchError(`the audio at ${where} is empty`, "EMPTY_MEDIA", false, res.status);
      return { bytes, contentType, filename };
    });
  } catch (err) {
    if (err instanceof MediaFetchError) throw err;
    if ((err as { name?: string }).name === "TimeoutError") {
      throw new MediaFetchError(
        `downloading ${where} took longer than ${options.timeoutMs} ms`,
        "TIMEOUT",
        true,
      );
    }
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new MediaFetchError(`cannot download the audio at ${where} (${cause})`, "NETWORK_ERROR", true);
  }
}

function audioFilename(url: URL, contentType: string): string | undefined {
  const base = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  const ext = base.includes(".") ? base.split(".").pop()?.toLowerCase() : undefined;
  const byType = EXTENSION_BY_TYPE[contentType];
  const isMedia =
    contentType.startsWith("audio/") || contentType.startsWith("video/") || byType !== undefined;
  const generic =
    contentType === "" || contentType === "application/octet-stream" || contentType === "binary/octet-stream";
  if (ext && AUDIO_EXTENSIONS.has(ext) && (isMedia || generic)) return safeName(base);
  if (byType) return `audio.${byType}`;
  if (isMedia) return `audio.${contentType.split("/")[1]?.replace(/^x-/, "") ?? "bin"}`;
  return undefined;
}

/** Keeps the name readable but free of characters that break multipart headers. */
function safeName(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]/gu, "_").slice(-100);
}

async function readLimited(res: Response, maxBytes: number, where: string): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(where, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(where: string, maxBytes: number): MediaFetchError {
  return new MediaFetchError(
    `the audio at ${where} is larger than ${formatBytes(maxBytes)}, the most the transcription accepts`,
    "MEDIA_TOO_LARGE",
    false,
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KB`;
  return `${n} bytes`;
}
