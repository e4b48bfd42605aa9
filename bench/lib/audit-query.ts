import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { AuditKeys, AuditManager, RedisAuditStore } from "../../src/audit/index.js";
import { BENCH_SIGNING_KEY } from "./audit-fixtures.js";
import { percentile, runConcurrent, sampleLatency } from "./measure.js";
import { type BenchContext, type Goal, round, table } from "./report.js";

const PREFIX = "bench";
const HOT_USER = "u0000";
const OTHER_USERS = 999;
const CHUNK = 50_000;
const IN_FLIGHT = 512;
const TYPES = ["booking", "notification", "ticket", "rag_search"] as const;

interface QuerySizes {
  small: number;
  large: number;
  hotEntries: number;
  /** Give up on the full large size when the fill is projected to take longer than this. */
  maxFillSeconds: number;
  rounds: number;
  perRound: number;
}

const FULL: QuerySizes = {
  small: 10_000,
  large: 1_000_000,
  hotEntries: 1000,
  maxFillSeconds: 240,
  rounds: 4,
  perRound: 500,
};
const QUICK: QuerySizes = {
  small: 2_000,
  large: 20_000,
  hotEntries: 500,
  maxFillSeconds: 60,
  rounds: 2,
  perRound: 200,
};

export interface FillReport {
  companyId: string;
  requested: number;
  entries: number;
  hotUserEntries: number;
  seconds: number;
  perSec: number;
  reduced: boolean;
}

/**
 * Writes `requested` entries through the audit manager (`logAction`: the store's create script), many
 * in flight on one connection. Entries go to ~1000 users; the measured user gets every
 * `requested / hotEntries`-th entry, topped up at the end if the fill was cut short.
 */
export async function fillTenant(
  url: string,
  companyId: string,
  sizes: Pick<QuerySizes, "hotEntries" | "maxFillSeconds">,
  requested: number,
  print: (s: string) => void,
): Promise<FillReport> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const manager = new AuditManager({
    companyId,
    store: new RedisAuditStore({ redis, prefix: PREFIX }),
    signingKey: BENCH_SIGNING_KEY,
  });
  const stride = Math.max(1, Math.floor(requested / sizes.hotEntries));
  const write = async (i: number, userId: string) => {
    const entry = await manager.logAction({
      userId,
      actionType: TYPES[i % TYPES.length] as string,
      actionName: "bench.fill",
      inputParams: { n: i, date: "2031-03-04", time: "10:00", note: "entrada de relleno" },
      agentName: "bench",
      conversationId: `c${i % 5000}`,
      tags: ["bench"],
    });
    // Only the measured user's entries are finished: a second script per entry would double the fill.
    if (userId === HOT_USER) await manager.markSuccess(entry.auditId, { ok: true, n: i }, 1);
  };
  const op = (i: number) =>
    write(i, i % stride === 0 ? HOT_USER : `u${String(1 + (i % OTHER_USERS)).padStart(4, "0")}`);
  const started = performance.now();
  let target = requested;
  let done = 0;
  while (done < target) {
    const n = Math.min(CHUNK, target - done);
    const offset = done;
    await runConcurrent(n, IN_FLIGHT, (i) => op(offset + i));
    done += n;
    const elapsed = (performance.now() - started) / 1000;
    if (done === n && target > CHUNK) {
      const projected = (target / done) * elapsed;
      if (projected > sizes.maxFillSeconds) {
        target = Math.max(2 * CHUNK, Math.floor(((done / elapsed) * sizes.maxFillSeconds) / CHUNK) * CHUNK);
        print(
          `  !!! ${companyId}: filling ${requested} entries would take ~${Math.round(projected)} s; using ${target} instead`,
        );
      }
    }
    if (target > CHUNK && (done % (4 * CHUNK) === 0 || done === target))
      print(`  ${companyId}: ${done}/${target} entries in ${round(elapsed)} s`);
  }
  const userKey = new AuditKeys(PREFIX, companyId).user(HOT_USER);
  const have = await redis.zcard(userKey);
  if (have < sizes.hotEntries)
    await runConcurrent(sizes.hotEntries - have, 64, (i) => write(done + i, HOT_USER));
  const seconds = (performance.now() - started) / 1000;
  const entries = done + Math.max(0, sizes.hotEntries - have);
  const hotUserEntries = await redis.zcard(userKey);
  await manager.close();
  redis.disconnect();
  return {
    companyId,
    requested,
    entries,
    hotUserEntries,
    seconds,
    perSec: entries / seconds,
    reduced: target < requested,
  };
}

