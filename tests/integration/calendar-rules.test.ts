import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  eventIdFor,
  InvalidBookingError,
  LocalCalendarService,
  utcToZonedTime,
  validateBookingData,
  zonedTimeExists,
  zonedTimeToUtc,
} from "../../src/services/calendar/index.js";
import { dayBoundsUtc } from "../../src/services/calendar/time-zone.js";

const MADRID = "Europe/Madrid";
const utc = (iso: string) => new Date(iso).getTime();

describe("time zone conversion", () => {
  it("turns Madrid wall time into the right UTC instant in winter and summer", () => {
    expect(zonedTimeToUtc("2030-01-14", "10:00", MADRID).toISOString()).toBe("2030-01-14T09:00:00.000Z");
    expect(zonedTimeToUtc("2030-07-01", "10:00", MADRID).toISOString()).toBe("2030-07-01T08:00:00.000Z");
    expect(zonedTimeToUtc("2030-07-01", "10:00", "America/New_York").toISOString()).toBe(
      "2030-07-01T14:00:00.000Z",
    );
    expect(zonedTimeToUtc("2030-01-14", "10:00", "Asia/Kolkata").toISOString()).toBe(
      "2030-01-14T04:30:00.000Z",
    );
    expect(zonedTimeToUtc("2030-01-14", "00:00", "UTC").toISOString()).toBe("2030-01-14T00:00:00.000Z");
  });

  it("handles the March change (clocks jump from 02:00 to 03:00 on 2030-03-31)", () => {
    expect(zonedTimeToUtc("2030-03-31", "01:59", MADRID).toISOString()).toBe("2030-03-31T00:59:00.000Z");
    expect(zonedTimeToUtc("2030-03-31", "03:00", MADRID).toISOString()).toBe("2030-03-31T01:00:00.000Z");
    expect(zonedTimeToUtc("2030-03-31", "10:00", MADRID).toISOString()).toBe("2030-03-31T08:00:00.000Z");
    // 02:30 does not exist: it moves forward by the gap, and is reported as missing.
    expect(zonedTimeToUtc("2030-03-31", "02:30", MADRID).toISOString()).toBe("2030-03-31T01:30:00.000Z");
    expect(zonedTimeExists("2030-03-31", "02:30", MADRID)).toBe(false);
    expect(zonedTimeExists("2030-03-31", "03:30", MADRID)).toBe(true);
    const { start, end } = dayBoundsUtc("2030-03-31", MADRID);
    expect(end.getTime() - start.getTime()).toBe(23 * 3_600_000);
  });

  it("handles the October change (02:00-03:00 happens twice on 2030-10-27)", () => {
    expect(zonedTimeToUtc("2030-10-27", "01:59", MADRID).toISOString()).toBe("2030-10-26T23:59:00.000Z");
    expect(zonedTimeToUtc("2030-10-27", "02:30", MADRID).toISOString()).toBe("2030-10-27T00:30:00.000Z"); // earlier
    expect(zonedTimeToUtc("2030-10-27", "03:00", MADRID).toISOString()).toBe("2030-10-27T02:00:00.000Z");
    expect(utcToZonedTime(utc("2030-10-27T00:30:00Z"), MADRID)).toEqual({
      date: "2030-10-27",
      time: "02:30",
      offsetMinutes: 120,
    });
    expect(utcToZonedTime(utc("2030-10-27T01:30:00Z"), MADRID)).toEqual({
      date: "2030-10-27",
      time: "02:30",
      offsetMinutes: 60,
    });
    const { start, end } = dayBoundsUtc("2030-10-27", MADRID);
    expect(end.getTime() - start.getTime()).toBe(25 * 3_600_000);
  });

  it("round-trips every quarter hour across both changes", () => {
    for (const from of ["2030-03-30T00:00:00Z", "2030-10-26T00:00:00Z"]) {
      for (let t = utc(from); t < utc(from) + 3 * 86_400_000; t += 900_000) {
        const wall = utcToZonedTime(t, MADRID);
        const back = zonedTimeToUtc(wall.date, wall.time, MADRID).getTime();
        // The second 02:xx of October maps back to the first one, one hour earlier.
        const repeated =
          wall.offsetMinutes === 60 &&
          from.startsWith("2030-10") &&
          wall.date === "2030-10-27" &&
          wall.time.startsWith("02:");
        expect(back, new Date(t).toISOString()).toBe(repeated ? t - 3_600_000 : t);
      }
    }
  });

  it("availability on a clock-change day skips the missing hour, and a booking in it is refused", async () => {
    const calendar = new LocalCalendarService({
      path: ":memory:",
      companyId: "night-clinic",
      timeZone: MADRID,
      openingHours: { days: [0], open: "00:00", close: "05:00", slotMinutes: 60 },
      now: () => new Date("2030-01-01T00:00:00Z"),
    });
    const { slots } = await calendar.checkAvailability("2030-03-31");
    expect(slots).toEqual([
      { start: "2030-03-31T00:00:00+01:00", end: "2030-03-31T01:00:00+01:00" },
      { start: "2030-03-31T01:00:00+01:00", end: "2030-03-31T03:00:00+02:00" },
      { start: "2030-03-31T03:00:00+02:00", end: "2030-03-31T04:00:00+02:00" },
      { start: "2030-03-31T04:00:00+02:00", end: "2030-03-31T05:00:00+02:00" },
    ]);
    const err = await calendar
      .createBooking(
        { customer_name: "A", service: "S", date: "2030-03-31", time: "02:30" },
        { eventId: eventIdFor("gap") },
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "InvalidBookingError", field: "time" });
    await calendar.close();
  });
});

