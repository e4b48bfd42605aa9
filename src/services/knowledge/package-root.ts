import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding the package's package.json, found by walking up from this module. Works the
 * same from `src/` (tsx) and from `dist/src/` (compiled), which sit at different depths.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(from)}`);
    dir = parent;
  }
}

/** The sample knowledge base shipped with the package: `<package root>/knowledge`. */
export function defaultKnowledgeDir(): string {
  return join(packageRoot(), "knowledge");
}
