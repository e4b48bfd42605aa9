import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCycles } from "../../scripts/lib/import-cycles.js";

describe("import cycle check", () => {
  it("finds cycles through type-only imports and dynamic import()", () => {
    const dir = mkdtempSync(join(tmpdir(), "cycles-"));
    try {
      mkdirSync(join(dir, "tools"));
      writeFileSync(join(dir, "tools", "executor.ts"), 'export const run = () => import("./adapter.js");\n');
      writeFileSync(
        join(dir, "tools", "adapter.ts"),
        'import type { run } from "./executor.js";\nexport type R = typeof run;\n',
      );
      writeFileSync(join(dir, "a.ts"), 'import { b } from "./b.js";\nexport const a = b;\n');
      writeFileSync(join(dir, "b.ts"), 'export const b = 1;\nexport { x } from "./c.js";\n');
      writeFileSync(join(dir, "c.ts"), "export const x = 2;\n");
      const cycles = findCycles(dir).map((c) => c.map((f) => f.slice(dir.length + 1)).sort());
      expect(cycles).toEqual([["tools/adapter.ts", "tools/executor.ts"]]);
      writeFileSync(join(dir, "c.ts"), 'import { a } from "./a.js";\nexport const x = a;\n');
      expect(findCycles(dir)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds none in src", () => {
    expect(findCycles(join(import.meta.dirname, "../../src"))).toEqual([]);
  });
});
