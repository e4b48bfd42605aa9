/**
 * A worker process for the orphan-recovery tests: it books one visit through the ToolExecutor
 * (plain call, no saga) against a local SQLite calendar file the parent also opens, and reports
 * `in_flight` from inside the handler so the parent can SIGKILL it there: `after` the event was
 * written (the effect happened, the outcome was never recorded) or `before` it (nothing happened).
 * Started with `fork(..., { execArgv: ["--import", "tsx"] })`; settings come as JSON in ORPHAN_CHILD.
 */
import { Redis } from "ioredis";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { type BookingData, LocalCalendarService } from "../../src/services/calendar/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import { ORPHAN_HOURS, type OrphanChildConfig } from "./orphan-child-config.js";

async function main(): Promise<void> {
  const config = JSON.parse(process.env.ORPHAN_CHILD ?? "null") as OrphanChildConfig | null;
  if (!config) throw new Error("ORPHAN_CHILD is not set: this file is started by the orphan tests");
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const audit = new AuditManager({
    companyId: config.companyId,
    store: new RedisAuditStore({ redis, prefix: config.prefix }),
    sealIntervalMs: 0,
    owner: `orphan-child:${process.pid}`,
  });
  const calendar = new LocalCalendarService({
    path: config.calendarPath,
    companyId: config.companyId,
    timeZone: "Europe/Madrid",
    openingHours: ORPHAN_HOURS,
  });
  // The real service; the process only pauses at the kill point (the parent kills it there).
  const createBooking = calendar.createBooking.bind(calendar);
  calendar.createBooking = async (data: BookingData, opts: { eventId: string }) => {
    if (config.when === "before") {
      process.send?.({ type: "in_flight" });
      return new Promise(() => undefined);
    }
    await createBooking(data, opts);
    process.send?.({ type: "in_flight" });
    return new Promise(() => undefined);
  };
  const executor = new ToolExecutor({
    companyId: config.companyId,
    auditManager: audit,
    leaseMs: config.leaseMs,
  }).setCalendarService(calendar);
  // `<string>`: the booking arrives as JSON, unchecked; the tool validates it at run time.
  await executor.executeTool<string>({
    toolName: "google_calendar",
    parameters: { action: "create_booking", booking_data: config.booking },
    userId: "34600111222",
    agentName: "schedule",
    conversationId: "77",
    idempotencyKey: config.idempotencyKey,
  });
  process.stderr.write("orphan child: the call returned, but it should have been killed in flight\n");
  process.exit(3);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `orphan child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(3);
});
