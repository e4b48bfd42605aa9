import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidKnowledgeInputError,
  KnowledgeBase,
  KnowledgeLoadError,
  packageRoot,
} from "../../src/services/knowledge/index.js";

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await KnowledgeBase.load();
});

async function top(query: string) {
  const { results } = await kb.search(query, 1);
  const [first] = results;
  if (!first) throw new Error(`no result for ${query}`);
  return first;
}

describe("KnowledgeBase on the clinic's knowledge/ folder", () => {
  it("loads every markdown file of the package's knowledge folder", async () => {
    expect(packageRoot()).toBe(fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]$/, ""));
    expect(kb.size).toBeGreaterThan(30);
    expect(kb.mode).toBe("text");
    const sources = new Set<string>();
    for (const q of ["blanqueamiento", "horario", "financiación", "señal", "láser", "bótox", "parking"]) {
      for (const r of (await kb.search(q, 5)).results) sources.add(r.metadata.source);
    }
    expect(sources.size).toBeGreaterThanOrEqual(6);
  });

  it("answers a price question with the whitening section and its price", async () => {
    const response = await kb.search("¿Cuánto cuesta un blanqueamiento?");
    expect(response.query).toBe("¿Cuánto cuesta un blanqueamiento?");
    const [first] = response.results;
    expect(first?.metadata).toEqual({
      source: "tratamientos-dentales.md",
      heading: "Tratamientos dentales > Blanqueamiento dental",
      chunk: expect.any(Number),
    });
    expect(first?.content).toContain("290 €");
    expect(first?.score).toBe(1);
    expect(response.total_found).toBe(response.results.length);
    expect(response.total_matches).toBeGreaterThanOrEqual(response.results.length);
  });

  it("finds the same section from keywords, without accents and with typos in accents", async () => {
    for (const q of ["precio blanqueamiento", "precio blanqueamíento", "PRECIO BLANQUEAMIENTO"]) {
      expect((await top(q)).metadata.heading, q).toBe("Tratamientos dentales > Blanqueamiento dental");
    }
    const limpieza = await top("limpiéza dental precio");
    expect(limpieza.metadata.heading).toBe("Tratamientos dentales > Limpieza dental");
    expect(limpieza.content).toContain("60 €");
    expect((await top("depilacion laser axilas")).content).toContain("Axilas | 35 €");
    expect((await top("botox")).metadata.heading).toBe("Medicina estética > Bótox (toxina botulínica)");
    expect((await top("botox precio")).content).toContain("Una zona: 250 €");
  });

  it("tolerates spelling mistakes (fuzzy) and word beginnings (prefix)", async () => {
    expect((await top("blanqueamento")).metadata.heading).toBe(
      "Tratamientos dentales > Blanqueamiento dental",
    );
    expect((await top("limpeza")).metadata.heading).toBe("Tratamientos dentales > Limpieza dental");
    expect((await top("orario savado")).metadata.heading).toBe("Clínica Benova > Horario de apertura");
    expect((await top("ortodon")).metadata.heading).toMatch(/ortodoncia invisible/i);
  });

  it("matches singular and plural", async () => {
    const singular = await top("implante");
    const plural = await top("implantes");
    expect(singular.metadata.heading).toBe("Tratamientos dentales > Implantes dentales");
    expect(plural.metadata).toEqual(singular.metadata);
    expect((await top("cancelaciones")).metadata.heading).toBe((await top("cancelación")).metadata.heading);
  });

  it("answers the Saturday opening hours", async () => {
    const first = await top("horario del sábado");
    expect(first.metadata).toMatchObject({
      source: "clinica.md",
      heading: "Clínica Benova > Horario de apertura",
    });
    expect(first.content).toContain("Sábados: de 10:00 a 14:00");
    expect((await top("horario sabados")).metadata.heading).toBe("Clínica Benova > Horario de apertura");
  });

  it("finds the cancellation policy from a verb ('cancelar cita')", async () => {
    const first = await top("cancelar cita");
    expect(first.metadata).toMatchObject({
      source: "citas-y-cancelaciones.md",
      heading: "Citas, cambios y cancelaciones > Cancelar o cambiar una cita",
    });
    expect(first.content).toContain("24 horas");
  });

  it("finds after-care, location and financing questions", async () => {
    expect((await top("¿qué hago después del implante?")).metadata.heading).toBe(
      "Cuidados antes y después del tratamiento > Después de un implante dental",
    );
    expect((await top("¿Dónde estáis?")).content).toContain("Calle de los Tilos, 27");
    expect((await top("financiar sin intereses")).content).toContain("12 meses sin intereses");
  });

  it("honours topK, orders by score and keeps scores in 0..1", async () => {
    for (const k of [1, 3, 5, 20]) {
      const { results, total_found, total_matches } = await kb.search("precio", k);
      expect(results).toHaveLength(Math.min(k, total_matches));
      expect(total_found).toBe(results.length);
      const scores = results.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    }
    expect((await kb.search("precio")).results).toHaveLength(3);
  });

  it("reports total_found as the number of results returned and total_matches as all matches (guide: top_k 5)", async () => {
    const res = await kb.search("¿Qué tratamientos ofrecen para arrugas?", 5);
    expect(res.results).toHaveLength(5);
    expect(res.total_found).toBe(5);
    expect(res.total_matches).toBeGreaterThan(5);
  });

  it("returns nothing, not an error, when only stop words are asked", async () => {
    expect(await kb.search("¿y qué?")).toEqual({
      query: "¿y qué?",
      results: [],
      total_found: 0,
      total_matches: 0,
    });
  });

  it("rejects an empty query and a topK out of range, naming the field", async () => {
    for (const q of ["", "   \n"]) {
      const err = await kb.search(q).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidKnowledgeInputError);
      expect(err).toMatchObject({ field: "query", code: "KNOWLEDGE_INVALID_INPUT", retriable: false });
      expect((err as Error).message).toMatch(/query/);
    }
    for (const k of [0, 21, 2.5, Number.NaN]) {
      await expect(kb.search("precio", k)).rejects.toMatchObject({
        name: "InvalidKnowledgeInputError",
        field: "topK",
      });
    }
  });
});

describe("KnowledgeBase on a custom folder", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kb-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads nested folders and reports their relative path as source", async () => {
    const root = join(dir, "nested");
    mkdirSync(join(root, "sedes"), { recursive: true });
    writeFileSync(
      join(root, "sedes", "alicante.md"),
      "# Sede Alicante\n## Horario\nDe martes a sábado, de 10:00 a 19:00.\n",
    );
    writeFileSync(join(root, "notas.txt"), "## Horario\nesto no es markdown\n");
    const local = await KnowledgeBase.load({ dir: root });
    expect(local.size).toBe(1);
    const { results } = await local.search("horario martes");
    expect(results[0]?.metadata).toEqual({
      source: "sedes/alicante.md",
      heading: "Sede Alicante > Horario",
      chunk: 0,
    });
  });

  it("fails to load a missing folder or one without text, saying what to do", async () => {
    await expect(KnowledgeBase.load({ dir: join(dir, "no-existe") })).rejects.toSatisfy(
      (e: unknown) => e instanceof KnowledgeLoadError && /dir option/.test(e.message),
    );
    const empty = join(dir, "vacio");
    mkdirSync(empty);
    writeFileSync(join(empty, "titulo.md"), "# Solo un título\n");
    await expect(KnowledgeBase.load({ dir: empty })).rejects.toThrow(/no markdown text/);
  });
});
