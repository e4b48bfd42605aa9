import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import type { IncomingTurn } from "../../src/server/queue/types.js";
import { testRedis, uniquePrefix } from "../support/redis.js";
import { incomingTurn, waitFor } from "../support/turns.js";
import { startWorkers, type WorkerProcess } from "../support/worker-processes.js";
import { WORKER_NOW, WorkerWorld } from "../support/worker-world.js";

const TEXTS = ["¿Cuánto cuesta el botox?", "¿Y el ácido hialurónico?", "¿Qué horario tienen?"];

function count(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[x] = (out[x] ?? 0) + 1;
  return out;
}

describe("worker processes sharing one Redis queue", () => {
  let world: WorkerWorld;
  let producer: RedisTurnQueue;
  const prefix = uniquePrefix("wp");
  const workers: WorkerProcess[] = [];
  let nextConversation = 300;

  beforeAll(async () => {
    world = await new WorkerWorld(inject("redisUrl")).start();
    producer = new RedisTurnQueue({ redisUrl: inject("redisUrl"), prefix });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await producer.close();
    const redis = testRedis();
    await world.close({ redis, prefixes: [prefix] });
    redis.disconnect();
  });

  const childConfig = () => ({ env: world.env(), prefix, now: WORKER_NOW.toISOString() });

  /** Enqueues `conversations` x 3 messages, all at once; returns the message ids per conversation. */
  async function burst(conversations: number): Promise<Map<number, number[]>> {
    const sent = new Map<number, number[]>();
    const turns: IncomingTurn[] = [];
    for (let i = 0; i < conversations; i++) {
      const c = nextConversation++;
      world.conversation(c);
      const mine = TEXTS.map((text) => incomingTurn({ companyId: world.companyId, conversationId: c, text }));
      sent.set(
        c,
        mine.map((t) => t.messageId),
      );
      turns.push(...mine);
    }
    for (const t of turns) await producer.enqueue(t);
    return sent;
  }

  /** Every message answered exactly once, in the order of its conversation. */
  async function expectAnsweredOnceInOrder(sent: Map<number, number[]>, timeoutMs: number) {
    const answered = () => [...sent].every(([c, ids]) => world.replies(c, ids).length >= ids.length);
    await waitFor(answered, "every message answered", timeoutMs).catch((err: Error) => {
      const missing = [...sent]
        .filter(([c, ids]) => world.replies(c, ids).length < ids.length)
        .map(([c, ids]) => ({
          conversation: c,
          ids,
          posted: world.chatwoot.messages(c).map((m) => [m.private, m.content?.slice(0, 40)]),
        }));
      const outcomes = workers.flatMap((w) => w.turns.map((t) => t.outcome));
      const stderr = workers
        .map((w) => w.stderr)
        .join("\n")
        .slice(0, 2000);
      throw new Error(`${err.message}: ${JSON.stringify({ missing, outcomes: count(outcomes), stderr })}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    for (const [c, ids] of sent) {
      expect(world.replies(c, ids).map((r) => r.messageId)).toEqual(ids);
      expect(world.chatwoot.messages(c)).toHaveLength(ids.length);
    }
  }

  it("two processes answer every message once, each conversation in order, and both do work", async () => {
    workers.push(...(await startWorkers(2, childConfig())));
    const sent = await burst(12);
    await expectAnsweredOnceInOrder(sent, 60_000);
    const [a, b] = workers;
    expect(a?.turns.length).toBeGreaterThan(0);
    expect(b?.turns.length).toBeGreaterThan(0);
    expect((a?.turns.length ?? 0) + (b?.turns.length ?? 0)).toBe(36);
  }, 90_000);

  it("a worker killed mid-run: its turns come back to the others, still once and in order", async () => {
    const sent = await burst(10);
    const victim = workers[0] as WorkerProcess;
    const before = victim.turns.length;
    await waitFor(() => victim.turns.length >= before + 3, "the victim at work", 30_000);
    await victim.kill();
    workers.push(...(await startWorkers(1, childConfig())));
    // A reply the victim was posting waits for its send claim to lapse (30 s) before it is reconciled.
    await expectAnsweredOnceInOrder(sent, 100_000);
    expect((await producer.stats()).oldestAgeMs).toBeNull();
  }, 120_000);

  it("SIGTERM stops a worker gracefully (exit 0)", async () => {
    const last = workers.at(-1) as WorkerProcess;
    const [code] = await last.stop();
    expect(code).toBe(0);
    expect(last.stderr).toBe("");
  });
});
