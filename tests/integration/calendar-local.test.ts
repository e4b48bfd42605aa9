import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BookingData,
  eventIdFor,
  type LocalCalendarOptions,
  LocalCalendarService,
  SlotUnavailableError,
} from "../../src/services/calendar/index.js";

const booking = (over: Partial<BookingData> = {}): BookingData => ({
  customer_name: "Luis Pérez",
  treatment: "Revisión",
  date: "2030-07-01",
  time: "10:00",
  ...over,
});

describe("LocalCalendarService (SQLite)", () => {
  let dir: string;
  let path: string;
  const open: LocalCalendarService[] = [];

  const calendar = (over: Partial<LocalCalendarOptions> = {}) => {
    const service = new LocalCalendarService({
      path,
      companyId: "benova",
      timeZone: "Europe/Madrid",
      openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
      now: () => new Date("2030-01-01T00:00:00Z"),
      ...over,
    });
    open.push(service);
    return service;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "calendar-local-"));
    path = join(dir, "calendar.db");
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps bookings in a WAL-mode file across restarts", async () => {
    const first = calendar();
    const created = await first.createBooking(booking(), { eventId: eventIdFor("persist") });
    await first.close();

    const reopened = calendar();
    const { already_existed: _, ...stored } = created;
    expect(await reopened.getBooking(eventIdFor("persist"))).toEqual(stored);
    const again = await reopened.createBooking(booking(), { eventId: eventIdFor("persist") });
    expect(again.already_existed).toBe(true);

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.prepare("SELECT company_id, status FROM calendar_events").all()).toEqual([
      { company_id: "benova", status: "confirmed" },
    ]);
    raw.close();
  });

  it("keeps tenants sharing one file apart", async () => {
    const benova = calendar();
    const other = calendar({ companyId: "otra-clinica" });
    const id = eventIdFor("benova:conv-1:book");
    await benova.createBooking(booking(), { eventId: id });

    // The other tenant's calendar is empty: same slot free, the id unknown, a delete touches nothing.
    expect((await other.checkAvailability("2030-07-01")).slots.map((s) => s.start)).toContain(
      "2030-07-01T10:00:00+02:00",
    );
    expect(await other.getBooking(id)).toBeNull();
    expect(await other.deleteBooking(id)).toMatchObject({ deleted: false, already_deleted: true });
    expect(await other.listBookings("2030-07-01")).toEqual({ bookings: [] });
    const theirs = await other.createBooking(booking(), { eventId: eventIdFor("otra:conv-9:book") });
    expect(theirs.already_existed).toBe(false);

    expect((await benova.getBooking(id))?.status).toBe("confirmed");
    expect((await benova.listBookings("2030-07-01")).bookings.map((b) => b.event_id)).toEqual([id]);
  });

  it("of several bookings racing for one slot exactly one wins, also across connections", async () => {
    const a = calendar();
    const b = calendar();
    const attempts = [a, b, a, b, a].map((c, i) =>
      c.createBooking(booking(), { eventId: eventIdFor(`race-${i}`) }),
    );
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    for (const err of lost) expect(err).toBeInstanceOf(SlotUnavailableError);
    expect((await a.listBookings("2030-07-01")).bookings).toHaveLength(1);
  });

  it("works in memory as the embedded default", async () => {
    const mem = calendar({ path: ":memory:" });
    await mem.createBooking(booking(), { eventId: eventIdFor("m") });
    expect((await mem.listBookings()).bookings.map((b) => b.time)).toEqual(["10:00"]);
    expect(mem.name).toBe("local");
  });

  it("refuses unusable settings with an error naming the option", () => {
    expect(() => calendar({ timeZone: "Mars/Olympus" })).toThrow(/timeZone/);
    expect(() => calendar({ companyId: "" })).toThrow(/companyId/);
    expect(() =>
      calendar({ openingHours: { days: [1], open: "18:00", close: "09:00", slotMinutes: 30 } }),
    ).toThrow(/openingHours/);
  });
});
