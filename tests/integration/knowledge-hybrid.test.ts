import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  EmbeddingsError,
  type EmbeddingsProvider,
  KnowledgeBase,
  OpenAIEmbeddings,
} from "../../src/services/knowledge/index.js";
import { createLogger } from "../../src/util/logger.js";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

const KEY = "sk-test-knowledge";

function embeddingInputs(standIn: OpenAIStandIn): string[][] {
  return standIn.requestsTo("/v1/embeddings").map((r) => {
    const input = (r.body as { input: string | string[] }).input;
    return Array.isArray(input) ? input : [input];
  });
}

describe("hybrid KnowledgeBase with OpenAI embeddings (stand-in server, real openai client)", () => {
  const standIn = new OpenAIStandIn({ apiKey: KEY });
  let baseURL: string;
  let text: KnowledgeBase;
  let hybrid: KnowledgeBase;
  const logLines: string[] = [];

  beforeAll(async () => {
    baseURL = await standIn.start();
    text = await KnowledgeBase.load();
    hybrid = await KnowledgeBase.load({
      embeddings: new OpenAIEmbeddings({ apiKey: KEY, baseURL, maxRetries: 0 }),
      embedBatchSize: 20,
      logger: createLogger("warn", {}, (line) => logLines.push(line)),
    });
  });
  afterAll(() => standIn.close());

  it("embeds every chunk exactly once at load, in batches, with the default model", () => {
    expect(hybrid.mode).toBe("hybrid");
    const batches = embeddingInputs(standIn);
    expect(batches.map((b) => b.length)).toEqual([20, 20, hybrid.size - 40]);
    const inputs = batches.flat();
    expect(new Set(inputs).size).toBe(hybrid.size);
    expect(
      inputs.some(
        (t) => t.startsWith("Tratamientos dentales > Blanqueamiento dental\n\n") && t.includes("290 €"),
      ),
    ).toBe(true);
    for (const r of standIn.requestsTo("/v1/embeddings")) {
      expect(r.body).toMatchObject({ model: "text-embedding-3-small" });
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
  });

  it("embeds only the query on each search", async () => {
    const before = standIn.requestsTo("/v1/embeddings").length;
    await hybrid.search("horario del sábado");
    await hybrid.search("cancelar cita");
    expect(embeddingInputs(standIn).slice(before)).toEqual([["horario del sábado"], ["cancelar cita"]]);
  });

  it("fuses text and vector ranks: the chunk both rank first scores 1, others join from the vectors", async () => {
    const fused = await hybrid.search("horario del sábado", 5);
    const plain = await text.search("horario del sábado", 5);
    expect(fused.results[0]?.metadata.heading).toBe("Clínica Benova > Horario de apertura");
    expect(fused.results[0]?.score).toBe(1);
    expect(fused.results[0]?.content).toContain("Sábados: de 10:00 a 14:00");
    // Text search alone finds 3 chunks; nearest neighbours add more candidates.
    expect(fused.total_matches).toBeGreaterThan(plain.total_matches);
    const scores = fused.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
    const plainHeadings = new Set(plain.results.map((r) => r.metadata.heading));
    const vectorOnly = fused.results.filter((r) => !plainHeadings.has(r.metadata.heading));
    expect(vectorOnly.length).toBeGreaterThan(0);
    // A chunk that only one ranking holds can reach at most half the best fused score.
    for (const r of vectorOnly) expect(r.score).toBeLessThanOrEqual(0.5);
  });

  it("keeps answering from text search when the embeddings API fails, and logs a warning", async () => {
    standIn.failNext(1, 500, { path: "/v1/embeddings" });
    const degraded = await hybrid.search("precio blanqueamiento");
    expect(degraded).toEqual(await text.search("precio blanqueamiento"));
    expect(logLines.some((l) => l.includes("query embedding failed") && l.includes("500"))).toBe(true);
    expect((await hybrid.search("precio blanqueamiento")).total_matches).toBeGreaterThan(
      degraded.total_matches,
    );
  });

  it("refuses to load when the embeddings API rejects the key, saying so", async () => {
    const err = await KnowledgeBase.load({
      embeddings: new OpenAIEmbeddings({ apiKey: "sk-wrong", baseURL, maxRetries: 0 }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddingsError);
    expect(err).toMatchObject({ status: 401, retriable: false, code: "KNOWLEDGE_EMBEDDINGS_FAILED" });
    expect((err as Error).message).toMatch(/check the API key/);
  });

  it("marks server errors at load as retriable after the client's own retries", async () => {
    standIn.failNext(2, 503, { path: "/v1/embeddings" });
    const err = await KnowledgeBase.load({
      embeddings: new OpenAIEmbeddings({ apiKey: KEY, baseURL, maxRetries: 1 }),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "EmbeddingsError", status: 503, retriable: true });
  });
});

describe("reciprocal-rank fusion on a controlled knowledge base", () => {
  let dir: string;
  const calls: string[][] = [];
  // Known vectors: one axis per section; the query points at Ubicación only.
  const vectors: Record<string, number[]> = {
    Horario: [1, 0, 0],
    Parking: [0, 1, 0],
    Ubicación: [0, 0, 1],
    "horario lunes": [0, -0.2, 1],
  };
  const provider: EmbeddingsProvider = {
    async embed(texts) {
      calls.push(texts);
      return texts.map((t) => vectors[t.split("\n")[0] ?? ""] ?? [0, 0, 0]);
    },
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kb-rrf-"));
    writeFileSync(
      join(dir, "clinica.md"),
      "## Horario\nAbrimos de lunes a viernes.\n\n## Parking\nHay aparcamiento cerca.\n\n## Ubicación\nCalle de los Tilos 27, también abrimos los lunes por la tarde.\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    calls.length = 0;
  });

  it("ranks by summed 1/(60+rank), so agreement of both rankings beats one first place", async () => {
    const kb = await KnowledgeBase.load({ dir, embeddings: provider });
    expect(calls).toEqual([
      [
        "Horario\n\nAbrimos de lunes a viernes.",
        "Parking\n\nHay aparcamiento cerca.",
        expect.stringMatching(/^Ubicación\n\nCalle/),
      ],
    ]);
    const textOnly = await (await KnowledgeBase.load({ dir })).search("horario lunes", 5);
    expect(textOnly.results.map((r) => r.metadata.heading)).toEqual(["Horario", "Ubicación"]);

    // Text ranks [Horario, Ubicación]; vectors rank [Ubicación] (Horario is orthogonal, Parking opposite).
    const { results, total_found, total_matches } = await kb.search("horario lunes", 5);
    expect(calls.slice(1)).toEqual([["horario lunes"]]);
    expect(results.map((r) => r.metadata.heading)).toEqual(["Ubicación", "Horario"]);
    expect(results[0]?.score).toBeCloseTo((1 / 62 + 1 / 61) / (2 / 61), 4);
    expect(results[1]?.score).toBeCloseTo(0.5, 4);
    expect(total_found).toBe(2);
    expect(total_matches).toBe(2);
  });
});
