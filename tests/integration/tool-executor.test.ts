import { type ChildProcess, spawn } from "node:child_process";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { GoogleCalendarService, LocalCalendarService } from "../../src/services/calendar/index.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import type { ToolDefinition } from "../../src/tools/types.js";
import { GoogleCalendarStandIn } from "../support/google-calendar-stand-in.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { freePort } from "../support/redis-server.js";

const HOURS = { days: [0, 1, 2, 3, 4, 5, 6], open: "09:00", close: "20:00", slotMinutes: 30 };
const FUTURE = "2031-03-04";

/** A real tool whose behaviour each test scripts; counts how often it really ran. */
function scriptedTool(behaviour: (attempt: number) => Promise<unknown>): ToolDefinition & { calls: number } {
  const t = {
    calls: 0,
    name: "probe",
    description: "test tool",
    actionType: "api_call",
    service: "calendar" as const,
    schema: z.object({ n: z.number() }) as unknown as z.ZodType<Record<string, unknown>>,
    run: async (_p: Record<string, unknown>, _s: unknown, ctx: { attempt: number }) => {
      t.calls++;
      return behaviour(ctx.attempt);
    },
  };
  return t as ToolDefinition & { calls: number };
}

describe("ToolExecutor", () => {
  let redis: Redis;
  let prefix: string;
  let audit: AuditManager;
  let executor: ToolExecutor;
  let calendar: LocalCalendarService;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix("exec");
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
    executor = new ToolExecutor({
      companyId: "benova",
      auditManager: audit,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    executor.setCalendarService(calendar);
  });
  afterEach(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  const book = (extra: Record<string, unknown> = {}) => ({
    toolName: "google_calendar",
    parameters: {
      action: "create_booking",
      booking_data: {
        customer_name: "Lucía Pérez",
        service: "Limpieza dental",
        date: FUTURE,
        time: "10:00",
        ...extra,
      },
    },
    userId: "34600111222",
    agentName: "schedule",
    conversationId: "42",
  });

  it("refuses an unknown tool, listing the known ones, and audits nothing", async () => {
    const res = await executor.executeTool({ toolName: "book_flight", parameters: {}, userId: "u" });
    expect(res).toMatchObject({ success: false, errorCode: "UNKNOWN_TOOL", auditId: null });
    expect(res.error).toMatch(/google_calendar.*send_email|send_email.*google_calendar/);
    expect((await audit.query({})).entries).toHaveLength(0);
  });

  it("validates parameters before anything runs, naming the field", async () => {
    const res = await executor.executeTool(book({ date: "2031-02-30" }));
    expect(res).toMatchObject({ success: false, errorCode: "INVALID_PARAMETERS" });
    expect(res.error).toContain("booking_data.date");
    const missing = await executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "delete_booking" },
    });
    expect(missing.error).toContain("event_id");
    expect((await calendar.listBookings(FUTURE)).bookings).toHaveLength(0);
    expect((await audit.query({})).entries).toHaveLength(0);
  });

  it("names the set...Service call when a service is missing", async () => {
    const res = await executor.executeTool({
      toolName: "create_ticket",
      parameters: { conversation_id: 1, subject: "Dolor", description: "x" },
    });
    expect(res).toMatchObject({ success: false, errorCode: "SERVICE_NOT_CONFIGURED" });
    expect(res.error).toContain("setTicketService");
  });

  it("audits a booking write-ahead and stores the undo parameters from the result", async () => {
    const res = await executor.executeTool(book());
    expect(res.success).toBe(true);
    const entry = await audit.getEntry(res.auditId as string);
    expect(entry).toMatchObject({
      status: "success",
      actionType: "booking",
      actionName: "google_calendar.create_booking",
      compensable: true,
      compensationAction: "google_calendar",
      compensationParams: { action: "delete_booking", event_id: (res.data as { event_id: string }).event_id },
      userId: "34600111222",
      agentName: "schedule",
      conversationId: "42",
    });
    expect(entry?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("audits a call without userId as anonymous", async () => {
    const res = await executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "check_availability", date: FUTURE },
    });
    expect(res.success).toBe(true);
    expect((await audit.getEntry(res.auditId as string))?.userId).toBe("anonymous");
  });

  it("retries transient failures with backoff and never retries a 4xx", async () => {
    const flaky = scriptedTool(async (attempt) => {
      if (attempt < 3) throw Object.assign(new Error("upstream 503"), { status: 503 });
      return { ok: true };
    });
    executor.registerTool(flaky);
    const ok = await executor.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    expect(ok).toMatchObject({ success: true, attempts: 3 });
    expect(flaky.calls).toBe(3);

    const bad = scriptedTool(async () => {
      throw Object.assign(new Error("bad request"), { status: 400 });
    });
    executor.registerTool(bad);
    const res = await executor.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    expect(res).toMatchObject({ success: false, attempts: 1, errorCode: "HTTP_400" });
    expect(bad.calls).toBe(1);
    expect(await audit.getEntry(res.auditId as string)).toMatchObject({
      status: "failed",
      errorMessage: "bad request",
    });
  });

  it("gives each attempt a deadline and aborts its signal when it passes", async () => {
    const aborted: unknown[] = [];
    const slow = {
      ...scriptedTool(async () => null),
      run: (_p: Record<string, unknown>, _s: unknown, ctx: { signal: AbortSignal }) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve({ late: true }), 500);
          ctx.signal.addEventListener("abort", () => {
            aborted.push(ctx.signal.reason);
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        }),
    } as ToolDefinition;
    const quick = new ToolExecutor({
      companyId: "benova",
      auditManager: audit,
      timeoutMs: 30,
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    quick.setCalendarService(calendar).registerTool(slow);
    const res = await quick.executeTool({ toolName: "probe", parameters: { n: 1 }, userId: "u" });
    expect(res).toMatchObject({ success: false, errorCode: "ETIMEDOUT", attempts: 2, retriable: true });
    expect(aborted).toHaveLength(2);
    expect(await audit.getEntry(res.auditId as string)).toMatchObject({ status: "failed" });
  });

  it("replays a succeeded idempotency key without running again, also from another process", async () => {
    const counter = scriptedTool(async () => ({ value: 7 }));
    executor.registerTool(counter);
    const first = await executor.executeTool({
      toolName: "probe",
      parameters: { n: 1 },
      userId: "u",
      idempotencyKey: "benova:42:step-1",
    });
    // A second executor with its own audit manager over the same Redis plays the other process.
    const otherAudit = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis: testRedis(), prefix }),
      sealIntervalMs: 0,
    });
    const other = new ToolExecutor({ companyId: "benova", auditManager: otherAudit })
      .setCalendarService(calendar)
      .registerTool(counter);
    const second = await other.executeTool({
      toolName: "probe",
      parameters: { n: 1 },
      userId: "u",
      idempotencyKey: "benova:42:step-1",
    });
    expect(second).toMatchObject({
      success: true,
      replayed: true,
      auditId: first.auditId,
      data: { value: 7 },
    });
    expect(counter.calls).toBe(1);
  });

  it("compensates a booking: deletes the event, audits the undo linked to the original, and is idempotent", async () => {
    const res = await executor.executeTool(book());
    const eventId = (res.data as { event_id: string }).event_id;
    const undo = await executor.compensate(res.auditId as string, "email step failed");
    expect(undo.success).toBe(true);
    expect(await calendar.getBooking(eventId)).toBeNull();
    const original = await audit.getEntry(res.auditId as string);
    expect(original).toMatchObject({
      status: "compensated",
      compensationReason: "email step failed",
      compensationAuditId: undo.auditId,
    });
    expect(await audit.getEntry(undo.auditId as string)).toMatchObject({
      status: "success",
      linkedAuditId: res.auditId,
      actionName: "google_calendar.delete_booking",
    });
    const again = await executor.compensate(res.auditId as string, "again");
    expect(again).toMatchObject({ success: true, alreadyCompensated: true });
    expect((await audit.query({ actionType: "booking" })).entries).toHaveLength(2);
  });

  it("tells after a crash whether a booking or a ticket with a given key was made", async () => {
    executor.setTicketService(new LocalTicketService({ companyId: "benova" }));
    const ticket = {
      conversation_id: 9,
      subject: "Dolor tras limpieza",
      description: "Molestias",
      priority: "high" as const,
    };
    await executor.executeTool({
      toolName: "create_ticket",
      parameters: ticket,
      userId: "u",
      idempotencyKey: "k-ticket",
    });
    expect(
      await executor.reconcile({ toolName: "create_ticket", parameters: ticket, idempotencyKey: "k-ticket" }),
    ).toMatchObject({ happened: true, result: { status: "open" } });
    expect(
      await executor.reconcile({ toolName: "create_ticket", parameters: ticket, idempotencyKey: "k-other" }),
    ).toEqual({ happened: false });
    const params = book().parameters;
    await executor.executeTool({ ...book(), idempotencyKey: "k-book" });
    expect(
      await executor.reconcile({ toolName: "google_calendar", parameters: params, idempotencyKey: "k-book" }),
    ).toMatchObject({ happened: true });
    expect(
      await executor.reconcile({ toolName: "google_calendar", parameters: params, idempotencyKey: "k-none" }),
    ).toEqual({ happened: false });
    expect(
      await executor.reconcile({ toolName: "send_email", parameters: {}, idempotencyKey: "k" }),
    ).toBeNull();
  });

  it("refuses to compensate what cannot be undone", async () => {
    const availability = await executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "check_availability", date: FUTURE },
    });
    expect(await executor.compensate(availability.auditId as string, "x")).toMatchObject({
      success: false,
      errorCode: "NOT_COMPENSABLE",
    });
    const failed = await executor.executeTool(book({ time: "23:00" }));
    expect(failed.success).toBe(false);
    expect(await executor.compensate(failed.auditId as string, "x")).toMatchObject({
      success: false,
      errorCode: "ILLEGAL_STATE",
    });
  });

  it("describes tools with their JSON schema and whether their service is injected", () => {
    const info = executor.getToolInfo("google_calendar");
    expect(info).toMatchObject({
      compensable: true,
      compensationTool: "google_calendar",
      service: "calendar",
      serviceInjected: true,
      serviceSetter: "setCalendarService",
    });
    expect(JSON.stringify(info?.parameters)).toContain("booking_data");
    expect(executor.getToolInfo("send_email")).toMatchObject({
      serviceInjected: false,
      serviceSetter: "setEmailService",
      compensable: false,
    });
    expect(executor.getToolInfo("create_ticket")).toMatchObject({
      compensable: true,
      compensationTool: "close_ticket",
    });
    expect(executor.getAvailableTools().map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "knowledge_base",
        "google_calendar",
        "send_email",
        "send_whatsapp",
        "create_ticket",
        "transcribe_audio",
        "analyze_image",
        "text_to_speech",
      ]),
    );
  });

  it("exposes LangChain tools whose calls are audited", async () => {
    const tools = await executor.asLangChainTools({
      userId: "u-lc",
      agentName: "schedule",
      conversationId: "7",
      toolNames: ["google_calendar"],
    });
    expect(tools.map((t) => t.name)).toEqual(["google_calendar"]);
    const out = JSON.parse(String(await tools[0]?.invoke({ action: "check_availability", date: FUTURE })));
    expect(out).toMatchObject({ success: true, tool: "google_calendar" });
    expect((await audit.getUserActions("u-lc")).map((e) => e.agentName)).toEqual(["schedule"]);
  });

  it("emits one GenAI execute_tool span per execution without arguments", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const traced = new ToolExecutor({
      companyId: "benova",
      auditManager: audit,
      tracer: provider.getTracer("test"),
    }).setCalendarService(calendar);
    await traced.executeTool(book());
    await traced.executeTool(book({ time: "23:00" }));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([
      "execute_tool google_calendar",
      "execute_tool google_calendar",
    ]);
    expect(spans[0]?.attributes["gen_ai.tool.name"]).toBe("google_calendar");
    expect(spans[0]?.attributes["error.type"]).toBeUndefined();
    expect(spans[1]?.attributes["error.type"]).toBeTruthy();
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("Lucía");
  });
});

