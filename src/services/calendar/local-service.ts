import type Database from "better-sqlite3";
import { openSqlite } from "../../util/sqlite.js";
import { CalendarServiceBase, type CalendarServiceOptions, type InsertOutcome } from "./base-service.js";
import type { EventRecord } from "./booking-event.js";
import { CalendarConfigError } from "./errors.js";
import type { Interval } from "./schedule.js";

export interface LocalCalendarOptions extends CalendarServiceOptions {
  /** SQLite file (created if missing) or ":memory:". */
  path: string;
  /** Tenant: every row is scoped to it, so tenants sharing a file never see each other's events. */
  companyId: string;
  /** Default "primary". */
  calendarId?: string;
}

interface EventRow {
  event_id: string;
  summary: string;
  description: string;
  start_ms: number;
  end_ms: number;
  status: "confirmed" | "cancelled";
  properties: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calendar_events (
  company_id  TEXT    NOT NULL,
  calendar_id TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  summary     TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  start_ms    INTEGER NOT NULL,
  end_ms      INTEGER NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
  properties  TEXT    NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (company_id, calendar_id, event_id)
);
CREATE INDEX IF NOT EXISTS calendar_events_by_start
  ON calendar_events (company_id, calendar_id, status, start_ms);
`;

const COLUMNS = "event_id, summary, description, start_ms, end_ms, status, properties";
const SCOPE = "company_id = @company AND calendar_id = @calendar";

/**
 * The embedded calendar: the same booking rules as Google Calendar over a SQLite file (WAL).
 * Deleting marks an event cancelled, as Google does, so a cancelled id cannot be booked again.
 * The free/busy re-check and the insert run in one write transaction, so two bookings racing
 * for one slot cannot both win.
 *
 * @example
 * const calendar = new LocalCalendarService({ path: ".data/calendar.db", companyId: "benova",
 *   timeZone: "Europe/Madrid", openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 } });
 */
export class LocalCalendarService extends CalendarServiceBase {
  readonly name = "local";
  private readonly db: Database.Database;
  private readonly scope: { company: string; calendar: string };
  private readonly insertAtomically: (event: EventRecord) => InsertOutcome;

  constructor(options: LocalCalendarOptions) {
    super(options);
    if (typeof options.companyId !== "string" || options.companyId.trim() === "") {
      throw new CalendarConfigError("companyId", "the tenant id, e.g. benova");
    }
    if (typeof options.path !== "string" || options.path === "") {
      throw new CalendarConfigError("path", 'a SQLite file path or ":memory:"');
    }
    this.scope = { company: options.companyId, calendar: options.calendarId ?? "primary" };
    this.db = openSqlite(options.path);
    this.db.exec(SCHEMA);
    const insert = this.db.transaction((event: EventRecord): InsertOutcome => {
      const existing = this.row(event.eventId);
      if (existing) {
        return existing.status === "cancelled"
          ? { kind: "cancelled" }
          : { kind: "existing", event: toEvent(existing) };
      }
      if (this.busy(event.interval).length > 0) return { kind: "conflict" };
      const now = Date.now();
      this.db
        .prepare(
          `INSERT INTO calendar_events (company_id, calendar_id, ${COLUMNS}, created_at, updated_at)
             VALUES (@company, @calendar, @event_id, @summary, @description, @start_ms, @end_ms, 'confirmed', @properties, @now, @now)`,
        )
        .run({
          ...this.scope,
          event_id: event.eventId,
          summary: event.summary,
          description: event.description,
          start_ms: event.interval.start,
          end_ms: event.interval.end,
          properties: JSON.stringify(event.properties),
          now,
        });
      return { kind: "created", event: { ...event, status: "confirmed" } };
    });
    this.insertAtomically = (event) => insert.immediate(event);
  }

  protected async busyIntervals(window: Interval): Promise<Interval[]> {
    return this.busy(window);
  }

  protected async insertEvent(event: EventRecord): Promise<InsertOutcome> {
    return this.insertAtomically(event);
  }

  protected async readEvent(eventId: string): Promise<EventRecord | null> {
    const row = this.row(eventId);
    return row ? toEvent(row) : null;
  }

  protected async removeEvent(eventId: string): Promise<"deleted" | "absent"> {
    const info = this.db
      .prepare(
        `UPDATE calendar_events SET status = 'cancelled', updated_at = @now
         WHERE ${SCOPE} AND event_id = @id AND status = 'confirmed'`,
      )
      .run({ ...this.scope, id: eventId, now: Date.now() });
    return info.changes > 0 ? "deleted" : "absent";
  }

  protected async listEvents(window: { start: number; end?: number }): Promise<EventRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM calendar_events
         WHERE ${SCOPE} AND status = 'confirmed' AND start_ms < @end AND end_ms > @start
         ORDER BY start_ms, event_id`,
      )
      .all({ ...this.scope, start: window.start, end: window.end ?? Number.MAX_SAFE_INTEGER }) as EventRow[];
    return rows.map(toEvent);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private row(eventId: string): EventRow | undefined {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM calendar_events WHERE ${SCOPE} AND event_id = @id`)
      .get({ ...this.scope, id: eventId }) as EventRow | undefined;
  }

  private busy(window: Interval): Interval[] {
    const rows = this.db
      .prepare(
        `SELECT start_ms, end_ms FROM calendar_events
         WHERE ${SCOPE} AND status = 'confirmed' AND start_ms < @end AND end_ms > @start`,
      )
      .all({ ...this.scope, start: window.start, end: window.end }) as { start_ms: number; end_ms: number }[];
    return rows.map((r) => ({ start: r.start_ms, end: r.end_ms }));
  }
}

function toEvent(row: EventRow): EventRecord {
  return {
    eventId: row.event_id,
    summary: row.summary,
    description: row.description,
    interval: { start: row.start_ms, end: row.end_ms },
    status: row.status,
    properties: JSON.parse(row.properties) as Record<string, string>,
  };
}
