import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { RedisTurnQueue } from "../src/server/queue/redis-queue.js";
import type { IncomingTurn } from "../src/server/queue/types.js";
import { ChatwootStandIn } from "../tests/support/chatwoot-stand-in.js";
import { startWorkers, type WorkerProcess } from "../tests/support/worker-processes.js";
import { type Bench, type BenchContext, type BenchOutcome, round, table } from "./lib/report.js";

/** Monday 11 January 2027, 09:00 in Madrid. */
const NOW = "2027-01-11T08:00:00.000Z";
const TEXTS = [
  "¿Cuánto cuesta el botox?",
  "¿Y el ácido hialurónico?",
  "¿Qué horario tienen?",
  "Hola, quería información sobre la limpieza facial",
];
const SIZES = {
  full: { conversations: 120, perConversation: 2, rounds: 2, warmup: 8 },
  quick: { conversations: 20, perConversation: 2, rounds: 1, warmup: 4 },
};
const SPEEDUP_GOAL = 1.6;
const CONCURRENCY = 8;

let nextMessage = 1;

interface Measured {
  messages: number;
  seconds: number;
  perSec: number;
  /** CPU the worker processes used per message answered. */
  workerCpuMsPerMessage: number;
}
const PG_ROOT = "postgres://postgres@127.0.0.1:5432/test";
type Checkpoints = "postgres" | "sqlite";

async function pgQuery(sql: string): Promise<void> {
  const client = new pg.Client(PG_ROOT);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (0 where there is none). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function uptime(): string {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return "uptime unavailable";
  }
}

