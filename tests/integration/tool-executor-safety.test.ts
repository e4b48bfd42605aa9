import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import type { ToolDefinition, ToolRunContext } from "../../src/tools/types.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { startRedisServer } from "../support/redis-server.js";

const HOURS = { days: [0, 1, 2, 3, 4, 5, 6], open: "09:00", close: "20:00", slotMinutes: 30 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real tool whose handler each test scripts; records when each attempt started and settled. */
function probe(handler: (attempt: number, ctx: ToolRunContext) => Promise<unknown>) {
  const log: { attempt: number; start: number; end: number | null }[] = [];
  const tool: ToolDefinition = {
    name: "probe",
    description: "test tool",
    actionType: "api_call",
    service: "calendar",
    schema: z.object({ n: z.number() }) as unknown as z.ZodType<Record<string, unknown>>,
    run: async (_p, _s, ctx) => {
      const row = { attempt: ctx.attempt, start: performance.now(), end: null as number | null };
      log.push(row);
      try {
        return await handler(ctx.attempt, ctx);
      } finally {
        row.end = performance.now();
      }
    },
  };
  return { tool, log };
}

const transient = (message: string) => Object.assign(new Error(message), { status: 503 });

describe("ToolExecutor safety paths", () => {
  let redis: Redis;
  let prefix: string;
  let audit: AuditManager;
  let calendar: LocalCalendarService;
  const executorWith = (
    tool: ToolDefinition,
    options: Partial<ConstructorParameters<typeof ToolExecutor>[0]> = {},
  ) =>
    new ToolExecutor({
      companyId: "benova",
      auditManager: audit,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      ...options,
    })
      .setCalendarService(calendar)
      .registerTool(tool);

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix("safety");
    audit = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis, prefix }),
      sealIntervalMs: 0,
    });
    calendar = new LocalCalendarService({
      path: ":memory:",
      companyId: "benova",
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
  });
  afterEach(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it("refuses to run when the idempotency lookup fails, even if the audit write would succeed", async () => {
    const { tool, log } = probe(async () => ({ ok: true }));
    const executor = executorWith(tool);
    // The key's slot holds a value of the wrong type: GET fails, while the create script (SET) would not.
    await redis.hset(`${prefix}:{benova}:k:benova:42:step-1`, "x", "1");
    const res = await executor.executeTool({
      toolName: "probe",
      parameters: { n: 1 },
      userId: "u",
      idempotencyKey: "benova:42:step-1",
    });
    expect(res).toMatchObject({
      success: false,
      errorCode: "AUDIT_UNAVAILABLE",
      retriable: true,
      auditId: null,
    });
    expect(res.error).toMatch(/could not be read/);
    expect(log).toHaveLength(0);
    expect((await audit.query({})).entries).toHaveLength(0);
  });

  it("fails closed on a store outage during the lookup and during compensation, naming the cause", async () => {
    const server = await startRedisServer();
    const own = new Redis(server.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    await new Promise((resolve) => own.once("ready", resolve));
    try {
      const down = new AuditManager({
        companyId: "benova",
        store: new RedisAuditStore({ redis: own, prefix }),
        sealIntervalMs: 0,
      });
      const { tool, log } = probe(async () => ({ ok: true }));
      const executor = new ToolExecutor({ companyId: "benova", auditManager: down })
        .setCalendarService(calendar)
        .registerTool(tool);
      const booked = await executor.executeTool({
        toolName: "google_calendar",
        parameters: {
          action: "create_booking",
          booking_data: { customer_name: "Ana", service: "Botox", date: "2031-03-04", time: "12:00" },
        },
        userId: "u",
      });
      expect(booked.success).toBe(true);
      await server.stop();
      const res = await executor.executeTool({
        toolName: "probe",
        parameters: { n: 1 },
        userId: "u",
        idempotencyKey: "k-1",
      });
      expect(res).toMatchObject({ success: false, errorCode: "AUDIT_UNAVAILABLE", retriable: true });
      expect(res.error).toMatch(/audit store could not be read/);
      expect(log).toHaveLength(0);
      const undo = await executor.compensate(booked.auditId as string, "rollback");
      expect(undo).toMatchObject({ success: false, errorCode: "AUDIT_UNAVAILABLE", retriable: true });
      expect(undo.error).toMatch(/audit store could not be read/);
      expect((await calendar.listBookings("2031-03-04")).bookings).toHaveLength(1);
    } finally {
      own.disconnect();
      await server.stop();
    }
  });

  it("does not mark a timed-out attempt failed while its handler runs, nor start the retry before it stops", async () => {
    const { tool, log } = probe(async (attempt) => {
      if (attempt === 1) {
        await sleep(400); // ignores the abort, then fails
        throw transient("upstream 503");
      }
      return { ok: attempt };
    });
    const executor = executorWith(tool, { timeoutMs: 50, graceMs: 5_000 });
    const running = executor.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    await sleep(200);
    const [entry] = (await audit.query({})).entries;
    expect(entry?.status).toBe("pending");
    expect(log).toHaveLength(1);
    const res = await running;
    expect(res).toMatchObject({ success: true, attempts: 2, retriable: false });
    expect(log).toHaveLength(2);
    expect(log[1]?.start).toBeGreaterThanOrEqual(log[0]?.end ?? Number.POSITIVE_INFINITY);

    const { tool: final } = probe(async () => {
      await sleep(300);
      throw Object.assign(new Error("refused"), { status: 400 });
    });
    const once = executorWith(final, { timeoutMs: 50, graceMs: 5_000, retry: { maxRetries: 0 } });
    const failing = once.executeTool({ toolName: "probe", parameters: { n: 2 }, userId: "u2" });
    await sleep(150);
    expect((await audit.getUserActions("u2"))[0]?.status).toBe("pending");
    const failed = await failing;
    expect(failed).toMatchObject({ success: false, errorCode: "ETIMEDOUT", retriable: true, attempts: 1 });
    expect(await audit.getEntry(failed.auditId as string)).toMatchObject({ status: "failed" });
  });

  it("leaves an attempt that will not stop pending for recovery, never retried, and records it if it settles later", async () => {
    const { tool, log } = probe(async () => {
      await sleep(600);
      return { done: true };
    });
    const executor = executorWith(tool, { timeoutMs: 50, graceMs: 100, leaseMs: 1_000 });
    const res = await executor.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    expect(res).toMatchObject({
      success: false,
      errorCode: "OUTCOME_UNKNOWN",
      retriable: false,
      attempts: 1,
    });
    const entry = await audit.getEntry(res.auditId as string);
    expect(entry).toMatchObject({ status: "pending", leaseOwner: audit.owner });
    expect(log).toHaveLength(1);
    await sleep(700);
    expect(log).toHaveLength(1);
    expect(await audit.getEntry(res.auditId as string)).toMatchObject({
      status: "success",
      result: { done: true },
    });
  });

  it("renews the lease of a call that runs longer than a third of it", async () => {
    const { tool } = probe(async (attempt) => {
      await sleep(attempt === 1 ? 700 : 0);
      return { ok: true };
    });
    const executor = executorWith(tool, { timeoutMs: 5_000, leaseMs: 300 });
    const running = executor.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    await sleep(500);
    const [entry] = (await audit.query({})).entries;
    // Written with a 300 ms lease; 500 ms later it is still live only because it was renewed.
    expect(entry?.status).toBe("pending");
    expect(Date.parse(entry?.leaseUntil ?? "")).toBeGreaterThan(Date.now());
    expect((await running).success).toBe(true);
  });

  it("sets retriable on every result", async () => {
    const { tool } = probe(async (attempt) => {
      if (attempt < 9) throw transient("upstream 503");
      return null;
    });
    const executor = executorWith(tool, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const call = (toolName: string, parameters: Record<string, unknown>) =>
      executor.executeTool({ toolName, parameters, userId: "u" });
    expect(await call("nope", {})).toMatchObject({ errorCode: "UNKNOWN_TOOL", retriable: false });
    expect(await call("probe", { n: "x" })).toMatchObject({
      errorCode: "INVALID_PARAMETERS",
      retriable: false,
    });
    expect(
      await call("create_ticket", { conversation_id: 1, subject: "Dolor", description: "x" }),
    ).toMatchObject({
      errorCode: "SERVICE_NOT_CONFIGURED",
      retriable: false,
    });
    expect(await call("probe", { n: 1 })).toMatchObject({
      errorCode: "HTTP_503",
      retriable: true,
      attempts: 2,
    });
    const ok = await call("google_calendar", { action: "check_availability", date: "2031-03-04" });
    expect(ok).toMatchObject({ success: true, retriable: false });
    const closed = await call("google_calendar", {
      action: "create_booking",
      booking_data: { customer_name: "Ana", service: "Botox", date: "2031-03-04", time: "23:00" },
    });
    expect(closed).toMatchObject({ success: false, retriable: false });
    expect(await executor.compensate(ok.auditId as string, "x")).toMatchObject({
      errorCode: "NOT_COMPENSABLE",
      retriable: false,
    });
    expect(await executor.compensate("01HZZZZZZZZZZZZZZZZZZZZZZZ", "x")).toMatchObject({
      errorCode: "NOT_FOUND",
      retriable: false,
    });
  });
});
