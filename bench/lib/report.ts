import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Cell = string | number;

export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** What one benchmark hands back: printed tables, goals and the figures written to JSON. */
export interface BenchOutcome {
  name: string;
  goals: Goal[];
  data: Record<string, unknown>;
  notes: string[];
}

export interface BenchContext {
  redisUrl: string;
  quick: boolean;
  print(text: string): void;
}

export interface Bench {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  loadAverage: number[];
  node: string;
  redis: string;
  platform: string;
  startedAt: string;
}

export function machineInfo(redisVersion: string): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    node: process.version,
    redis: redisVersion,
    platform: `${process.platform} ${process.arch}`,
    startedAt: new Date().toISOString(),
  };
}

export function formatMachine(m: MachineInfo): string {
  return [
    `machine: ${m.cpus} cpus (${m.cpuModel}), ${m.platform}`,
    `load average (1/5/15 min): ${m.loadAverage.join(" / ")}`,
    `node ${m.node}, redis-server ${m.redis} (private, --save "" --appendonly no)`,
  ].join("\n");
}

/** Fixed-width table; numbers are right-aligned. */
export function table(title: string, header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[], raw: Cell[] | null) =>
    r
      .map((c, i) =>
        raw && typeof raw[i] === "number" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [`${title}`, line(header, null), rule, ...rows.map((r) => line(r.map(String), r))].join("\n");
}

export function formatGoals(goals: Goal[]): string {
  return goals
    .map(
      (g) =>
        `${g.met ? "GOAL MET    " : "GOAL NOT MET"}  ${g.name}: target ${g.target}, measured ${g.measured}`,
    )
    .join("\n");
}

/** Rounds to a few significant digits for tables and JSON. */
export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const mag = Math.max(0, digits - Math.ceil(Math.log10(Math.abs(v) + 1e-12)));
  const f = 10 ** Math.min(mag, 6);
  return Math.round(v * f) / f;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

export function writeResult(name: string, payload: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}
