import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BookingCancelledError,
  type BookingData,
  BookingInPastError,
  type CalendarService,
  eventIdFor,
  GoogleCalendarService,
  InvalidBookingError,
  LocalCalendarService,
  type OpeningHours,
  OutsideOpeningHoursError,
  SlotUnavailableError,
} from "../../src/services/calendar/index.js";
import { GoogleCalendarStandIn } from "../support/google-calendar-stand-in.js";

// Mon-Fri, four half-hour slots a day: 09:00, 09:30, 10:00, 10:30.
const HOURS: OpeningHours = { days: [1, 2, 3, 4, 5], open: "09:00", close: "11:00", slotMinutes: 30 };
const TZ = "Europe/Madrid";

interface Harness {
  service: CalendarService;
  cleanup(): Promise<void>;
}

type Factory = (clock: () => Date) => Promise<Harness>;

const implementations: { name: string; make: Factory }[] = [
  {
    name: "google (googleapis against the stand-in)",
    make: async (clock) => {
      const standIn = new GoogleCalendarStandIn();
      const rootUrl = await standIn.start();
      const service = new GoogleCalendarService({
        calendarId: "clinic@group.calendar.google.com",
        rootUrl,
        auth: { accessToken: "test-token" },
        timeZone: TZ,
        openingHours: HOURS,
        now: clock,
      });
      return { service, cleanup: () => standIn.close() };
    },
  },
  {
    name: "local (SQLite file)",
    make: async (clock) => {
      const dir = mkdtempSync(join(tmpdir(), "calendar-contract-"));
      const service = new LocalCalendarService({
        path: join(dir, "calendar.db"),
        companyId: "benova",
        timeZone: TZ,
        openingHours: HOURS,
        now: clock,
      });
      return {
        service,
        cleanup: async () => {
          await service.close?.();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

const booking = (over: Partial<BookingData> = {}): BookingData => ({
  customer_name: "Ana López",
  customer_email: "ana@example.com",
  customer_phone: "+34 600 000 000",
  treatment: "Limpieza dental",
  date: "2030-07-01",
  time: "10:00",
  ...over,
});

describe.each(implementations)("calendar contract: $name", ({ make }) => {
  let now: Date;
  let h: Harness;
  let calendar: CalendarService;

  beforeEach(async () => {
    now = new Date("2030-01-01T00:00:00Z");
    h = await make(() => now);
    calendar = h.service;
  });
  afterEach(() => h.cleanup());

  it("books a slot and reads it back at the right instant, summer and winter", async () => {
    const summer = await calendar.createBooking(booking(), { eventId: eventIdFor("summer") });
    expect(summer).toMatchObject({
      event_id: eventIdFor("summer"),
      start: "2030-07-01T10:00:00+02:00",
      end: "2030-07-01T10:30:00+02:00",
      date: "2030-07-01",
      time: "10:00",
      duration_minutes: 30,
      customer_name: "Ana López",
      treatment: "Limpieza dental",
      service: "Limpieza dental",
      summary: "Limpieza dental – Ana López",
      status: "confirmed",
      already_existed: false,
    });
    expect(Date.parse(summer.start)).toBe(Date.UTC(2030, 6, 1, 8, 0));

    const winter = await calendar.createBooking(booking({ date: "2030-01-14", duration_minutes: 45 }), {
      eventId: eventIdFor("winter"),
    });
    expect(winter.start).toBe("2030-01-14T10:00:00+01:00");
    expect(winter.end).toBe("2030-01-14T10:45:00+01:00");
    expect(Date.parse(winter.start)).toBe(Date.UTC(2030, 0, 14, 9, 0));

    const { already_existed: _, ...stored } = summer;
    expect(await calendar.getBooking(summer.event_id)).toEqual(stored);
    expect((await calendar.listBookings("2030-07-01")).bookings).toEqual([stored]);
  });

  it("accepts the older name service for treatment, and refuses both when they differ, naming both", async () => {
    const { treatment: _, ...rest } = booking();
    const viaAlias = await calendar.createBooking(
      { ...rest, service: "Ortodoncia" },
      { eventId: eventIdFor("alias") },
    );
    expect(viaAlias).toMatchObject({ treatment: "Ortodoncia", summary: "Ortodoncia – Ana López" });
    const same = await calendar.createBooking(
      { ...rest, treatment: "Peeling", service: " Peeling ", time: "09:00" },
      { eventId: eventIdFor("same") },
    );
    expect(same.treatment).toBe("Peeling");
    const err = await calendar
      .createBooking(
        { ...rest, treatment: "Peeling", service: "Botox", time: "09:30" },
        { eventId: eventIdFor("both") },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidBookingError);
    expect((err as Error).message).toMatch(/booking_data\.treatment.*booking_data\.service/);
    expect(await calendar.getBooking(eventIdFor("both"))).toBeNull();
  });

  it("creating the same event id twice keeps one booking and says it already existed", async () => {
    const id = eventIdFor("benova:conv-1:book");
    const first = await calendar.createBooking(booking(), { eventId: id });
    const second = await calendar.createBooking(booking(), { eventId: id });
    expect(first.already_existed).toBe(false);
    expect(second).toMatchObject({ event_id: id, start: first.start, already_existed: true });
    expect((await calendar.listBookings("2030-07-01")).bookings).toHaveLength(1);
  });

  it("refuses a taken slot and offers the nearest free slots, same day first, then next opening days", async () => {
    // Friday 2030-07-05: 09:00-10:00 and 10:00-10:30 are taken; only 10:30 is left that day.
    await calendar.createBooking(booking({ date: "2030-07-05", time: "09:00", duration_minutes: 60 }), {
      eventId: eventIdFor("other-a"),
    });
    await calendar.createBooking(booking({ date: "2030-07-05", time: "10:00" }), {
      eventId: eventIdFor("other-b"),
    });

    const refused = calendar.createBooking(booking({ date: "2030-07-05", time: "09:30" }), {
      eventId: eventIdFor("mine"),
    });
    await expect(refused).rejects.toBeInstanceOf(SlotUnavailableError);
    const err = (await refused.catch((e: unknown) => e)) as SlotUnavailableError;
    expect(err.code).toBe("SLOT_TAKEN");
    expect(err.retriable).toBe(false);
    // The weekend is closed, so the next opening day is Monday.
    expect(err.alternatives.map((a) => `${a.date} ${a.time}`)).toEqual([
      "2030-07-05 10:30",
      "2030-07-08 09:00",
      "2030-07-08 09:30",
    ]);
    expect(err.alternatives[0]).toMatchObject({
      start: "2030-07-05T10:30:00+02:00",
      end: "2030-07-05T11:00:00+02:00",
    });
    expect(err.message).toContain("2030-07-05 10:30, 2030-07-08 09:00, 2030-07-08 09:30");
    expect(await calendar.getBooking(eventIdFor("mine"))).toBeNull();
    expect((await calendar.listBookings("2030-07-05")).bookings).toHaveLength(2);
  });

  it("a longer booking is refused when it runs into the next one", async () => {
    await calendar.createBooking(booking({ time: "10:30" }), { eventId: eventIdFor("later") });
    await expect(
      calendar.createBooking(booking({ time: "10:00", duration_minutes: 60 }), {
        eventId: eventIdFor("long"),
      }),
    ).rejects.toBeInstanceOf(SlotUnavailableError);
  });

  it("deleting is idempotent, frees the slot, and a cancelled id is not booked again", async () => {
    const id = eventIdFor("to-cancel");
    await calendar.createBooking(booking(), { eventId: id });
    expect(await calendar.deleteBooking(id)).toEqual({ event_id: id, deleted: true, already_deleted: false });
    expect(await calendar.deleteBooking(id)).toEqual({ event_id: id, deleted: false, already_deleted: true });
    expect(await calendar.deleteBooking(eventIdFor("never-made"))).toMatchObject({
      deleted: false,
      already_deleted: true,
    });
    expect(await calendar.getBooking(id)).toBeNull();
    expect((await calendar.listBookings("2030-07-01")).bookings).toEqual([]);
    const slots = (await calendar.checkAvailability("2030-07-01")).slots.map((s) => s.start);
    expect(slots).toContain("2030-07-01T10:00:00+02:00");

    await expect(calendar.createBooking(booking(), { eventId: id })).rejects.toBeInstanceOf(
      BookingCancelledError,
    );
    const other = await calendar.createBooking(booking(), { eventId: eventIdFor("someone-else") });
    expect(other.already_existed).toBe(false);
    await expect(calendar.createBooking(booking(), { eventId: id })).rejects.toBeInstanceOf(
      BookingCancelledError,
    );
  });

  it("availability leaves out busy, past and closed-day slots", async () => {
    await calendar.createBooking(booking({ time: "09:30" }), { eventId: eventIdFor("b1") });
    const monday = await calendar.checkAvailability("2030-07-01");
    expect(monday).toEqual({
      date: "2030-07-01",
      time_zone: TZ,
      open: true,
      slots: [
        { start: "2030-07-01T09:00:00+02:00", end: "2030-07-01T09:30:00+02:00" },
        { start: "2030-07-01T10:00:00+02:00", end: "2030-07-01T10:30:00+02:00" },
        { start: "2030-07-01T10:30:00+02:00", end: "2030-07-01T11:00:00+02:00" },
      ],
    });
    await calendar.createBooking(booking({ time: "10:00", duration_minutes: 60 }), {
      eventId: eventIdFor("b2"),
    });
    expect((await calendar.checkAvailability("2030-07-01")).slots.map((s) => s.start)).toEqual([
      "2030-07-01T09:00:00+02:00",
    ]);
    expect(await calendar.checkAvailability("2030-07-07")).toEqual({
      date: "2030-07-07",
      time_zone: TZ,
      open: false,
      slots: [],
    });
    now = new Date("2030-07-02T07:45:00Z"); // Tuesday 09:45 in Madrid
    expect((await calendar.checkAvailability("2030-07-02")).slots.map((s) => s.start)).toEqual([
      "2030-07-02T10:00:00+02:00",
      "2030-07-02T10:30:00+02:00",
    ]);
    await expect(calendar.checkAvailability("2030-13-01")).rejects.toMatchObject({ field: "date" });
  });

  it("lists one day's bookings, or everything from today on", async () => {
    await calendar.createBooking(booking({ date: "2030-07-05", time: "10:30" }), {
      eventId: eventIdFor("fri"),
    });
    await calendar.createBooking(booking({ date: "2030-07-01", time: "10:00" }), {
      eventId: eventIdFor("mon"),
    });
    await calendar.createBooking(booking({ date: "2030-07-02", time: "09:00" }), {
      eventId: eventIdFor("tue"),
    });
    now = new Date("2030-07-02T05:00:00Z"); // Tuesday 07:00 in Madrid
    const upcoming = (await calendar.listBookings()).bookings;
    expect(upcoming.map((b) => `${b.date} ${b.time}`)).toEqual(["2030-07-02 09:00", "2030-07-05 10:30"]);
    expect(upcoming[0]).toMatchObject({ event_id: eventIdFor("tue"), customer_name: "Ana López" });
    expect((await calendar.listBookings("2030-07-01")).bookings.map((b) => b.event_id)).toEqual([
      eventIdFor("mon"),
    ]);
  });

  it("invalid booking data is refused naming the field, and nothing is booked", async () => {
    const cases: [Partial<BookingData> | Record<string, unknown>, string][] = [
      [{ date: "2030-02-30" }, "date"],
      [{ date: "01/07/2030" }, "date"],
      [{ time: "9:30" }, "time"],
      [{ time: "24:00" }, "time"],
      [{ duration_minutes: 4 }, "duration_minutes"],
      [{ duration_minutes: 481 }, "duration_minutes"],
      [{ duration_minutes: 30.5 }, "duration_minutes"],
      [{ customer_name: "  " }, "customer_name"],
      [{ treatment: undefined }, "treatment"],
      [{ treatment: "  " }, "treatment"],
      [{ service: "Peeling" }, "treatment"],
      [{ customer_email: "not-an-email" }, "customer_email"],
    ];
    for (const [over, field] of cases) {
      const data = { ...booking(), ...over } as BookingData;
      const err = await calendar.createBooking(data, { eventId: eventIdFor(field) }).catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(InvalidBookingError);
      expect((err as InvalidBookingError).field).toBe(field);
      expect((err as Error).message).toContain(field);
    }
    await expect(calendar.createBooking(booking(), { eventId: "NOT-valid" })).rejects.toMatchObject({
      field: "event_id",
    });
    await expect(calendar.deleteBooking("abc")).rejects.toMatchObject({ field: "event_id" });
    expect((await calendar.listBookings()).bookings).toEqual([]);
  });

  it("refuses bookings in the past and outside opening hours", async () => {
    now = new Date("2030-07-01T08:30:00Z"); // Monday 10:30 in Madrid
    await expect(
      calendar.createBooking(booking({ time: "10:00" }), { eventId: eventIdFor("p") }),
    ).rejects.toBeInstanceOf(BookingInPastError);
    const outside: Partial<BookingData>[] = [
      { date: "2030-07-07", time: "10:00" }, // Sunday
      { date: "2030-07-02", time: "08:30" }, // before opening
      { date: "2030-07-02", time: "10:45" }, // ends 11:15, after closing
      { date: "2030-07-02", time: "10:30", duration_minutes: 60 },
    ];
    for (const over of outside) {
      const err = await calendar
        .createBooking(booking(over), { eventId: eventIdFor("o") })
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(over)).toBeInstanceOf(OutsideOpeningHoursError);
      expect((err as Error).message).toContain("Mon, Tue, Wed, Thu, Fri 09:00-11:00 (Europe/Madrid)");
    }
    const lastSlot = await calendar.createBooking(booking({ date: "2030-07-02", time: "10:30" }), {
      eventId: eventIdFor("last"),
    });
    expect(lastSlot.end).toBe("2030-07-02T11:00:00+02:00");
  });
});
