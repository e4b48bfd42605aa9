import { Redis } from "ioredis";
import { z } from "zod";
import { AuditManager, RedisAuditStore } from "../src/audit/index.js";
import { LocalCalendarService } from "../src/services/calendar/index.js";
import { ToolExecutor } from "../src/tools/tool-executor.js";
import type { ToolDefinition, ToolServices } from "../src/tools/types.js";
import { auditedPair, BENCH_SIGNING_KEY } from "./lib/audit-fixtures.js";
import { median, runConcurrent } from "./lib/measure.js";
import { type Bench, type BenchContext, type BenchOutcome, type Goal, round, table } from "./lib/report.js";

const COMPANY = "bench-exec";
const VARIANTS = ["direct", "bare", "executeTool"] as const;
type Variant = (typeof VARIANTS)[number];

interface Sizes {
  calls: Record<1 | 64, number>;
  directCalls: number;
  rounds: number;
}
const FULL: Sizes = { calls: { 1: 1500, 64: 8000 }, directCalls: 200_000, rounds: 3 };
const QUICK: Sizes = { calls: { 1: 200, 64: 1000 }, directCalls: 20_000, rounds: 1 };

const params = z.object({ n: z.number().int() });

/** A tool that does nothing: what executeTool adds is then all that is measured. */
const noopTool: ToolDefinition<z.infer<typeof params>, { ok: true; n: number }> = {
  name: "bench_noop",
  description: "does nothing (benchmark)",
  actionType: "api_call",
  service: "calendar",
  schema: params,
  run: async (p) => ({ ok: true, n: p.n }),
};

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? QUICK : FULL;
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
  await redis.ping();
  const auditManager = new AuditManager({
    companyId: COMPANY,
    store: new RedisAuditStore({ redis, prefix: "bench" }),
    signingKey: BENCH_SIGNING_KEY,
  });
  const calendar = new LocalCalendarService({
    path: ":memory:",
    companyId: COMPANY,
    timeZone: "Europe/Madrid",
    openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
  });
  const executor = new ToolExecutor({ companyId: COMPANY, auditManager });
  executor.registerTool(noopTool as unknown as ToolDefinition);
  executor.setCalendarService(calendar);
  // The no-op handler reads no service; only the calendar is injected, as in the executor.
  const services = { calendar } as unknown as Required<ToolServices>;
  const controller = new AbortController();

  const ops: Record<Variant, (i: number) => Promise<unknown>> = {
    direct: (i) =>
      noopTool.run({ n: i }, services, {
        companyId: COMPANY,
        idempotencyKey: `k${i}`,
        signal: controller.signal,
        attempt: 1,
        context: {},
      }),
    bare: (i) => auditedPair(auditManager, i),
    executeTool: async (i) => {
      const res = await executor.executeTool({
        toolName: "bench_noop",
        parameters: { n: i },
        userId: `u${String(i % 1000).padStart(4, "0")}`,
        agentName: "bench",
        conversationId: `c${i % 100}`,
      });
      if (!res.success) throw new Error(`executeTool failed: ${res.error}`);
    },
  };
  const count = (v: Variant, c: 1 | 64) => (v === "direct" ? sizes.directCalls : sizes.calls[c]);

  for (const v of VARIANTS) await runConcurrent(1000, 16, ops[v]); // warm-up
  const samples: Record<Variant, Record<1 | 64, number[]>> = {
    direct: { 1: [], 64: [] },
    bare: { 1: [], 64: [] },
    executeTool: { 1: [], 64: [] },
  };
  for (let r = 0; r < sizes.rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const c of [1, 64] as const)
      for (const v of order) samples[v][c].push((await runConcurrent(count(v, c), c, ops[v])).perSec);
    ctx.print(`  round ${r + 1}/${sizes.rounds} done`);
  }
  await auditManager.close();
  await calendar.close();
  redis.disconnect();

  const rows = ([1, 64] as const).map((c) => {
    const rate = (v: Variant) => median(samples[v][c]);
    const exec = rate("executeTool");
    const bare = rate("bare");
    return {
      concurrency: c,
      calls: sizes.calls[c],
      directPerSec: rate("direct"),
      barePerSec: bare,
      executeToolPerSec: exec,
      ratio: exec / bare,
      overheadUs: 1e6 / exec - 1e6 / bare,
    };
  });
  ctx.print(
    table(
      "executeTool on a no-op tool vs bare audit pairs vs the handler called directly (median of rounds)",
      ["conc", "calls", "direct calls/s", "bare pairs/s", "executeTool/s", "exec/bare", "added us/call"],
      rows.map((r) => [
        r.concurrency,
        r.calls,
        round(r.directPerSec, 4),
        round(r.barePerSec, 4),
        round(r.executeToolPerSec, 4),
        round(r.ratio),
        round(r.overheadUs),
      ]),
    ),
  );
  const goals: Goal[] = rows.map((r) => ({
    name: `executeTool / bare audit pairs at concurrency ${r.concurrency}`,
    target: ">= 0.8",
    measured: String(round(r.ratio)),
    met: r.ratio >= 0.8,
  }));
  return {
    name: "executor",
    goals,
    notes: [
      `direct handler calls: ${sizes.directCalls} per measurement (it is far faster than anything audited)`,
      "no OpenTelemetry SDK registered: spans are the API's no-op spans",
    ],
    data: { sizes, rows, samples },
  };
}

export const executorBench: Bench = {
  name: "executor",
  description: "ToolExecutor.executeTool overhead over the audit writes it makes",
  run,
};
