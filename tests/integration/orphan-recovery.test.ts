import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { SqliteSagaStore } from "../../src/saga/sqlite/sqlite-saga-store.js";
import { eventIdFor, LocalCalendarService } from "../../src/services/calendar/index.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { ORPHAN_HOURS, type OrphanChildConfig } from "../support/orphan-child-config.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";

const CHILD = fileURLToPath(new URL("../support/orphan-child.ts", import.meta.url));
const LEASE_MS = 6_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const booking = {
  customer_name: "Lucía Pérez",
  service: "Limpieza dental",
  date: "2031-05-06",
  time: "10:00",
};

/** Runs one booking in a worker process and SIGKILLs it inside the handler. */
async function killInFlight(config: OrphanChildConfig): Promise<void> {
  const child = fork(CHILD, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ORPHAN_CHILD: JSON.stringify(config) },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_c, s) => resolve(s)));
  child.on("message", (m: { type?: string }) => {
    if (m.type === "in_flight") child.kill("SIGKILL");
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const signal = await exited;
  clearTimeout(guard);
  expect(stderr).toBe("");
  expect(signal).toBe("SIGKILL");
}

describe("recovery of plain tool calls whose process died (orphans)", () => {
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let audit: AuditManager;
  let calendar: LocalCalendarService;
  let executor: ToolExecutor;
  let sagas: CompensationOrchestrator;
  const config = (when: "after" | "before", idempotencyKey: string, time = "10:00"): OrphanChildConfig => ({
    redisUrl: inject("redisUrl"),
    prefix,
    companyId: "benova",
    calendarPath: join(dir, "calendar.db"),
    when,
    idempotencyKey,
    leaseMs: LEASE_MS,
    booking: { ...booking, time },
  });

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix("orphan");
    dir = mkdtempSync(join(tmpdir(), "agent-ledger-orphan-"));
    audit = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis, prefix }),
      sealIntervalMs: 0,
      owner: "recoverer",
    });
    calendar = new LocalCalendarService({
      path: join(dir, "calendar.db"),
      companyId: "benova",
      timeZone: "Europe/Madrid",
      openingHours: ORPHAN_HOURS,
    });
    executor = new ToolExecutor({ companyId: "benova", auditManager: audit }).setCalendarService(calendar);
    sagas = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: audit,
      store: new SqliteSagaStore({ path: join(dir, "sagas.db") }),
      toolExecutor: executor,
      owner: "recoverer",
    });
  });
  afterEach(async () => {
    calendar.close?.();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const pendingOf = async (key: string) => {
    const entry = await audit.findByIdempotencyKey(key);
    if (!entry) throw new Error(`no audit entry for ${key}`);
    return entry;
  };

  it("closes a booking killed after the event was made as success with its undo, and one killed before as failed", async () => {
    await Promise.all([
      killInFlight(config("after", "benova:77:book-a", "10:00")),
      killInFlight(config("before", "benova:77:book-b", "11:00")),
    ]);
    const made = await pendingOf("benova:77:book-a");
    const notMade = await pendingOf("benova:77:book-b");
    expect(made).toMatchObject({ status: "pending", leaseOwner: expect.stringMatching(/^orphan-child:/) });
    expect(notMade.status).toBe("pending");

    // While the dead worker's leases are live, recovery leaves the entries alone.
    const early = await sagas.recoverSagas();
    expect(early.orphans).toMatchObject({ examined: 2, leased: 2, closed: [] });
    expect((await audit.getEntry(made.auditId))?.status).toBe("pending");

    const lapse = Math.max(Date.parse(made.leaseUntil ?? ""), Date.parse(notMade.leaseUntil ?? ""));
    await sleep(lapse - Date.now() + 50);
    const report = await sagas.recoverSagas();
    const eventId = eventIdFor("benova:77:book-a");
    expect(report.orphans.closed.map((c) => [c.auditId, c.to]).sort()).toEqual(
      [
        [made.auditId, "success"],
        [notMade.auditId, "failed"],
      ].sort(),
    );
    expect(await audit.getEntry(made.auditId)).toMatchObject({
      status: "success",
      result: { event_id: eventId },
      compensationParams: { action: "delete_booking", event_id: eventId },
      leaseOwner: null,
    });
    expect(await audit.getEntry(notMade.auditId)).toMatchObject({ status: "failed" });
    expect(await calendar.getBooking(eventIdFor("benova:77:book-b"))).toBeNull();
    expect((await audit.query({ status: "pending" })).entries).toEqual([]);

    // Recorded with its undo, the booking can now be compensated like any other.
    const undo = await executor.compensate(made.auditId, "the worker died mid-conversation");
    expect(undo).toMatchObject({ success: true, retriable: false });
    expect(await calendar.getBooking(eventId)).toBeNull();
    expect((await audit.getEntry(made.auditId))?.status).toBe("compensated");
    expect((await audit.verify()).findings).toEqual([]);
  }, 60_000);

  it("marks what no tool can reconcile needs_attention, reconciles tickets, and leaves saga steps and live leases alone", async () => {
    const tickets = new LocalTicketService({ companyId: "benova" });
    executor.setTicketService(tickets);
    // A manager whose process then exits: it wrote these pending and never came back.
    const dead = new AuditManager({
      companyId: "benova",
      store: new RedisAuditStore({ redis, prefix }),
      sealIntervalMs: 0,
      owner: "dead-worker",
      leaseMs: 100,
    });
    const email = await dead.logAction({
      userId: "u1",
      actionType: "notification",
      actionName: "send_email",
      inputParams: { to_email: "lucia@example.com", template_name: "appointment_confirmation" },
      idempotencyKey: "benova:77:email",
    });
    const ticketParams = { conversation_id: 77, subject: "Dolor tras limpieza", description: "Molestias" };
    await tickets.createTicket({ ...ticketParams, priority: "high" }, { idempotencyKey: "benova:77:ticket" });
    const ticket = await dead.logAction({
      userId: "u1",
      actionType: "ticket",
      actionName: "create_ticket",
      inputParams: ticketParams,
      compensable: true,
      compensationAction: "close_ticket",
      idempotencyKey: "benova:77:ticket",
    });
    const { sagaId } = await sagas.createSaga({ userId: "u1", sagaName: "booking", conversationId: "77" });
    const sagaStep = await dead.logAction({
      userId: "u1",
      actionType: "booking",
      actionName: "google_calendar.create_booking",
      sagaId,
    });
    const alive = await dead.logAction({
      userId: "u1",
      actionType: "api_call",
      actionName: "send_whatsapp",
      leaseMs: 60_000,
    });
    await sleep(150);

    const report = await sagas.recoverOrphans();
    expect(report.leased).toBe(1);
    expect(report.skipped).toEqual([{ auditId: sagaStep.auditId, reason: `saga ${sagaId} recovers it` }]);
    expect(Object.fromEntries(report.closed.map((c) => [c.auditId, c.to]))).toEqual({
      [email.auditId]: "needs_attention",
      [ticket.auditId]: "success",
    });
    expect(await audit.getEntry(ticket.auditId)).toMatchObject({
      status: "success",
      compensationParams: { ticket_id: expect.any(String), reason: "rolled back" },
    });
    const attention = (await audit.query({ status: "needs_attention" })).entries;
    expect(attention.map((e) => e.auditId)).toEqual([email.auditId]);
    expect(attention[0]?.errorMessage).toMatch(/check it by hand/);
    expect((await audit.getEntry(alive.auditId))?.status).toBe("pending");
    expect((await audit.getEntry(sagaStep.auditId))?.status).toBe("pending");
    expect((await audit.verify()).findings).toEqual([]);
  });
});
