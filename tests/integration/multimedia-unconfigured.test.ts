import { describe, expect, it } from "vitest";
import {
  MultimediaNotConfiguredError,
  OpenAIMultimediaService,
  UnconfiguredMultimediaService,
} from "../../src/services/multimedia/index.js";
import { isTransientError } from "../../src/util/retry.js";

describe("UnconfiguredMultimediaService (embedded default)", () => {
  const media = new UnconfiguredMultimediaService();
  const calls: [string, () => Promise<unknown>][] = [
    ["transcribe_audio", () => media.transcribeAudio({ audio_url: "https://files.example/a.ogg" })],
    [
      "analyze_image",
      () => media.analyzeImage({ image_url: "https://files.example/a.png", prompt: "¿qué es?" }),
    ],
    ["text_to_speech", () => media.textToSpeech({ text: "hola", voice: "alloy" })],
  ];

  it.each(calls)("%s fails with a final error that says which settings to add", async (tool, call) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MultimediaNotConfiguredError);
    expect(err).toMatchObject({
      name: "MultimediaNotConfiguredError",
      code: "NOT_CONFIGURED",
      retriable: false,
    });
    const message = (err as Error).message;
    expect(message).toContain(tool);
    expect(message).toContain("OPENAI_API_KEY");
    expect(message).toContain("OPENAI_BASE_URL");
    expect(isTransientError(err)).toBe(false);
  });

  it("an OpenAI service cannot be built without a key", () => {
    expect(() => new OpenAIMultimediaService({ apiKey: " " })).toThrow(/apiKey.*OPENAI_API_KEY/);
    expect(() => new OpenAIMultimediaService({ apiKey: "k", baseURL: "localhost:8000" })).toThrow(/baseURL/);
  });
});
