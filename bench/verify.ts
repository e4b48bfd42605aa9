import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Redis } from "ioredis";
import { AuditManager, RedisAuditStore } from "../src/audit/index.js";
import { BENCH_SIGNING_KEY } from "./lib/audit-fixtures.js";
import { type FillReport, fillTenant } from "./lib/audit-query.js";
import { type Bench, type BenchContext, type BenchOutcome, type Goal, round, table } from "./lib/report.js";

interface VerifySizes {
  small: number;
  large: number;
  hotEntries: number;
  maxFillSeconds: number;
}

const FULL: VerifySizes = { small: 10_000, large: 1_000_000, hotEntries: 1000, maxFillSeconds: 900 };
const QUICK: VerifySizes = { small: 2_000, large: 20_000, hotEntries: 200, maxFillSeconds: 60 };
const MB = 1024 * 1024;
/** Peak heap growth allowed while verifying the large trail (it holds a page, not the trail). */
const HEAP_GROWTH_GOAL_MB = 64;

/** A full collection before a baseline, so the baseline is the live heap, not leftover garbage. */
function collect(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

interface VerifyRun {
  entries: number;
  records: number;
  seals: number;
  ok: boolean;
  findings: number;
  seconds: number;
  recordsPerSec: number;
  usPerRecord: number;
  baselineHeapMB: number;
  peakHeapMB: number;
  heapGrowthMB: number;
  baselineRssMB: number;
  peakRssMB: number;
  rssGrowthMB: number;
}

/** Runs `verify()` on one tenant, sampling rss and heapUsed every 10 ms while it runs. */
export async function measureVerify(url: string, companyId: string): Promise<VerifyRun> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const manager = new AuditManager({
    companyId,
    store: new RedisAuditStore({ redis, prefix: "bench" }),
    signingKey: BENCH_SIGNING_KEY,
    sealIntervalMs: 0,
  });
  collect();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const timer = setInterval(sample, 10);
  const started = performance.now();
  const report = await manager.verify();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  redis.disconnect();
  return {
    entries: report.entriesChecked,
    records: report.recordsChecked,
    seals: report.sealsChecked,
    ok: report.ok,
    findings: report.findings.length,
    seconds,
    recordsPerSec: report.recordsChecked / seconds,
    usPerRecord: (seconds * 1e6) / report.recordsChecked,
    baselineHeapMB: base.heapUsed / MB,
    peakHeapMB: peakHeap / MB,
    heapGrowthMB: (peakHeap - base.heapUsed) / MB,
    baselineRssMB: base.rss / MB,
    peakRssMB: peakRss / MB,
    rssGrowthMB: (peakRss - base.rss) / MB,
  };
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? QUICK : FULL;
  // The small trail is verified before the large one exists: on Redis the entry walk is a SCAN of
  // the whole keyspace, so other tenants' keys cost time too (measured apart in the last row).
  ctx.print(`verify: filling a tenant of ${sizes.small} actions`);
  const smallFill = await fillTenant(ctx.redisUrl, "bench-vsmall", sizes, sizes.small, ctx.print);
  await measureVerify(ctx.redisUrl, "bench-vsmall"); // warm-up: JIT, script cache
  const small = await measureVerify(ctx.redisUrl, "bench-vsmall");
  ctx.print(`  ${small.records} records verified in ${round(small.seconds)} s`);
  ctx.print(`verify: filling a tenant of ${sizes.large} actions`);
  const largeFill = await fillTenant(ctx.redisUrl, "bench-vlarge", sizes, sizes.large, ctx.print);
  const fills: FillReport[] = [smallFill, largeFill];
  const large = await measureVerify(ctx.redisUrl, "bench-vlarge");
  ctx.print(`  ${large.records} records verified in ${round(large.seconds)} s`);
  const beside = await measureVerify(ctx.redisUrl, "bench-vsmall");
  ctx.print(`  ${beside.records} records verified in ${round(beside.seconds)} s beside the large tenant`);
  const runs = [
    { label: "alone", ...small },
    { label: "alone", ...large },
    { label: `beside ${large.entries}`, ...beside },
  ];
  ctx.print(
    table(
      "verify() on Redis (signed trail; memory sampled every 10 ms, baseline after a full GC)",
      [
        "tenant",
        "entries",
        "records",
        "seals",
        "ok",
        "seconds",
        "records/s",
        "us/record",
        "heap base MB",
        "heap peak MB",
        "heap growth MB",
        "rss base MB",
        "rss peak MB",
      ],
      runs.map((r) => [
        r.label,
        r.entries,
        r.records,
        r.seals,
        String(r.ok),
        round(r.seconds),
        round(r.recordsPerSec, 4),
        round(r.usPerRecord),
        round(r.baselineHeapMB),
        round(r.peakHeapMB),
        round(r.heapGrowthMB),
        round(r.baselineRssMB),
        round(r.peakRssMB),
      ]),
    ),
  );
  const ratio = large.usPerRecord / small.usPerRecord;
  const notes: string[] = [];
  if (largeFill.reduced) {
    const note = `LARGE TRAIL REDUCED: ${largeFill.entries} entries instead of ${largeFill.requested} (the fill would not finish within ${sizes.maxFillSeconds} s)`;
    notes.push(note);
    ctx.print(`!!! ${note}`);
  }
  const goals: Goal[] = [
    {
      name: `verify of ${large.records} records is ok`,
      target: "ok, no findings",
      measured: `${large.ok ? "ok" : "not ok"}, ${large.findings} findings`,
      met: large.ok && small.ok,
    },
    {
      name: `per-record time at ${large.records} vs ${small.records} records`,
      target: "<= 1.5x",
      measured: `${round(ratio)}x (${round(large.usPerRecord)} / ${round(small.usPerRecord)} us)`,
      met: ratio <= 1.5,
    },
    {
      name: `peak heap growth while verifying ${large.records} records`,
      target: `<= ${HEAP_GROWTH_GOAL_MB} MB`,
      measured: `${round(large.heapGrowthMB)} MB (${round(small.heapGrowthMB)} MB at ${small.records})`,
      met: large.heapGrowthMB <= HEAP_GROWTH_GOAL_MB,
    },
  ];
  // This server is private to the run.
  const admin = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
  await admin.flushall();
  admin.disconnect();
  return {
    name: "verify",
    goals,
    notes,
    data: { sizes, fills, small, large, smallBesideLarge: beside, perRecordRatio: ratio },
  };
}

export const verifyBench: Bench = {
  name: "verify",
  description: "audit verify: time, records/s and peak memory on a 1M-action Redis trail vs 10k",
  run,
};
