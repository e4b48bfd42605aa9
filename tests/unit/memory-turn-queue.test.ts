import { describe, expect, it } from "vitest";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import type { AttemptInfo, IncomingTurn } from "../../src/server/queue/types.js";

function turn(conversationId: number, messageId: number, extra: Partial<IncomingTurn> = {}): IncomingTurn {
  return {
    companyId: "benova",
    accountId: 1,
    conversationId,
    messageId,
    deliveryId: null,
    userId: "34600111222",
    senderName: null,
    text: `mensaje ${messageId}`,
    attachments: [],
    receivedAt: Date.now(),
    ...extra,
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MemoryTurnQueue", () => {
  it("runs one conversation's messages one at a time in arrival order, conversations in parallel", async () => {
    const log: string[] = [];
    let running = 0;
    let maxRunningA = 0;
    const q = new MemoryTurnQueue({
      handler: async (t) => {
        if (t.conversationId === 1) {
          running++;
          maxRunningA = Math.max(maxRunningA, running);
        }
        log.push(`start ${t.conversationId}/${t.messageId}`);
        await tick(t.messageId === 10 ? 30 : 5);
        log.push(`end ${t.conversationId}/${t.messageId}`);
        if (t.conversationId === 1) running--;
      },
    });
    await q.start();
    await q.enqueue(turn(1, 10));
    await q.enqueue(turn(1, 11));
    await q.enqueue(turn(2, 20));
    await q.enqueue(turn(1, 12));
    await q.stop();
    const convA = log.filter((l) => l.includes(" 1/"));
    expect(convA).toEqual(["start 1/10", "end 1/10", "start 1/11", "end 1/11", "start 1/12", "end 1/12"]);
    expect(maxRunningA).toBe(1);
    // Conversation 2 did not wait for conversation 1's slow first message.
    expect(log.indexOf("end 2/20")).toBeLessThan(log.indexOf("end 1/10"));
  });

  it("reports a redelivered message or delivery as a duplicate and runs it once", async () => {
    const seen: number[] = [];
    const q = new MemoryTurnQueue({ handler: async (t) => void seen.push(t.messageId) });
    expect((await q.enqueue(turn(1, 10, { deliveryId: "d-1" }))).outcome).toBe("queued");
    expect((await q.enqueue(turn(1, 10, { deliveryId: "d-2" }))).outcome).toBe("duplicate");
    expect((await q.enqueue(turn(1, 11, { deliveryId: "d-1" }))).outcome).toBe("duplicate");
    expect((await q.enqueue(turn(1, 12))).key).toBe("benova:1:12");
    await q.start();
    await q.stop();
    expect(seen).toEqual([10, 12]);
  });

  it("retries a failing turn with backoff, flags the last attempt, then moves on", async () => {
    const attempts: AttemptInfo[] = [];
    const gaveUp: number[] = [];
    const done: number[] = [];
    const q = new MemoryTurnQueue({
      maxAttempts: 3,
      backoff: () => 5,
      onGiveUp: (t) => gaveUp.push(t.messageId),
      handler: async (t, info) => {
        if (t.messageId === 10) {
          attempts.push(info);
          throw new Error("chatwoot down");
        }
        done.push(t.messageId);
      },
    });
    await q.start();
    await q.enqueue(turn(1, 10));
    await q.enqueue(turn(1, 11));
    await q.stop();
    expect(attempts.map((a) => [a.attempt, a.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(gaveUp).toEqual([10]);
    expect(done).toEqual([11]);
  });

  it("counts waiting turns and refuses new ones once stopped", async () => {
    const q = new MemoryTurnQueue({ handler: async () => undefined });
    await q.enqueue(turn(1, 10));
    await q.enqueue(turn(2, 20));
    const stats = await q.stats();
    expect(stats.waiting).toBe(2);
    expect(stats.oldestAgeMs).not.toBeNull();
    await q.start();
    await q.stop();
    expect((await q.stats()).waiting).toBe(0);
    await expect(q.enqueue(turn(3, 30))).rejects.toThrow(/closed/);
  });

  it("refuses a bad setting naming it", () => {
    expect(() => new MemoryTurnQueue({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
