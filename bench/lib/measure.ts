import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";

export interface Throughput {
  ops: number;
  seconds: number;
  perSec: number;
}

/**
 * Runs `op` `total` times with `concurrency` calls in flight (each worker awaits its call before
 * taking the next index) and reports operations per second.
 */
export async function runConcurrent(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Throughput> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) await op(i);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { ops: total, seconds, perSec: total / seconds };
}

/** Runs `op` for every index with at most `inFlight` calls pending (a fill, not a measurement). */
export async function fill(
  total: number,
  inFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  await runConcurrent(total, inFlight, op);
}

/** Latencies in ms of `count` sequential calls. */
export async function sampleLatency(count: number, op: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op();
    out.push(performance.now() - t);
  }
  return out;
}

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `calls` of every command in `INFO commandstats` (commands run inside Lua scripts count too). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1] as string, Number(m[2]));
  return calls;
}

export function callsDelta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

/**
 * Counts the commands an ioredis connection writes (each one is a round trip). Returns a reader of
 * the count; the connection keeps working as before.
 */
export function countSentCommands(redis: Redis): { read(): number; reset(): void } {
  let count = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    count++;
    return send(...args);
  }) as Redis["sendCommand"];
  return {
    read: () => count,
    reset: () => {
      count = 0;
    },
  };
}
