import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/server/metrics.js";
import type { TurnReport } from "../../src/server/observer.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import type { QueueStats, TurnQueue } from "../../src/server/queue/types.js";

const report = (extra: Partial<TurnReport> = {}): TurnReport => ({
  companyId: "benova",
  outcome: "replied",
  durationMs: 120,
  ageMs: 450,
  agent: "schedule",
  toolOutcomes: [
    { tool: "calendar", action: "execute_booking", ok: true },
    { tool: "email", action: "send_notification", ok: false },
  ],
  compensations: 1,
  sagaStatus: "compensated",
  ...extra,
});

describe("Metrics", () => {
  it("counts turns, tools, compensations and sagas and observes the latency histograms", async () => {
    const m = new Metrics();
    m.turn(report());
    m.turn(
      report({
        outcome: "handed_off",
        durationMs: 3000,
        toolOutcomes: [],
        compensations: 0,
        sagaStatus: null,
      }),
    );
    const text = await m.text();
    expect(text).toContain('agent_ledger_turns_total{tenant="benova",outcome="replied"} 1');
    expect(text).toContain('agent_ledger_turns_total{tenant="benova",outcome="handed_off"} 1');
    expect(text).toContain(
      'agent_ledger_tool_executions_total{tenant="benova",tool="calendar",action="execute_booking",status="ok"} 1',
    );
    expect(text).toContain(
      'agent_ledger_tool_executions_total{tenant="benova",tool="email",action="send_notification",status="error"} 1',
    );
    expect(text).toContain('agent_ledger_compensations_total{tenant="benova"} 1');
    expect(text).toContain('agent_ledger_sagas_total{tenant="benova",status="compensated"} 1');
    expect(text).toContain(
      'agent_ledger_turn_duration_seconds_bucket{le="0.25",tenant="benova",outcome="replied"} 1',
    );
    expect(text).toContain(
      'agent_ledger_turn_duration_seconds_bucket{le="2.5",tenant="benova",outcome="handed_off"} 0',
    );
    expect(text).toContain('agent_ledger_turn_age_seconds_sum{tenant="benova",outcome="replied"} 0.45');
  });

  it("keeps label values bounded and never throws", async () => {
    const m = new Metrics();
    m.webhook(null, "invalid", "a reason with spaces and\nnewlines");
    m.webhook("x".repeat(200), "queued");
    expect(() => m.turn({ ...report(), toolOutcomes: null as unknown as [] })).not.toThrow();
    const text = await m.text();
    expect(text).toContain(
      'agent_ledger_webhooks_total{tenant="unknown",outcome="invalid",reason="other"} 1',
    );
    expect(text).toContain('agent_ledger_webhooks_total{tenant="other",outcome="queued",reason="none"} 1');
  });

  it("each instance has its own registry", async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.webhook("benova", "queued", "queued");
    expect(await b.text()).not.toContain('outcome="queued"');
    expect(await a.text()).toContain('outcome="queued"');
  });

  it("reads the queue at scrape time, once per scrape, and survives a failing stats()", async () => {
    const queue = new MemoryTurnQueue();
    let calls = 0;
    let fail = false;
    const counting: TurnQueue = {
      enqueue: (t) => queue.enqueue(t),
      ping: () => queue.ping(),
      close: () => queue.close(),
      stats: async (): Promise<QueueStats> => {
        calls++;
        if (fail) throw new Error("store down");
        return queue.stats();
      },
    };
    const m = new Metrics().watchQueue(counting);
    await queue.enqueue({
      companyId: "benova",
      accountId: 1,
      conversationId: 1,
      messageId: 1,
      deliveryId: null,
      userId: "u",
      senderName: null,
      text: "hola",
      attachments: [],
      receivedAt: Date.now() - 5000,
    });
    const text = await m.text();
    expect(calls).toBe(1);
    expect(text).toContain('agent_ledger_queue_turns{state="waiting"} 1');
    expect(Number(/^agent_ledger_queue_oldest_age_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(
      5,
    );
    fail = true;
    const down = await m.text();
    expect(down).not.toContain('agent_ledger_queue_turns{state="waiting"}');
    expect(down).toContain("agent_ledger_queue_up 0");
    fail = false;
    expect(await m.text()).toContain("agent_ledger_queue_up 1");
  });

  it("exports process metrics on request", async () => {
    expect(await new Metrics({ defaultMetrics: true }).text()).toContain(
      "agent_ledger_process_cpu_seconds_total",
    );
    expect(await new Metrics().text()).not.toContain("process_cpu_seconds_total");
  });
});