describe("ToolExecutor against the Google Calendar stand-in", () => {
  let google: GoogleCalendarStandIn;
  let rootUrl: string;
  let redis: Redis;
  let prefix: string;
  beforeAll(async () => {
    google = new GoogleCalendarStandIn();
    rootUrl = await google.start();
  });
  afterAll(() => google.close());
  beforeEach(() => {
    google.reset();
    redis = testRedis();
    prefix = uniquePrefix("gexec");
  });
  afterEach(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it("waits for a timed-out booking still in flight instead of failing or retrying it: one event", async () => {
    const audit = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis, prefix }),
      sealIntervalMs: 0,
    });
    const calendar = new GoogleCalendarService({
      calendarId: "clinic",
      rootUrl,
      auth: { accessToken: "t0ken-value" },
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
    const executor = new ToolExecutor({
      companyId: "benova",
      auditManager: audit,
      timeoutMs: 300,
      retry: { baseDelayMs: 400, maxDelayMs: 400, jitter: 0 },
    });
    executor.setCalendarService(calendar);
    google.delayNext(800, 1, { method: "POST", path: /\/events$/ });
    const res = await executor.executeTool({
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: { customer_name: "Ana", service: "Blanqueamiento", date: FUTURE, time: "11:00" },
      },
      userId: "u",
      idempotencyKey: "benova:conv-9:create_booking",
    });
    // The request could not be aborted and settled within the grace: it took effect, so it is the
    // outcome (no second attempt, no failure recorded for a booking that exists).
    expect(res).toMatchObject({ success: true, attempts: 1 });
    expect(google.events("clinic")).toHaveLength(1);
    expect(google.requests.filter((r) => r.method === "POST" && /\/events$/.test(r.path))).toHaveLength(1);
    expect(await audit.getEntry(res.auditId as string)).toMatchObject({ status: "success" });
  });

  it("fails closed when Redis is down: the tool never runs", async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(
      "redis-server",
      ["--port", String(port), "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    const own = new Redis({
      port,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    for (let i = 0; i < 50; i++) {
      try {
        await own.connect();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const audit = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis: own, prefix }),
      sealIntervalMs: 0,
    });
    const calendar = new GoogleCalendarService({
      calendarId: "clinic",
      rootUrl,
      auth: { accessToken: "t0ken-value" },
      timeZone: "Europe/Madrid",
      openingHours: HOURS,
    });
    const executor = new ToolExecutor({ companyId: "benova", auditManager: audit }).setCalendarService(
      calendar,
    );
    const params = {
      action: "create_booking" as const,
      booking_data: { customer_name: "Ana", service: "Botox", date: FUTURE, time: "12:00" },
    };
    expect(
      (await executor.executeTool({ toolName: "google_calendar", parameters: params, userId: "u" })).success,
    ).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const before = google.requests.length;
    const res = await executor.executeTool({
      toolName: "google_calendar",
      parameters: { ...params, booking_data: { ...params.booking_data, time: "13:00" } },
      userId: "u",
    });
    expect(res).toMatchObject({ success: false, errorCode: "AUDIT_UNAVAILABLE", auditId: null });
    expect(google.requests.length).toBe(before);
    expect(google.events("clinic")).toHaveLength(1);
    own.disconnect();
  });
});
