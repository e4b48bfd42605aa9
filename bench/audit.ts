import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { AuditManager, RedisAuditStore, SqliteAuditStore } from "../src/audit/index.js";
import { auditedPair, BENCH_SIGNING_KEY, TRIVIAL_SCRIPT } from "./lib/audit-fixtures.js";
import { runQueryLatency } from "./lib/audit-query.js";
import { callsDelta, commandCalls, countSentCommands, median, runConcurrent } from "./lib/measure.js";
import { type Bench, type BenchContext, type BenchOutcome, type Goal, round, table } from "./lib/report.js";

interface Sizes {
  pairs: Record<1 | 64, number>;
  rounds: number;
  countPairs: number;
}

const FULL: Sizes = { pairs: { 1: 1500, 64: 8000 }, rounds: 3, countPairs: 1000 };
const QUICK: Sizes = { pairs: { 1: 200, 64: 1000 }, rounds: 1, countPairs: 200 };

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  await redis.ping();
  return redis;
}

/** Audited pairs against two trivial EVALSHA per pair, interleaved in rounds so both see the same load. */
async function throughput(ctx: BenchContext, sizes: Sizes) {
  const redis = await connect(ctx.redisUrl);
  const manager = new AuditManager({
    companyId: "bench-tput",
    store: new RedisAuditStore({ redis, prefix: "bench" }),
    signingKey: BENCH_SIGNING_KEY,
  });
  const sha = (await redis.script("LOAD", TRIVIAL_SCRIPT)) as string;
  const baseline = async (i: number) => {
    const key = `bench:{baseline}:h:${i % 1024}`;
    await redis.evalsha(sha, 1, key, "status", "pending");
    await redis.evalsha(sha, 1, key, "status", "success");
  };
  const dir = mkdtempSync(join(tmpdir(), "agent-ledger-bench-sqlite-"));
  const sqliteStore = new SqliteAuditStore({ path: join(dir, "audit.db") });
  const sqlite = new AuditManager({
    companyId: "bench-tput",
    store: sqliteStore,
    signingKey: BENCH_SIGNING_KEY,
  });

  const samples = {
    audited: { 1: [] as number[], 64: [] as number[] },
    baseline: { 1: [] as number[], 64: [] as number[] },
  };
  const sqliteSamples: number[] = [];
  // Warm-up: JIT, script cache, connection buffers.
  await runConcurrent(1000, 16, (i) => auditedPair(manager, i));
  await runConcurrent(1000, 16, baseline);
  await runConcurrent(100, 1, (i) => auditedPair(sqlite, i));
  for (let round = 0; round < sizes.rounds; round++) {
    for (const c of [1, 64] as const) {
      const order = round % 2 === 0 ? (["baseline", "audited"] as const) : (["audited", "baseline"] as const);
      for (const variant of order) {
        const op = variant === "audited" ? (i: number) => auditedPair(manager, i) : baseline;
        samples[variant][c].push((await runConcurrent(sizes.pairs[c], c, op)).perSec);
      }
    }
    sqliteSamples.push((await runConcurrent(sizes.pairs[1], 1, (i) => auditedPair(sqlite, i))).perSec);
    ctx.print(`  throughput round ${round + 1}/${sizes.rounds} done`);
  }
  await manager.close();
  await sqlite.close();
  await sqliteStore.close();
  rmSync(dir, { recursive: true, force: true });
  redis.disconnect();

  const rows = ([1, 64] as const).map((c) => {
    const audited = median(samples.audited[c]);
    const base = median(samples.baseline[c]);
    return {
      store: "redis",
      concurrency: c,
      pairs: sizes.pairs[c],
      audited,
      baseline: base,
      ratio: audited / base,
    };
  });
  const sqliteRate = median(sqliteSamples);
  return {
    rows,
    sqlite: { store: "sqlite", concurrency: 1, pairs: sizes.pairs[1], audited: sqliteRate },
    samples,
  };
}

/** Round trips per transition, counted by the server (INFO commandstats) and by the client. */
async function roundTrips(ctx: BenchContext, pairs: number) {
  const admin = await connect(ctx.redisUrl);
  const redis = await connect(ctx.redisUrl);
  // No seal timer here: a seal is a separate, amortised write (at most one per second).
  const manager = new AuditManager({
    companyId: "bench-rtt",
    store: new RedisAuditStore({ redis, prefix: "bench" }),
    signingKey: BENCH_SIGNING_KEY,
    sealIntervalMs: 0,
  });
  await auditedPair(manager, 0); // loads the scripts (EVALSHA, then EVAL on NOSCRIPT) before counting
  const sent = countSentCommands(redis);
  const before = await commandCalls(admin);
  await runConcurrent(pairs, 64, (i) => auditedPair(manager, i));
  const after = await commandCalls(admin);
  const transitions = pairs * 2;
  const evalsha = callsDelta(before, after, "evalsha");
  const evalCalls = callsDelta(before, after, "eval");
  const clientCommands = sent.read();
  admin.disconnect();
  redis.disconnect();
  return {
    transitions,
    evalsha,
    eval: evalCalls,
    serverPerTransition: (evalsha + evalCalls) / transitions,
    clientCommands,
    clientPerTransition: clientCommands / transitions,
  };
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? QUICK : FULL;
  ctx.print("audited-write throughput (logAction + markSuccess pairs)");
  const tp = await throughput(ctx, sizes);
  const us = (perSec: number) => round(1e6 / perSec);
  ctx.print(
    table(
      "Audited-write throughput (median of rounds; baseline = 2 bare EVALSHA of a one-HSET script per pair)",
      ["store", "conc", "pairs", "audited pairs/s", "baseline pairs/s", "ratio", "us/pair audited"],
      [
        ...tp.rows.map((r) => [
          r.store,
          r.concurrency,
          r.pairs,
          round(r.audited, 4),
          round(r.baseline, 4),
          round(r.ratio),
          us(r.audited),
        ]),
        [tp.sqlite.store, 1, tp.sqlite.pairs, round(tp.sqlite.audited, 4), "-", "-", us(tp.sqlite.audited)],
      ],
    ),
  );
  const rt = await roundTrips(ctx, sizes.countPairs);
  ctx.print(
    table(
      "Round trips per transition (concurrency 64)",
      [
        "transitions",
        "EVALSHA delta",
        "EVAL delta",
        "server per transition",
        "client commands",
        "client per transition",
      ],
      [
        [
          rt.transitions,
          rt.evalsha,
          rt.eval,
          round(rt.serverPerTransition),
          rt.clientCommands,
          round(rt.clientPerTransition),
        ],
      ],
    ),
  );
  const q = await runQueryLatency(ctx);
  const c64 = tp.rows.find((r) => r.concurrency === 64);
  const goals: Goal[] = [
    {
      name: "audited/baseline throughput at concurrency 64",
      target: ">= 0.5",
      measured: round(c64?.ratio ?? 0).toString(),
      met: (c64?.ratio ?? 0) >= 0.5,
    },
    {
      name: "round trips per transition",
      target: "exactly 1",
      measured: `${round(rt.serverPerTransition)} (server), ${round(rt.clientPerTransition)} (client)`,
      met: rt.serverPerTransition === 1 && rt.clientPerTransition === 1,
    },
    ...q.goals,
  ];
  return {
    name: "audit",
    goals,
    notes: q.notes,
    data: { sizes, throughput: tp, roundTrips: rt, queryLatency: q.data },
  };
}

export const auditBench: Bench = {
  name: "audit",
  description: "audit trail: write throughput, round trips per transition, query latency at 10k and 1M",
  run,
};
