import { describe, expect, it } from "vitest";
import { splitMarkdown } from "../../src/services/knowledge/markdown-chunks.js";
import { reciprocalRankFusion } from "../../src/services/knowledge/vector-math.js";

describe("splitMarkdown", () => {
  const md = [
    "# Tratamientos",
    "",
    "## Blanqueamiento",
    "Precio: 290 €.",
    "",
    "### Cuidados",
    "Evita el café 48 horas.",
    "",
    "## Implantes",
    "```",
    "# esto no es un título",
    "```",
    "Desde 1.240 €.",
  ].join("\n");

  it("makes one chunk per heading with text, keeping the heading path", () => {
    const chunks = splitMarkdown("dental.md", md);
    expect(chunks.map((c) => [c.heading, c.chunk])).toEqual([
      ["Tratamientos > Blanqueamiento", 0],
      ["Tratamientos > Blanqueamiento > Cuidados", 1],
      ["Tratamientos > Implantes", 2],
    ]);
    expect(chunks[0]?.content).toBe("Precio: 290 €.");
    expect(chunks[1]?.content).toBe("Evita el café 48 horas.");
    expect(chunks.every((c) => c.source === "dental.md")).toBe(true);
  });

  it("treats headings inside code fences as text", () => {
    const implantes = splitMarkdown("dental.md", md)[2];
    expect(implantes?.content).toContain("# esto no es un título");
    expect(implantes?.content).toContain("Desde 1.240 €.");
  });

  it("names text before any heading after the file", () => {
    expect(splitMarkdown("avisos.md", "Cerrado el 15 de agosto.")).toEqual([
      { source: "avisos.md", heading: "avisos", chunk: 0, content: "Cerrado el 15 de agosto." },
    ]);
  });

  it("splits long sections at blank lines under the same heading", () => {
    const paragraph = "Texto de relleno sobre la clínica. ".repeat(10).trim();
    const long = `## Larga\n${[paragraph, paragraph, paragraph].join("\n\n")}`;
    const chunks = splitMarkdown("larga.md", long, paragraph.length + 10);
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.heading === "Larga" && c.content === paragraph)).toBe(true);
    expect(chunks.map((c) => c.chunk)).toEqual([0, 1, 2]);
  });

  it("resets deeper headings when a shallower one starts", () => {
    const chunks = splitMarkdown("x.md", "# A\n## B\n### C\ntexto c\n## D\ntexto d");
    expect(chunks.map((c) => c.heading)).toEqual(["A > B > C", "A > D"]);
  });
});

describe("reciprocalRankFusion", () => {
  it("puts an item ranked well in both lists first and scores 1 for first in both", () => {
    const fused = reciprocalRankFusion([
      [7, 3, 5],
      [7, 5, 9],
    ]);
    expect(fused[0]).toEqual({ id: 7, score: 1 });
    expect(fused.map((f) => f.id)).toEqual([7, 5, 3, 9]);
    expect(fused.every((f) => f.score > 0 && f.score <= 1)).toBe(true);
  });

  it("computes 1/(k+rank) sums divided by the best possible sum", () => {
    const [only] = reciprocalRankFusion([[1], [2, 1]], 60);
    expect(only?.id).toBe(1);
    expect(only?.score).toBeCloseTo((1 / 61 + 1 / 62) / (2 / 61), 10);
  });
});
