import { performance } from "node:perf_hooks";
import { startRedisServer } from "../tests/support/redis-server.js";
import { auditBench } from "./audit.js";
import { executorBench } from "./executor.js";
import { graphBench } from "./graph.js";
import { type Bench, formatGoals, formatMachine, machineInfo, writeResult } from "./lib/report.js";
import { sagaBench } from "./saga.js";
import { turnsBench } from "./turns.js";
import { verifyBench } from "./verify.js";
import { webhookBench } from "./webhook.js";

/**
 * Runs the benchmarks: `npm run bench [-- --quick] [-- --only audit,executor,graph,saga,turns,verify,webhook]`.
 * Each prints its tables and goals and writes bench/results/<name>.json. Nothing here asserts a
 * time: the figures are compared with baselines measured in the same run.
 */
const BENCHES: Bench[] = [
  auditBench,
  executorBench,
  graphBench,
  sagaBench,
  turnsBench,
  verifyBench,
  webhookBench,
];

function parseArgs(argv: string[]): { quick: boolean; only: string[] | null } {
  let quick = false;
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--only" || arg?.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value)
        throw new Error(
          "--only: expected a benchmark name (audit, executor, graph, saga, turns, verify, webhook)",
        );
      only = value.split(",").map((s) => s.trim());
    } else if (arg === "--help" || arg === "-h") {
      console.log(`usage: npm run bench -- [--quick] [--only ${BENCHES.map((b) => b.name).join(",")}]`);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"; expected --quick or --only <name>`);
  }
  const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `--only: unknown benchmark ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`,
    );
  return { quick, only };
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const selected = BENCHES.filter((b) => !only || only.includes(b.name));
  const redis = await startRedisServer();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void redis.stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  let failures = 0;
  try {
    const machine = machineInfo(redis.version);
    console.log(`agent-ledger benchmarks${quick ? " (--quick: small sizes, smoke run only)" : ""}`);
    console.log(formatMachine(machine));
    for (const bench of selected) {
      console.log(`\n=== ${bench.name}: ${bench.description} ===`);
      const started = performance.now();
      try {
        const outcome = await bench.run({ redisUrl: redis.url, quick, print: (s) => console.log(s) });
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        console.log(formatGoals(outcome.goals));
        for (const note of outcome.notes) console.log(`note: ${note}`);
        const file = writeResult(outcome.name, {
          name: outcome.name,
          quick,
          machine,
          loadAverageAtEnd: machineInfo(redis.version).loadAverage,
          seconds,
          goals: outcome.goals,
          notes: outcome.notes,
          ...outcome.data,
        });
        console.log(`(${seconds} s; written to ${file})`);
      } catch (err) {
        failures++;
        console.error(
          `benchmark ${bench.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      }
    }
  } finally {
    await redis.stop();
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
