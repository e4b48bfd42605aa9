import { Queue } from "bullmq";
import { afterEach, describe, expect, inject, it } from "vitest";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import type {
  AttemptInfo,
  IncomingTurn,
  TurnHandler,
  TurnQueue,
  TurnWorker,
} from "../../src/server/queue/types.js";
import { turnKey } from "../../src/server/queue/types.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { incomingTurn, waitFor } from "../support/turns.js";

type Both = TurnQueue & TurnWorker & { consume(h: TurnHandler): unknown };
interface Made {
  queue: Both;
  prefix?: string;
}

const open: Made[] = [];
afterEach(async () => {
  for (const made of open.splice(0)) {
    await made.queue.close();
    if (made.prefix) {
      const redis = testRedis();
      await deleteByPrefix(redis, made.prefix);
      redis.disconnect();
    }
  }
});

const kinds: [string, (o: { maxAttempts?: number; onGiveUp?: (t: IncomingTurn) => void }) => Made][] = [
  ["MemoryTurnQueue", (o) => ({ queue: new MemoryTurnQueue({ ...o, backoff: () => 50, concurrency: 4 }) })],
  [
    "RedisTurnQueue",
    (o) => {
      const prefix = uniquePrefix("tq");
      return {
        prefix,
        queue: new RedisTurnQueue({
          ...o,
          redisUrl: inject("redisUrl"),
          prefix,
          backoff: () => 50,
          concurrency: 4,
          waitMs: [20, 60],
        }),
      };
    },
  ],
];

describe.each(kinds)("%s", (_name, make) => {
  function build(o: Parameters<typeof make>[0] = {}): Both {
    const made = make(o);
    open.push(made);
    return made.queue;
  }

  it("answers the messages of one conversation one at a time, in arrival order, and conversations in parallel", async () => {
    const queue = build();
    const log: string[] = [];
    let active = 0;
    let overlapInConversation = false;
    const running = new Set<number>();
    let releaseA: () => void = () => undefined;
    const aBlocked = new Promise<void>((r) => {
      releaseA = r;
    });
    queue.consume(async (turn) => {
      if (running.has(turn.conversationId)) overlapInConversation = true;
      running.add(turn.conversationId);
      active++;
      log.push(`start ${turn.conversationId}:${turn.text}`);
      // The first message of conversation 1 waits until conversation 2 has started: only a queue
      // that runs conversations in parallel gets past this.
      if (turn.text === "a1") await aBlocked;
      if (turn.conversationId === 2) releaseA();
      await new Promise((r) => setTimeout(r, 20));
      log.push(`end ${turn.conversationId}:${turn.text}`);
      active--;
      running.delete(turn.conversationId);
    });
    const turns = [
      incomingTurn({ conversationId: 1, text: "a1" }),
      incomingTurn({ conversationId: 1, text: "a2" }),
      incomingTurn({ conversationId: 1, text: "a3" }),
      incomingTurn({ conversationId: 2, text: "b1" }),
    ];
    for (const t of turns) expect((await queue.enqueue(t)).outcome).toBe("queued");
    await queue.start();
    await waitFor(() => log.filter((l) => l.startsWith("end")).length === 4, "four turns");
    expect(overlapInConversation).toBe(false);
    const ofA = log.filter((l) => l.startsWith("end 1:")).map((l) => l.slice(6));
    expect(ofA).toEqual(["a1", "a2", "a3"]);
    // b1 started while a1 was still running.
    expect(log.indexOf("start 2:b1")).toBeLessThan(log.indexOf("end 1:a1"));
    expect(active).toBe(0);
  });

  it("a redelivered message (same message id or same delivery id) runs one turn", async () => {
    const queue = build();
    const seen: number[] = [];
    queue.consume(async (turn) => {
      seen.push(turn.messageId);
    });
    const first = incomingTurn({ conversationId: 7, deliveryId: "d-1" });
    const again = await Promise.all([queue.enqueue(first), queue.enqueue({ ...first })]);
    expect(again.map((r) => r.outcome).sort()).toEqual(["duplicate", "queued"]);
    expect(again[0]?.key).toBe(turnKey(first));
    // Another message id, but the delivery id of the first: Chatwoot's retry of the same delivery.
    const sameDelivery = incomingTurn({ conversationId: 7, deliveryId: "d-1" });
    expect((await queue.enqueue(sameDelivery)).outcome).toBe("duplicate");
    const other = incomingTurn({ conversationId: 7, deliveryId: "d-2" });
    expect((await queue.enqueue(other)).outcome).toBe("queued");
    await queue.start();
    await waitFor(() => seen.length >= 2, "two turns");
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([first.messageId, other.messageId]);
  });

  it("retries a failing turn with its attempt number, flags the last one final, then moves on", async () => {
    const gaveUp: number[] = [];
    const queue = build({ maxAttempts: 3, onGiveUp: (t) => gaveUp.push(t.messageId) });
    const attempts: { text: string; info: AttemptInfo }[] = [];
    queue.consume(async (turn, info) => {
      attempts.push({ text: turn.text, info });
      if (turn.text === "flaky" && info.attempt < 2) throw new Error("Chatwoot 503");
      if (turn.text === "broken") throw new Error("always fails");
    });
    const broken = incomingTurn({ conversationId: 9, text: "broken" });
    await queue.enqueue(broken);
    await queue.enqueue(incomingTurn({ conversationId: 9, text: "flaky" }));
    await queue.start();
    await waitFor(() => attempts.filter((a) => a.text === "flaky").length === 2, "the flaky turn twice");
    expect(attempts.map((a) => [a.text, a.info.attempt, a.info.final])).toEqual([
      ["broken", 1, false],
      ["broken", 2, false],
      ["broken", 3, true],
      ["flaky", 1, false],
      ["flaky", 2, false],
    ]);
    expect(attempts.every((a) => a.info.maxAttempts === 3)).toBe(true);
    expect(gaveUp).toEqual([broken.messageId]);
  });

  it("reports waiting turns and the age of the oldest in stats()", async () => {
    const queue = build();
    await queue.ping();
    expect((await queue.stats()).oldestAgeMs).toBeNull();
    await queue.enqueue(incomingTurn({ conversationId: 11, receivedAt: Date.now() - 5000 }));
    await queue.enqueue(incomingTurn({ conversationId: 12 }));
    const stats = await queue.stats();
    expect(stats.waiting).toBe(2);
    expect(stats.active).toBe(0);
    expect(stats.oldestAgeMs).toBeGreaterThanOrEqual(5000);
  });
});

