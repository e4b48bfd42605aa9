import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MediaFetchError,
  MultimediaInputError,
  MultimediaProviderError,
  type OpenAIMultimediaOptions,
  OpenAIMultimediaService,
} from "../../src/services/multimedia/index.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

const API_KEY = "sk-test-0f1e2d3c4b5a69788796";
let openai: OpenAIStandIn;
let baseURL: string;
let chatwoot: ChatwootStandIn;

beforeEach(async () => {
  openai = new OpenAIStandIn({ apiKey: API_KEY });
  baseURL = await openai.start();
  chatwoot = new ChatwootStandIn();
  await chatwoot.start();
});

afterEach(async () => {
  await openai.close();
  await chatwoot.close();
});

const media = (options: Partial<OpenAIMultimediaOptions> = {}) =>
  new OpenAIMultimediaService({ apiKey: API_KEY, baseURL, maxRetries: 0, timeoutMs: 5_000, ...options });

/** Bytes that start like an Ogg/Opus voice note. */
const voiceNote = () => Buffer.concat([Buffer.from("OggS\0\x02", "latin1"), randomBytes(2_000)]);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function failure<T extends Error>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as T;
}

describe("OpenAIMultimediaService: transcription", () => {
  it("downloads a Chatwoot voice note and uploads it as multipart `file` and `model`", async () => {
    const audio = voiceNote();
    const url = chatwoot.addFile("nota de voz.ogg", audio, "audio/ogg");
    openai.enqueueTranscription("Quiero cambiar mi cita al jueves");

    expect(await media().transcribeAudio({ audio_url: url })).toEqual({
      text: "Quiero cambiar mi cita al jueves",
    });

    const [req] = openai.requestsTo("/v1/audio/transcriptions");
    expect(req?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.body).toMatchObject({
      model: "whisper-1",
      file: {
        filename: "nota_de_voz.ogg",
        contentType: "audio/ogg",
        size: audio.length,
        sha256: sha256(audio),
      },
    });
    // Chatwoot's data_url redirects to the stored blob; the download followed it.
    expect(chatwoot.requests.map((r) => r.path.split("/").slice(0, 4).join("/"))).toEqual([
      "/rails/active_storage/blobs",
      "/rails/active_storage/disk",
    ]);
  });

  it("uses the configured model and names a typeless file after its content type", async () => {
    const url = chatwoot.addFile("blob", voiceNote(), "audio/mpeg");
    await media({ transcriptionModel: "whisper-large-v3" }).transcribeAudio({ audio_url: url });
    expect(openai.requestsTo("/v1/audio/transcriptions")[0]?.body).toMatchObject({
      model: "whisper-large-v3",
      file: { filename: "audio.mp3" },
    });
  });

  it("refuses what is not audio, or too large, without calling the API", async () => {
    const page = chatwoot.addFile("login.html", Buffer.from("<html>Sign in</html>"), "text/html");
    const notAudio = await failure(media().transcribeAudio({ audio_url: page }), MediaFetchError);
    expect(notAudio).toMatchObject({ code: "UNSUPPORTED_MEDIA", retriable: false });
    expect(notAudio.message).toContain('content type "text/html"');

    const big = chatwoot.addFile("long.ogg", voiceNote(), "audio/ogg");
    const tooLarge = await failure(
      media({ maxAudioBytes: 1_000 }).transcribeAudio({ audio_url: big }),
      MediaFetchError,
    );
    expect(tooLarge).toMatchObject({ code: "MEDIA_TOO_LARGE", retriable: false });
    expect(tooLarge.message).toMatch(/larger than 1000 bytes/);
    expect(openai.requests).toHaveLength(0);
  });

  it("tells a missing file (final) from a failing file server (retriable), hiding signed query strings", async () => {
    const missing = `${chatwoot.addFile("x.ogg", voiceNote(), "audio/ogg").replace(/\/[^/]+\/x\.ogg$/, "/nope/x.ogg")}?sig=s3cr3t`;
    const gone = await failure(media().transcribeAudio({ audio_url: missing }), MediaFetchError);
    expect(gone).toMatchObject({ code: "MEDIA_UNAVAILABLE", status: 404, retriable: false });
    expect(gone.message).not.toContain("s3cr3t");

    const url = chatwoot.addFile("y.ogg", voiceNote(), "audio/ogg");
    chatwoot.failNext(1, 503, { path: /\/disk\// });
    expect(await failure(media().transcribeAudio({ audio_url: url }), MediaFetchError)).toMatchObject({
      status: 503,
      retriable: true,
    });
    expect(openai.requests).toHaveLength(0);
  });

  it("accepts only http(s) URLs", async () => {
    for (const audio_url of ["ftp://files.example/a.ogg", "file:///etc/passwd", "nota.ogg", ""]) {
      const err = await failure(media().transcribeAudio({ audio_url }), MultimediaInputError);
      expect(err.message).toMatch(/^invalid audio_url: expected an absolute http\(s\) URL/);
    }
    expect(openai.requests).toHaveLength(0);
  });
});

describe("OpenAIMultimediaService: vision and speech", () => {
  it("sends the image as an image_url content part with the prompt", async () => {
    openai.enqueueReply({ content: "Una receta médica de ibuprofeno 600 mg." });
    const image_url = "https://files.example/receta.jpg";
    const result = await media().analyzeImage({ image_url, prompt: "¿Qué medicamento aparece?" });
    expect(result).toEqual({ description: "Una receta médica de ibuprofeno 600 mg." });

    const body = openai.requestsTo("/v1/chat/completions")[0]?.body as { model: string; messages: unknown[] };
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "¿Qué medicamento aparece?" },
          { type: "image_url", image_url: { url: image_url } },
        ],
      },
    ]);
  });

  it("asks for a general description when no prompt is given, and rejects a bad image URL", async () => {
    openai.enqueueReply({ content: "Una foto de una encía inflamada." });
    await media({ visionModel: "llava" }).analyzeImage({ image_url: "http://files.example/a.png" });
    const body = openai.requestsTo("/v1/chat/completions")[0]?.body as {
      model: string;
      messages: { content: { type: string; text?: string }[] }[];
    };
    expect(body.model).toBe("llava");
    expect(body.messages[0]?.content[0]?.text).toMatch(/^Describe this image/);
    await expect(media().analyzeImage({ image_url: "data:image/png;base64,AAAA" })).rejects.toThrow(
      /image_url/,
    );
  });

  it("turns text into mp3 bytes with the chosen voice", async () => {
    const mp3 = Buffer.concat([Buffer.from("ID3\x04\0\0\0\0\0\0", "latin1"), randomBytes(500)]);
    openai.enqueueSpeech(mp3);
    const speech = await media().textToSpeech({ text: "Su cita es el jueves a las diez.", voice: "nova" });

    expect(speech.mime_type).toBe("audio/mpeg");
    expect(speech.bytes).toBe(mp3.length);
    expect(Buffer.from(speech.audio_base64, "base64").equals(mp3)).toBe(true);
    expect(openai.requestsTo("/v1/audio/speech")[0]?.body).toEqual({
      model: "tts-1",
      input: "Su cita es el jueves a las diez.",
      voice: "nova",
      response_format: "mp3",
    });
  });

  it("rejects an unknown voice or over-long text before calling the API", async () => {
    const voice = await failure(
      media().textToSpeech({ text: "hola", voice: "robot" as "nova" }),
      MultimediaInputError,
    );
    expect(voice.message).toBe("invalid voice: expected one of alloy, echo, fable, onyx, nova, shimmer");
    await expect(media().textToSpeech({ text: "a".repeat(4097), voice: "alloy" })).rejects.toThrow(
      /text: expected at most 4096/,
    );
    expect(openai.requests).toHaveLength(0);
  });
});

