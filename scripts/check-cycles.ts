/** Fails when the modules under src/ (or the folder given) import each other in a cycle. Run by `npm run lint`. */
import { relative, resolve } from "node:path";
import { findCycles } from "./lib/import-cycles.js";

const root = resolve(process.argv[2] ?? "src");
const cycles = findCycles(root);
if (cycles.length > 0) {
  const show = (f: string) => relative(process.cwd(), f);
  process.stderr.write(`${cycles.length} import cycle(s) under ${show(root)}:\n`);
  for (const cycle of cycles)
    process.stderr.write(`  ${[...cycle, cycle[0] as string].map(show).join(" -> ")}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`no import cycles under ${relative(process.cwd(), root) || "."}\n`);
}