describe("RedisTurnQueue without its jobs", () => {
  it("re-creates the job of an accepted turn that lost it, from a later message of the conversation", async () => {
    const prefix = uniquePrefix("tq");
    const queue = new RedisTurnQueue({ redisUrl: inject("redisUrl"), prefix, waitMs: [20, 60] });
    open.push({ queue, prefix });
    const seen: string[] = [];
    queue.consume(async (turn) => {
      seen.push(turn.text);
    });
    const lost = incomingTurn({ conversationId: 21, text: "first" });
    await queue.enqueue(lost);
    // As if the process died between accepting the turn and adding its job.
    const bull = new Queue(queue.keys.name, {
      connection: { url: inject("redisUrl") },
      prefix: queue.keys.prefix,
    });
    expect(await bull.remove(turnKey(lost))).toBe(1);
    await bull.close();
    await queue.enqueue(incomingTurn({ conversationId: 21, text: "second" }));
    await queue.start();
    await waitFor(() => seen.length === 2, "both turns");
    expect(seen).toEqual(["first", "second"]);
  });

  it("repair() re-creates a lost job when no later message comes", async () => {
    const prefix = uniquePrefix("tq");
    const queue = new RedisTurnQueue({ redisUrl: inject("redisUrl"), prefix });
    open.push({ queue, prefix });
    const lost = incomingTurn({ conversationId: 22, receivedAt: Date.now() - 60_000 });
    await queue.enqueue(lost);
    const bull = new Queue(queue.keys.name, {
      connection: { url: inject("redisUrl") },
      prefix: queue.keys.prefix,
    });
    await bull.remove(turnKey(lost));
    expect(await bull.getJobState(turnKey(lost))).toBe("unknown");
    expect(await queue.repair()).toBe(1);
    expect(await bull.getJobState(turnKey(lost))).toBe("waiting");
    expect(await queue.repair()).toBe(0);
    await bull.close();
  });

  it("rejects a bad URL and bad numbers naming the option", () => {
    expect(() => new RedisTurnQueue({ redisUrl: "localhost:6379" })).toThrow(/redisUrl/);
    expect(() => new RedisTurnQueue({ redisUrl: "redis://127.0.0.1:1", maxAttempts: 0 })).toThrow(
      /maxAttempts/,
    );
  });
});
