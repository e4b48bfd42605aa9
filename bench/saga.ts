import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { AuditManager, RedisAuditStore } from "../src/audit/index.js";
import { CompensationOrchestrator, RedisSagaStore, type SagaStatus } from "../src/saga/index.js";
import { BENCH_SIGNING_KEY } from "./lib/audit-fixtures.js";
import { median, runConcurrent } from "./lib/measure.js";
import { type Bench, type BenchContext, type BenchOutcome, type Goal, round, table } from "./lib/report.js";
import { addNoopSteps, threeAuditedSteps, UNDO } from "./lib/saga-fixtures.js";

const PREFIX = "bench";
interface Sizes {
  sagas: Record<1 | 64, number>;
  rounds: number;
  abandoned: number;
}
const FULL: Sizes = { sagas: { 1: 300, 64: 2000 }, rounds: 3, abandoned: 1000 };
const QUICK: Sizes = { sagas: { 1: 50, 64: 200 }, rounds: 1, abandoned: 100 };
/** Lease of the process that is killed: short, so recovery can start soon after the kill. */
const CHILD_LEASE_MS = 1000;

function setup(url: string, companyId: string) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const audit = new AuditManager({
    companyId,
    store: new RedisAuditStore({ redis, prefix: PREFIX }),
    signingKey: BENCH_SIGNING_KEY,
  });
  const store = new RedisSagaStore({ redis, prefix: PREFIX });
  const sagas = new CompensationOrchestrator({
    companyId,
    auditManager: audit,
    store,
    retry: { maxRetries: 0 },
  });
  let undone = 0;
  sagas.registerCompensation(UNDO, () => {
    undone++;
    return { undone: true };
  });
  return { redis, audit, store, sagas, undone: () => undone };
}

/** Sagas of three no-op audited steps against the same three audited steps without a saga. */
async function throughput(ctx: BenchContext, sizes: Sizes) {
  const h = setup(ctx.redisUrl, "bench-saga");
  const variants = {
    saga: async (i: number) => {
      const { sagaId } = await h.sagas.createSaga({
        userId: `u${i % 1000}`,
        sagaName: "bench_noop",
        conversationId: `c${i % 100}`,
      });
      addNoopSteps(h.sagas, sagaId);
      const res = await h.sagas.executeSaga(sagaId);
      if (!res.success) throw new Error(`saga ${sagaId} did not complete: ${res.status} ${res.error ?? ""}`);
    },
    plain: (i: number) => threeAuditedSteps(h.audit, i),
  };
  await runConcurrent(300, 16, variants.saga); // warm-up
  await runConcurrent(300, 16, variants.plain);
  const samples = {
    saga: { 1: [] as number[], 64: [] as number[] },
    plain: { 1: [] as number[], 64: [] as number[] },
  };
  for (let r = 0; r < sizes.rounds; r++) {
    const order = r % 2 === 0 ? (["plain", "saga"] as const) : (["saga", "plain"] as const);
    for (const c of [1, 64] as const)
      for (const v of order) samples[v][c].push((await runConcurrent(sizes.sagas[c], c, variants[v])).perSec);
    ctx.print(`  throughput round ${r + 1}/${sizes.rounds} done`);
  }
  await h.audit.close();
  h.redis.disconnect();
  return {
    rows: ([1, 64] as const).map((c) => {
      const saga = median(samples.saga[c]);
      const plain = median(samples.plain[c]);
      return {
        concurrency: c,
        sagas: sizes.sagas[c],
        sagaPerSec: saga,
        plainPerSec: plain,
        ratio: saga / plain,
        overheadMs: 1000 / saga - 1000 / plain,
      };
    }),
    samples,
  };
}

