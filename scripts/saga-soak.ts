/**
 * Saga crash soak: worker processes run booking sagas (calendar -> confirmation email -> ticket,
 * through the ToolExecutor against local stand-ins) and are SIGKILLed at seeded random points, many
 * times over; then everything is recovered and checked: no calendar event without a completed saga,
 * no audit entry left pending, no email sent twice, every saga completed or compensated.
 *
 *   npx tsx scripts/saga-soak.ts --kills 1000 [--seed 7] [--concurrency 16] [--check-every 100]
 *   [--redis redis://127.0.0.1:6380]   (default: a private redis-server on a free port)
 *
 * Exits 1 when any check fails (each failure is printed), 0 otherwise.
 */
import { parseArgs } from "node:util";
import { startRedisServer } from "../tests/support/redis-server.js";
import { CrashWorld } from "../tests/support/saga-crash-world.js";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "1000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    concurrency: { type: "string", default: "16" },
    "check-every": { type: "string", default: "100" },
    redis: { type: "string" },
  },
});
const int = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected a whole number of at least ${min} (got "${v}")`);
    process.exit(2);
  }
  return n;
};
const kills = int("kills", values.kills, 1);
const seed = int("seed", values.seed, 0);
const concurrency = int("concurrency", values.concurrency, 1);
const checkEvery = int("check-every", values["check-every"], 1);

async function main(): Promise<number> {
  const redis = values.redis ? { url: values.redis, stop: async () => {} } : await startRedisServer();
  const world = new CrashWorld({ redisUrl: redis.url, seed, concurrency, email: true });
  const started = Date.now();
  let failed = false;
  console.log(`saga soak: ${kills} kills, seed ${seed}, ${concurrency} sagas per worker`);
  try {
    await world.start();
    for (let done = 0; done < kills; ) {
      const batch = Math.min(checkEvery, kills - done);
      await world.run(batch);
      done += batch;
      await world.recover();
      const problems = await world.violations();
      const s = world.stats;
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        `${secs}s  kills ${s.kills}  interrupted ${s.interrupted}  sagas ${s.sagas}: completed ${s.completed}, compensated ${s.compensated}, never started ${s.neverStarted}  problems ${problems.length}`,
      );
      if (problems.length > 0) {
        for (const p of problems) console.log(`  - ${p}`);
        failed = true;
        break;
      }
    }
    console.log(`rollback reasons: ${JSON.stringify(world.stats.rollbackReasons)}`);
    console.log(failed ? `FAILED (seed ${seed})` : `OK: every check held after ${world.stats.kills} kills`);
  } finally {
    await world.close();
    await redis.stop();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
