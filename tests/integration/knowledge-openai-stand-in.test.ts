import { createHash } from "node:crypto";
import OpenAI, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  RateLimitError,
  toFile,
} from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

const KEY = "sk-stand-in";
const standIn = new OpenAIStandIn({ apiKey: KEY });
let baseURL: string;
let client: OpenAI;

const knowledgeTool = {
  type: "function" as const,
  function: {
    name: "knowledge_base",
    description: "Busca en la base de conocimiento de la clínica",
    parameters: {
      type: "object",
      properties: { query: { type: "string" }, top_k: { type: "integer" } },
      required: ["query"],
    },
  },
};

beforeAll(async () => {
  baseURL = await standIn.start();
  client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
});

describe("OpenAI stand-in: chat completions", () => {
  it("streams SSE chunks that the real client reassembles, ending with [DONE]", async () => {
    standIn.enqueueReply({ content: "El blanqueamiento en clínica cuesta 290 €." });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "¿Cuánto cuesta un blanqueamiento?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("El blanqueamiento en clínica cuesta 290 €.");
    expect(chunks).toBeGreaterThan(3);
    expect(finishes.at(-1)).toBe("stop");
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(standIn.requestsTo("/v1/chat/completions")[0]?.body).toMatchObject({
      stream: true,
      model: "gpt-4o-mini",
    });

    const raw = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hola" }], stream: true }),
    });
    expect(raw.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect((await raw.text()).trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("answers a scripted tool call, as JSON and as a stream", async () => {
    const args = { query: "horario del sábado", top_k: 2 };
    standIn.enqueueReply({ tool_calls: [{ id: "call_1", name: "knowledge_base", arguments: args }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "¿Abrís el sábado?" }];
    const answer = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      tools: [knowledgeTool],
    });
    const choice = answer.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: "call_1",
        type: "function",
        function: { name: "knowledge_base", arguments: JSON.stringify(args) },
      },
    ]);

    standIn.enqueueReply({ content: "Lo miro.", tool_calls: [{ name: "knowledge_base", arguments: args }] });
    const streamed = await client.chat.completions
      .stream({ model: "gpt-4o-mini", messages, tools: [knowledgeTool] })
      .finalChatCompletion();
    const [call] = streamed.choices[0]?.message.tool_calls ?? [];
    expect(streamed.choices[0]?.message.content).toBe("Lo miro.");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual(args);
    expect(call?.id).toMatch(/^call_/);
  });

  it("refuses a scripted tool the request did not offer, and keeps the script", async () => {
    standIn.enqueueReply({ tool_calls: [{ name: "google_calendar", arguments: {} }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "cita" }];
    const err = await client.chat.completions
      .create({ model: "m", messages, tools: [knowledgeTool] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toMatch(
      /google_calendar.*not among the request's tools \[knowledge_base\]/,
    );
    const calendarTool = {
      ...knowledgeTool,
      function: { ...knowledgeTool.function, name: "google_calendar" },
    };
    const ok = await client.chat.completions.create({ model: "m", messages, tools: [calendarTool] });
    expect(ok.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { name: "google_calendar", arguments: "{}" },
    });
  });

  it("echoes the last user text by default, also from multi-part (vision) messages", async () => {
    const answer = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Eres la recepción de Clínica Benova." },
        {
          role: "user",
          content: [
            { type: "text", text: "¿Qué ves en la foto?" },
            { type: "image_url", image_url: { url: "https://example.test/foto.jpg" } },
          ],
        },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: ¿Qué ves en la foto?");
    expect(JSON.stringify(standIn.requests[0]?.body)).toContain("https://example.test/foto.jpg");
  });
});