/** Kills a process holding `count` sagas mid-flight, then times recoverSagas() in this one. */
async function recovery(ctx: BenchContext, count: number) {
  const companyId = "bench-recover";
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(dirname(fileURLToPath(import.meta.url)), "lib", "saga-abandon.ts"),
      ctx.redisUrl,
      companyId,
      PREFIX,
      String(count),
      String(CHILD_LEASE_MS),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(child, "exit");
  const started = performance.now();
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (line.startsWith("ready")) break;
  const abandonSeconds = (performance.now() - started) / 1000;
  child.kill("SIGKILL");
  await exited;
  const h = setup(ctx.redisUrl, companyId);
  const deadline = Date.now() + CHILD_LEASE_MS + 10_000;
  while ((await h.store.expired(companyId, count + 1)).length < count) {
    if (Date.now() > deadline) throw new Error(`the ${count} abandoned sagas' leases did not expire`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const t0 = performance.now();
  let examined = 0;
  let recovered = 0;
  let skipped = 0;
  let calls = 0;
  for (;;) {
    const report = await h.sagas.recoverSagas({ limit: 1000 });
    calls++;
    if (report.examined === 0) break;
    examined += report.examined;
    recovered += report.recovered.length;
    skipped += report.skipped.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const byStatus: Partial<Record<SagaStatus, number>> = {};
  for (const status of [
    "running",
    "compensating",
    "compensated",
    "compensation_failed",
    "completed",
  ] as const) {
    let n = 0;
    let before: string | undefined;
    for (;;) {
      const page = await h.sagas.listSagas({ status, limit: 1000, ...(before && { before }) });
      n += page.length;
      if (page.length < 1000) break;
      before = page.at(-1)?.sagaId;
    }
    if (n > 0) byStatus[status] = n;
  }
  const pendingAudit = (await h.audit.query({ status: "pending", limit: 1000 })).entries.length;
  const undone = h.undone();
  await h.audit.close();
  h.redis.disconnect();
  return {
    count,
    abandonSeconds,
    examined,
    recovered,
    skipped,
    recoverCalls: calls,
    seconds,
    perSec: examined / seconds,
    byStatus,
    pendingAudit,
    undone,
  };
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? QUICK : FULL;
  ctx.print("3-step sagas of no-op audited steps vs the same steps without a saga");
  const tp = await throughput(ctx, sizes);
  ctx.print(
    table(
      "Saga throughput (median of rounds; plain = the same 3 audited steps, no saga)",
      ["conc", "sagas", "sagas/s", "plain 3-step/s", "saga/plain", "overhead ms/saga"],
      tp.rows.map((r) => [
        r.concurrency,
        r.sagas,
        round(r.sagaPerSec, 4),
        round(r.plainPerSec, 4),
        round(r.ratio),
        round(r.overheadMs),
      ]),
    ),
  );
  ctx.print(
    `recovery: abandoning ${sizes.abandoned} sagas mid-flight in a child process killed with SIGKILL`,
  );
  const rec = await recovery(ctx, sizes.abandoned);
  ctx.print(
    table(
      "Recovery of sagas abandoned mid-flight (step 1 done, step 2 pending; one recovering process)",
      [
        "abandoned",
        "examined",
        "recovered",
        "skipped",
        "recover s",
        "sagas/s",
        "final status",
        "undo calls",
        "pending audit left",
      ],
      [
        [
          rec.count,
          rec.examined,
          rec.recovered,
          rec.skipped,
          round(rec.seconds),
          round(rec.perSec, 4),
          Object.entries(rec.byStatus)
            .map(([k, v]) => `${k}:${v}`)
            .join(" "),
          rec.undone,
          rec.pendingAudit,
        ],
      ],
    ),
  );
  const goals: Goal[] = [
    {
      name: `every abandoned saga recovered (${rec.count})`,
      target: `${rec.count} compensated, no audit entry left pending`,
      measured: `${rec.byStatus.compensated ?? 0} compensated, ${rec.pendingAudit} pending`,
      met: rec.byStatus.compensated === rec.count && rec.pendingAudit === 0,
    },
  ];
  return {
    name: "saga",
    goals,
    notes: [
      "issue 4 states no numeric target for saga throughput or recovery time: figures are reported, not judged",
      `abandoned sagas were created by a child process (lease ${CHILD_LEASE_MS} ms) in ${round(rec.abandonSeconds)} s, then killed`,
    ],
    data: { sizes, throughput: tp, recovery: rec },
  };
}

export const sagaBench: Bench = {
  name: "saga",
  description: "CompensationOrchestrator: saga overhead and crash recovery",
  run,
};
