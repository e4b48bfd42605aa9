import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { HumanMessage } from "@langchain/core/messages";
import { App } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { createCheckpointer } from "../src/graph/checkpointer.js";
import { graphDepsFor } from "../src/graph/converse.js";
import { percentile } from "./lib/measure.js";
import { plainBookingGraph } from "./lib/plain-graph.js";
import { type Bench, type BenchContext, type BenchOutcome, round, table } from "./lib/report.js";
import { bookingSlot } from "./lib/slots.js";

/** Monday 11 January 2027, 09:00 in Madrid; every booking falls on a later weekday. */
const NOW = new Date("2027-01-11T08:00:00Z");
const SIZES = {
  full: { bookings: 150, rounds: 3, warmup: 10 },
  quick: { bookings: 20, rounds: 1, warmup: 3 },
};
const RATIO_GOAL = 1.3;

/** The three turns before the booking: request with a slot, name, email; the agent then asks to confirm. */
function preamble(n: number): string[] {
  return [
    `Quiero agendar una cita para botox ${bookingSlot(n)}`,
    "Me llamo Lucía Pérez",
    `cliente${n}@example.com`,
  ];
}

type Turn = (conversationId: string, userId: string, text: string) => Promise<{ reply: string }>;

/** Prepares `count` conversations to the point where "sí" books; returns the booking turns. */
async function prepare(turn: Turn, first: number, count: number, base: number) {
  const out: (() => Promise<void>)[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const conv = String(base + n);
    const user = `3460${String(base + n).padStart(7, "0")}`;
    let last = "";
    for (const text of preamble(n)) last = (await turn(conv, user, text)).reply;
    if (!last.includes("¿Confirmo la cita"))
      throw new Error(`conversation ${conv}: not asked to confirm: ${last}`);
    out.push(async () => {
      const res = await turn(conv, user, "sí");
      if (!res.reply.includes("Su cita ha sido confirmada"))
        throw new Error(`conversation ${conv}: not booked: ${res.reply}`);
    });
  }
  return out;
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? SIZES.quick : SIZES.full;
  const dir = mkdtempSync(join(tmpdir(), "bench-graph-"));
  const app = await App.create(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }), { clock: () => NOW });
  const plainSaver = await createCheckpointer({ dataDir: join(dir, "plain") });
  try {
    const companyId = app.config.defaultCompanyId;
    const rt = await app.tenant(companyId);
    const deps = await graphDepsFor(app, companyId, undefined, () => NOW);
    const plain = plainBookingGraph(deps, rt, plainSaver.saver);
    const turns = {
      graph: (async (conversationId, userId, text) =>
        app.converse({ companyId, conversationId, userId, text })) as Turn,
      plain: (async (conversationId, userId, text) =>
        plain.invoke(
          { messages: [new HumanMessage(text)], companyId, userId, conversationId },
          { configurable: { thread_id: `${companyId}:${conversationId}` }, durability: "sync" },
        )) as Turn,
    };
    const total = sizes.warmup + sizes.bookings;
    ctx.print(`  preparing ${total} conversations each (3 turns before the booking turn)`);
    const booking = {
      graph: await prepare(turns.graph, 0, total, 100000),
      plain: await prepare(turns.plain, total, total, 200000),
    };
    for (const v of ["graph", "plain"] as const)
      for (const b of booking[v].splice(0, sizes.warmup)) await b();
    const samples = { graph: [] as number[], plain: [] as number[] };
    // Process CPU time (user + system) of each variant's turns: less sensitive to other load than wall time.
    const cpuMs = { graph: 0, plain: 0 };
    const roundMeans: { graph: number; plain: number }[] = [];
    const per = Math.ceil(sizes.bookings / sizes.rounds);
    for (let r = 0; r < sizes.rounds; r++) {
      const order = r % 2 === 0 ? (["plain", "graph"] as const) : (["graph", "plain"] as const);
      const means = { graph: 0, plain: 0 };
      for (const v of order) {
        const batch = booking[v].splice(0, per);
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        for (const b of batch) {
          const t = performance.now();
          await b();
          samples[v].push(performance.now() - t);
        }
        means[v] = round((performance.now() - t0) / batch.length);
        const cpu = process.cpuUsage(c0);
        cpuMs[v] += (cpu.user + cpu.system) / 1000;
      }
      roundMeans.push(means);
      ctx.print(`  round ${r + 1}/${sizes.rounds}: mean ms graph ${means.graph}, plain ${means.plain}`);
    }
    const stats = (s: number[]) => {
      const sum = s.reduce((a, b) => a + b, 0);
      return {
        bookings: s.length,
        turnsPerSec: (s.length * 1000) / sum,
        meanMs: sum / s.length,
        p50Ms: percentile(s, 50),
        p99Ms: percentile(s, 99),
      };
    };
    const g = { ...stats(samples.graph), cpuMs: cpuMs.graph / samples.graph.length };
    const p = { ...stats(samples.plain), cpuMs: cpuMs.plain / samples.plain.length };
    const ratio = g.meanMs / p.meanMs;
    ctx.print(
      table(
        'booking turn ("sí": book + email + WhatsApp), sequential, embedded defaults',
        ["variant", "bookings", "turns/s", "mean ms", "p50 ms", "p99 ms", "cpu ms"],
        [
          [
            "agent graph (audit, saga, checkpoints)",
            g.bookings,
            round(g.turnsPerSec),
            round(g.meanMs),
            round(g.p50Ms),
            round(g.p99Ms),
            round(g.cpuMs),
          ],
          [
            "plain StateGraph (services direct)",
            p.bookings,
            round(p.turnsPerSec),
            round(p.meanMs),
            round(p.p50Ms),
            round(p.p99Ms),
            round(p.cpuMs),
          ],
          [
            "ratio graph/plain",
            "",
            "",
            round(ratio),
            round(g.p50Ms / p.p50Ms),
            round(g.p99Ms / p.p99Ms),
            round(g.cpuMs / p.cpuMs),
          ],
        ],
      ),
    );
    return {
      name: "graph",
      goals: [
        {
          name: "booking turn, agent graph vs plain graph (mean time)",
          target: `<= ${RATIO_GOAL}x`,
          measured: `${round(ratio)}x`,
          met: ratio <= RATIO_GOAL,
        },
      ],
      data: { sizes, graph: g, plain: p, ratio, roundMeans },
      notes: [
        "both graphs checkpoint to SQLite with durability sync; the plain one has no executor, audit or saga",
        "only the final booking turn is timed; the three turns before it are prepared beforehand",
        "cpu ms: CPU time of the process (user + system) per booking turn; the goal is on wall-clock time",
      ],
    };
  } finally {
    await plainSaver.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const graphBench: Bench = {
  name: "graph",
  description: "a booking turn through the agent graph vs a plain LangGraph graph calling the services",
  run,
};
