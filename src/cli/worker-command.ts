import type { Command } from "commander";
import type { AppConfig } from "../config/index.js";
import { openWorker, untilSignal } from "../server/worker/worker-process.js";
import { CliError } from "./format.js";

interface WorkerDeps {
  config(): AppConfig;
  out(text: string): void;
}

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new CliError(`${name}: expected a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

/**
 * `worker`: consumes the turn queue on Redis until SIGTERM or SIGINT, then stops taking turns and
 * lets the ones in flight finish (those that do not within the grace period go back to the queue).
 */
export function registerWorkerCommand(program: Command, deps: WorkerDeps): void {
  program
    .command("worker")
    .description(
      "process customer messages from the turn queue on Redis (REDIS_URL): each message through the agents, the reply posted to Chatwoot; run as many as you like",
    )
    .option("--concurrency <n>", "conversations this process works on at a time (1-256)", "8")
    .option("--attempts <n>", "attempts per message before the conversation goes to a person (1-20)", "4")
    .option("--grace <seconds>", "on SIGTERM, how long turns in flight may take to finish (1-600)", "30")
    .action(async (o: { concurrency: string; attempts: string; grace: string }) => {
      const concurrency = positiveInt("--concurrency", o.concurrency, 256);
      const maxAttempts = positiveInt("--attempts", o.attempts, 20);
      const grace = positiveInt("--grace", o.grace, 600);
      const running = await openWorker({ config: deps.config(), queue: { concurrency, maxAttempts } });
      deps.out(`worker: consuming turns (concurrency ${concurrency}); SIGTERM or Ctrl-C stops it`);
      const signal = await untilSignal();
      deps.out(`worker: ${signal}, finishing the turns in flight`);
      await running.close({ timeoutMs: grace * 1000 });
    });
}