describe("eventIdFor", () => {
  it("is base32hex of the first 20 bytes of sha256(key): stable, Google-valid, distinct per key", () => {
    const key = "benova:conv-42:book";
    const digest = createHash("sha256").update(key).digest().subarray(0, 20);
    // BigInt's radix-32 digits are exactly the base32hex alphabet; 160 bits = 32 digits.
    const expected = BigInt(`0x${digest.toString("hex")}`)
      .toString(32)
      .padStart(32, "0");
    expect(eventIdFor(key)).toBe(expected);
    expect(eventIdFor(key)).toBe(eventIdFor(key));
    expect(eventIdFor(key)).toMatch(/^[a-v0-9]{32}$/);
    expect(eventIdFor("benova:conv-43:book")).not.toBe(eventIdFor(key));
  });
});

describe("validateBookingData", () => {
  it("fills the default duration and trims text", () => {
    expect(
      validateBookingData({
        customer_name: "  Ana ",
        treatment: " Limpieza",
        date: "2030-07-01",
        time: "09:30",
        notes: " ",
      }),
    ).toEqual({
      customer_name: "Ana",
      treatment: "Limpieza",
      date: "2030-07-01",
      time: "09:30",
      duration_minutes: 30,
    });
  });

  it("takes service as the older alias of treatment and refuses the two when they differ", () => {
    const base = { customer_name: "Ana", date: "2030-07-01", time: "09:30" };
    expect(validateBookingData({ ...base, service: "Limpieza" }).treatment).toBe("Limpieza");
    expect(validateBookingData({ ...base, service: "Limpieza" })).not.toHaveProperty("service");
    expect(validateBookingData({ ...base, treatment: "Limpieza", service: "Limpieza " }).treatment).toBe(
      "Limpieza",
    );
    expect(() => validateBookingData({ ...base, treatment: "Limpieza", service: "Botox" })).toThrow(
      /^booking_data\.treatment: .*booking_data\.treatment and booking_data\.service .*differ/,
    );
    expect(() => validateBookingData(base)).toThrow(/^booking_data\.treatment: .*it is missing/);
  });

  it("names the missing field and does not echo personal data", () => {
    const err = (() => {
      try {
        validateBookingData({ treatment: "Limpieza", date: "2030-07-01", time: "09:30" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidBookingError);
    expect(err).toMatchObject({ field: "customer_name", code: "INVALID_BOOKING", retriable: false });
    expect((err as Error).message).toContain("booking_data.customer_name");
    expect(() =>
      validateBookingData({
        customer_name: "A",
        treatment: "S",
        date: "2030-07-01",
        time: "09:30",
        customer_email: "ana.lopez@",
      }),
    ).toThrow(/^booking_data\.customer_email: expected an email address such as ana@example\.com\. /);
  });
});