describe("OpenAIMultimediaService: provider failures", () => {
  it("marks 5xx as retriable, and the client's own retry gets through", async () => {
    openai.failNext(1, 503);
    const err = await failure(
      media().textToSpeech({ text: "hola", voice: "alloy" }),
      MultimediaProviderError,
    );
    expect(err).toMatchObject({ code: "SERVER_ERROR", status: 503, retriable: true });

    openai.failNext(1, 500);
    const speech = await media({ maxRetries: 2 }).textToSpeech({ text: "hola", voice: "alloy" });
    expect(speech.bytes).toBeGreaterThan(0);
    expect(openai.requestsTo("/v1/audio/speech")).toHaveLength(3);
  });

  it("reports a wrong key as final, naming OPENAI_API_KEY and not the key", async () => {
    const wrong = "sk-wrong-aaaabbbbccccdddd";
    const err = await failure(
      media({ apiKey: wrong }).analyzeImage({ image_url: "https://files.example/a.png" }),
      MultimediaProviderError,
    );
    expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401, retriable: false });
    expect(err.message).toMatch(/OPENAI_API_KEY/);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain("sk-");
  });

  it("reports an unreachable server as a retriable network error naming OPENAI_BASE_URL", async () => {
    await openai.close();
    const err = await failure(media().textToSpeech({ text: "hola", voice: "echo" }), MultimediaProviderError);
    expect(err).toMatchObject({ code: "NETWORK_ERROR", retriable: true });
    expect(err.message).toMatch(/OPENAI_BASE_URL/);
  });
});
