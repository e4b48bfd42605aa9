import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CrashWorld } from "../support/saga-crash-world.js";

/**
 * Booking sagas (calendar -> confirmation email -> ticket, through the ToolExecutor against the
 * stand-ins) run in worker processes that are SIGKILLed at seeded random points: by a kill switch
 * before or after any durable write or service call, or by this process after a seeded delay. Each
 * new worker recovers what the last one left (as the real worker does at start-up); at the end this
 * process recovers the rest. SAGA_CRASH_SEED reproduces a run.
 */
const SEED = Number(process.env.SAGA_CRASH_SEED ?? 20_260_401);
const ROUNDS = 16;

describe("sagas survive SIGKILL at random points", () => {
  let world: CrashWorld;
  beforeAll(async () => {
    world = new CrashWorld({ redisUrl: inject("redisUrl"), seed: SEED, concurrency: 16, email: true });
    await world.start();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("leaves no orphan: no event without a completed saga, nothing pending, no email twice, every saga finished", async () => {
    await world.run(ROUNDS);
    await world.recover();
    const problems = await world.violations();
    const stats = world.stats;
    console.info(`saga crash test (seed ${SEED}):`, JSON.stringify(stats));
    expect(problems).toEqual([]);
    expect(stats.kills).toBe(ROUNDS);
    expect(stats.interrupted).toBeGreaterThanOrEqual(200);
    expect(stats.completed).toBeGreaterThan(0);
    expect(stats.compensated).toBeGreaterThan(0);
  }, 300_000); // about 25 s on an idle two-core machine; generous for a loaded one
});