/** getUserActions(limit 50) latency on a user with many entries, at a small and a large tenant. */
export async function runQueryLatency(
  ctx: BenchContext,
): Promise<{ goals: Goal[]; notes: string[]; data: Record<string, unknown> }> {
  const sizes = ctx.quick ? QUICK : FULL;
  ctx.print(`query latency: filling tenants of ${sizes.small} and ${sizes.large} entries`);
  const small = await fillTenant(ctx.redisUrl, "bench-qsmall", sizes, sizes.small, ctx.print);
  const large = await fillTenant(ctx.redisUrl, "bench-qlarge", sizes, sizes.large, ctx.print);
  const reader = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
  const memory = /used_memory_human:(\S+)/.exec(await reader.info("memory"))?.[1] ?? "?";
  const managers = [small, large].map(
    (f) =>
      new AuditManager({
        companyId: f.companyId,
        store: new RedisAuditStore({ redis: reader, prefix: PREFIX }),
        sealIntervalMs: 0,
      }),
  );
  for (const m of managers) {
    const page = await m.getUserActions(HOT_USER, { limit: 50 });
    if (page.length !== 50)
      throw new Error(`expected a full page of 50 entries for ${m.companyId}, got ${page.length}`);
    await sampleLatency(200, () => m.getUserActions(HOT_USER, { limit: 50 }));
  }
  const samples: number[][] = [[], []];
  for (let r = 0; r < sizes.rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const m = managers[i] as AuditManager;
      samples[i]?.push(
        ...(await sampleLatency(sizes.perRound, () => m.getUserActions(HOT_USER, { limit: 50 }))),
      );
    }
  }
  reader.disconnect();
  const stats = [small, large].map((f, i) => {
    const s = samples[i] ?? [];
    return {
      ...f,
      queries: s.length,
      p50: percentile(s, 50),
      p99: percentile(s, 99),
      max: percentile(s, 100),
    };
  });
  const [a, b] = stats as [(typeof stats)[0], (typeof stats)[0]];
  ctx.print(
    table(
      `Query latency: getUserActions(user, {limit: 50}) on a user with ${sizes.hotEntries}+ entries (redis used_memory ${memory})`,
      [
        "tenant entries",
        "requested",
        "user entries",
        "queries",
        "p50 ms",
        "p99 ms",
        "max ms",
        "fill s",
        "fill entries/s",
      ],
      stats.map((s) => [
        s.entries,
        s.requested,
        s.hotUserEntries,
        s.queries,
        round(s.p50),
        round(s.p99),
        round(s.max),
        round(s.seconds),
        round(s.perSec, 4),
      ]),
    ),
  );
  const notes: string[] = [];
  if (b.reduced) {
    const note = `LARGE TENANT REDUCED: ${b.entries} entries instead of ${b.requested} (the fill would not finish within ${sizes.maxFillSeconds} s on this machine)`;
    notes.push(note);
    ctx.print(`!!! ${note}`);
  }
  const label = `${b.entries} entries`;
  const goals: Goal[] = [
    { name: `query p99 at ${label}`, target: "<= 2 ms", measured: `${round(b.p99)} ms`, met: b.p99 <= 2 },
    {
      name: `query p99 at ${label} vs ${a.entries} entries`,
      target: "<= 1.5x",
      measured: `${round(b.p99 / a.p99)}x (${round(b.p99)} / ${round(a.p99)} ms)`,
      met: b.p99 <= 1.5 * a.p99,
    },
  ];
  // The large tenant is no longer needed; this server is private to the run.
  const admin = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
  await admin.flushall();
  admin.disconnect();
  return { goals, notes, data: { sizes, memory, tenants: stats, largeReduced: b.reduced } };
}