describe("OpenAI stand-in: auth and failures", () => {
  it("answers 401 with an OpenAI-shaped error without or with a wrong Bearer token", async () => {
    const raw = await fetch(`${baseURL}/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "m", input: "x" }),
    });
    expect(raw.status).toBe(401);
    const body = (await raw.json()) as { error: { message: string; type: string; code: unknown } };
    expect(body.error).toMatchObject({
      type: "invalid_request_error",
      message: expect.stringMatching(/API key/),
    });
    expect(body.error).toHaveProperty("code");
    const wrong = new OpenAI({ apiKey: "sk-wrong", baseURL, maxRetries: 0 });
    await expect(wrong.embeddings.create({ model: "m", input: "x" })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it("fails the next N requests with the injected status; the client's retries get through", async () => {
    standIn.failNext(2, 503);
    const retrying = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 2 });
    const answer = await retrying.embeddings.create({ model: "m", input: "hola" });
    expect(answer.data).toHaveLength(1);
    expect(standIn.requestsTo("/v1/embeddings")).toHaveLength(3);

    standIn.failNext(1, 429, { path: "/v1/chat/completions" });
    await client.embeddings.create({ model: "m", input: "no afectado" });
    await expect(
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(RateLimitError);
  });

  it("delays the next request so client time-outs can be provoked", async () => {
    standIn.delayNext(1, 300);
    const impatient = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0, timeout: 50 });
    await expect(impatient.embeddings.create({ model: "m", input: "x" })).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    );
  });
});

describe("OpenAI stand-in: embeddings and audio", () => {
  it("gives deterministic unit vectors where similar texts are closer than unrelated ones", async () => {
    const texts = [
      "precio del blanqueamiento dental",
      "precios blanqueamiento dental",
      "horario de apertura los sábados",
    ];
    const { data, usage, model } = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: texts,
    });
    expect(model).toBe("text-embedding-3-small");
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    const [a, b, c] = data.map((d) => d.embedding);
    const dot = (x: number[] = [], y: number[] = []) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    expect(dot(a, a)).toBeCloseTo(1, 5);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.3);
    const floats = await client.embeddings.create({
      model: "m",
      input: texts[0] ?? "",
      encoding_format: "float",
      dimensions: 64,
    });
    const decoded = await client.embeddings.create({ model: "m", input: texts[0] ?? "", dimensions: 64 });
    expect(floats.data[0]?.embedding).toHaveLength(64);
    decoded.data[0]?.embedding.forEach((v, i) => {
      expect(v).toBeCloseTo(floats.data[0]?.embedding[i] ?? Number.NaN, 6);
    });
  });

  it("transcribes a multipart upload with the scripted text and records the file", async () => {
    const audio = Buffer.from("OggS audio de prueba");
    standIn.enqueueTranscription("Quiero pedir cita para una limpieza.");
    const result = await client.audio.transcriptions.create({
      file: await toFile(audio, "nota-de-voz.ogg", { type: "audio/ogg" }),
      model: "whisper-1",
    });
    expect(result.text).toBe("Quiero pedir cita para una limpieza.");
    expect(standIn.requestsTo("/v1/audio/transcriptions")[0]?.body).toMatchObject({
      model: "whisper-1",
      file: {
        filename: "nota-de-voz.ogg",
        contentType: "audio/ogg",
        size: audio.length,
        sha256: createHash("sha256").update(audio).digest("hex"),
      },
    });
  });

  it("speaks: returns audio bytes with the audio content type", async () => {
    const speech = await client.audio.speech.create({
      model: "tts-1",
      input: "Su cita está confirmada.",
      voice: "alloy",
    });
    expect(speech.headers.get("content-type")).toBe("audio/mpeg");
    const bytes = Buffer.from(await speech.arrayBuffer());
    expect(bytes.subarray(0, 3).toString("latin1")).toBe("ID3");
    expect(bytes.length).toBeGreaterThan(20);
    standIn.enqueueSpeech(Buffer.from("RIFF....WAVE"));
    const wav = await client.audio.speech.create({
      model: "tts-1",
      input: "Hola",
      voice: "nova",
      response_format: "wav",
    });
    expect(wav.headers.get("content-type")).toBe("audio/wav");
    expect(Buffer.from(await wav.arrayBuffer()).toString("latin1")).toBe("RIFF....WAVE");
    await expect(
      client.audio.speech.create({ model: "tts-1", input: "", voice: "alloy" }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