/** One measured batch: `workers` processes answer every message of `conversations` conversations. */
async function batch(
  ctx: BenchContext,
  chatwoot: ChatwootStandIn,
  baseUrl: string,
  workers: number,
  sizes: { conversations: number; perConversation: number; warmup: number },
  round: number,
  checkpoints: Checkpoints,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "bench-turns-"));
  const companyId = `bench-${workers}w-${round}-${process.pid}`;
  const prefix = `bench-turns-${workers}w-${round}-${process.pid}`;
  const env = {
    DATA_DIR: dir,
    COMPANY_ID: companyId,
    REDIS_URL: ctx.redisUrl,
    CHATWOOT_BASE_URL: baseUrl,
    CHATWOOT_API_TOKEN: chatwoot.apiToken,
    CHATWOOT_ACCOUNT_ID: "1",
    LOG_LEVEL: "silent",
  };
  const database = checkpoints === "postgres" ? `bench_turns_${workers}w_${round}_${process.pid}` : null;
  if (database) {
    await pgQuery(`CREATE DATABASE ${database}`);
    Object.assign(env, { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}` });
  }
  const producer = new RedisTurnQueue({ redisUrl: ctx.redisUrl, prefix });
  let procs: WorkerProcess[] = [];
  try {
    procs = await startWorkers(workers, { env, prefix, now: NOW, concurrency: CONCURRENCY });
    const answered = () => procs.reduce((n, p) => n + p.turns.filter((t) => t.outcome !== "retry").length, 0);
    const conversationBase = 10_000 * (round + 1) + workers * 1000_000;
    const turns = (count: number, first: number): IncomingTurn[] => {
      const out: IncomingTurn[] = [];
      for (let c = 0; c < count; c++) {
        const conversationId = conversationBase + first + c;
        chatwoot.addConversation({ id: conversationId });
        for (let k = 0; k < sizes.perConversation; k++) {
          const messageId = nextMessage++;
          out.push({
            companyId,
            accountId: 1,
            conversationId,
            messageId,
            deliveryId: null,
            userId: `3460${String(conversationId).padStart(8, "0")}`,
            senderName: "Cliente",
            text: TEXTS[(c + k) % TEXTS.length] as string,
            attachments: [],
            receivedAt: Date.now(),
          });
        }
      }
      return out;
    };
    const waitAnswered = async (n: number) => {
      const deadline = Date.now() + 300_000;
      while (answered() < n) {
        if (Date.now() > deadline) throw new Error(`only ${answered()} of ${n} messages answered in 300 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // Warm-up: every process loads its graph, knowledge base and connections before the clock runs.
    const warm = turns(sizes.warmup * workers, 0);
    for (const t of warm) await producer.enqueue(t);
    await waitAnswered(warm.length);
    const measured = turns(sizes.conversations, sizes.warmup * workers);
    const already = answered();
    const cpu0 = procs.reduce((a, p) => a + cpuSeconds(p.pid), 0);
    const t0 = performance.now();
    await Promise.all(measured.map((t) => producer.enqueue(t)));
    await waitAnswered(already + measured.length);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = procs.reduce((a, p) => a + cpuSeconds(p.pid), 0) - cpu0;
    const notReplied = procs
      .flatMap((p) => p.turns)
      .filter((t) => t.outcome !== "replied" && t.outcome !== "retry");
    if (notReplied.length > 0) {
      throw new Error(
        `${notReplied.length} messages were not answered by the agents (${notReplied[0]?.outcome})`,
      );
    }
    return {
      messages: measured.length,
      seconds,
      perSec: measured.length / seconds,
      workerCpuMsPerMessage: (cpu * 1000) / measured.length,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await producer.close();
    rmSync(dir, { recursive: true, force: true });
    if (database) await pgQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? SIZES.quick : SIZES.full;
  const checkpoints: Checkpoints = process.env.BENCH_CHECKPOINTS === "postgres" ? "postgres" : "sqlite";
  ctx.print(`  checkpoints: ${checkpoints} (BENCH_CHECKPOINTS=postgres uses 127.0.0.1:5432)`);
  const chatwoot = new ChatwootStandIn();
  const baseUrl = await chatwoot.start();
  const loadBefore = uptime();
  ctx.print(`  load before: ${loadBefore}`);
  try {
    const results: Record<"1" | "2", Measured[]> = {
      1: [],
      2: [],
    };
    for (let r = 0; r < sizes.rounds; r++) {
      const order = r % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const);
      for (const workers of order) {
        const res = await batch(ctx, chatwoot, baseUrl, workers, sizes, r, checkpoints);
        results[workers].push(res);
        ctx.print(
          `  round ${r + 1}/${sizes.rounds}, ${workers} worker(s): ${res.messages} messages in ${round(res.seconds)} s = ${round(res.perSec)}/s, worker CPU ${round(res.workerCpuMsPerMessage)} ms/message`,
        );
      }
    }
    const total = (list: { messages: number; seconds: number }[]) => {
      const messages = list.reduce((a, b) => a + b.messages, 0);
      const seconds = list.reduce((a, b) => a + b.seconds, 0);
      return { messages, seconds, perSec: messages / seconds };
    };
    const one = total(results[1]);
    const two = total(results[2]);
    const speedup = two.perSec / one.perSec;
    const loadAfter = uptime();
    ctx.print(
      table(
        `messages answered end to end (queue -> graph with the offline agents -> Chatwoot stand-in), concurrency ${CONCURRENCY} per process`,
        ["workers", "messages", "seconds", "answered/s"],
        [
          ["1 process", one.messages, round(one.seconds), round(one.perSec)],
          ["2 processes", two.messages, round(two.seconds), round(two.perSec)],
          ["speed-up", "", "", `${round(speedup)}x`],
        ],
      ),
    );
    ctx.print(`  load after: ${loadAfter}`);
    return {
      name: "turns",
      goals: [
        {
          name: "messages answered per second, 2 worker processes vs 1",
          target: `>= ${SPEEDUP_GOAL}x`,
          measured: `${round(speedup)}x`,
          met: speedup >= SPEEDUP_GOAL,
        },
      ],
      data: {
        sizes,
        checkpoints,
        concurrency: CONCURRENCY,
        one,
        two,
        speedup,
        rounds: results,
        loadBefore,
        loadAfter,
      },
      notes: [
        "each batch: fresh tenant, DATA_DIR (SQLite calendar and checkpoints) and queue prefix on the run's private Redis; audit, sagas and send claims on that Redis",
        "timed from the first enqueue of the batch to the last reply posted; a warm-up per batch loads each process first",
        `checkpoints in ${checkpoints === "sqlite" ? "one SQLite file both processes write (DATA_DIR/checkpoints.db)" : "a Postgres database of its own per batch"}; set BENCH_CHECKPOINTS=postgres for the other`,
        `the machine's other load counts: ${loadAfter}`,
      ],
    };
  } finally {
    await chatwoot.close();
  }
}

export const turnsBench: Bench = {
  name: "turns",
  description: "customer messages answered per second by 1 and by 2 worker processes on the Redis queue",
  run,
};
