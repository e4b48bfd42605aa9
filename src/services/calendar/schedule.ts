import {
  type AlternativeSlot,
  BookingInPastError,
  CalendarConfigError,
  InvalidBookingError,
  OutsideOpeningHoursError,
} from "./errors.js";
import {
  addDays,
  dayOfWeek,
  formatZonedIso,
  isValidTimeZone,
  minutesOfDay,
  timeOfDay,
  zonedTimeExists,
  zonedTimeToUtc,
} from "./time-zone.js";
import type { OpeningHours, TimeSlot } from "./types.js";
import { isClockTime, type ValidBooking } from "./validation.js";

/** A span of time as UTC milliseconds, end exclusive. */
export interface Interval {
  start: number;
  end: number;
}

/** What every slot computation needs: the tenant's zone and hours, and the current instant. */
export interface ScheduleContext {
  timeZone: string;
  openingHours: OpeningHours;
  now: Date;
}

const MINUTE = 60_000;
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Checks the constructor settings once, so every later computation can trust them. */
export function checkScheduleSettings(timeZone: string, hours: OpeningHours): void {
  if (typeof timeZone !== "string" || !isValidTimeZone(timeZone)) {
    throw new CalendarConfigError("timeZone", "an IANA time zone such as Europe/Madrid");
  }
  if (!Array.isArray(hours?.days) || hours.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) {
    throw new CalendarConfigError("openingHours.days", "a list of weekdays 0 (Sunday) to 6 (Saturday)");
  }
  if (
    !isClockTime(hours.open) ||
    !isClockTime(hours.close) ||
    minutesOfDay(hours.open) >= minutesOfDay(hours.close)
  ) {
    throw new CalendarConfigError("openingHours.open/close", "HH:MM times with open before close");
  }
  if (!Number.isInteger(hours.slotMinutes) || hours.slotMinutes < 5 || hours.slotMinutes > 240) {
    throw new CalendarConfigError("openingHours.slotMinutes", "a whole number of minutes from 5 to 240");
  }
}

/** "Mon, Tue, Wed, Thu, Fri 09:00-20:00 (Europe/Madrid)" */
export function describeOpeningHours(hours: OpeningHours, timeZone: string): string {
  const days = [...new Set(hours.days)].sort((a, b) => a - b).map((d) => DAY_NAMES[d]);
  return `${days.join(", ") || "closed every day"} ${hours.open}-${hours.close} (${timeZone})`;
}

export function isOpenDay(date: string, hours: OpeningHours): boolean {
  return hours.days.includes(dayOfWeek(date));
}

export function overlapsAny(slot: Interval, busy: readonly Interval[]): boolean {
  return busy.some((b) => slot.start < b.end && b.start < slot.end);
}

/**
 * Refuses a booking that cannot be made whatever the calendar holds: a closed day, a slot that
 * does not fit the opening hours, a wall time skipped by a clock change, or a start in the past.
 * Returns the booking's span as UTC instants.
 */
export function assertBookable(booking: ValidBooking, ctx: ScheduleContext): Interval {
  const { date, time, duration_minutes: duration } = booking;
  const hours = ctx.openingHours;
  const from = minutesOfDay(time);
  if (
    !isOpenDay(date, hours) ||
    from < minutesOfDay(hours.open) ||
    from + duration > minutesOfDay(hours.close)
  ) {
    throw new OutsideOpeningHoursError(date, time, describeOpeningHours(hours, ctx.timeZone));
  }
  if (!zonedTimeExists(date, time, ctx.timeZone)) {
    throw new InvalidBookingError(
      "time",
      `a time that exists on ${date} in ${ctx.timeZone}`,
      "the clocks skip it",
    );
  }
  const start = zonedTimeToUtc(date, time, ctx.timeZone).getTime();
  if (start <= ctx.now.getTime()) throw new BookingInPastError(date, time, ctx.timeZone);
  return { start, end: start + duration * MINUTE };
}

/** Grid starts of a day (every slotMinutes from opening) that leave `duration` minutes before closing. */
function gridStarts(
  date: string,
  duration: number,
  ctx: ScheduleContext,
): { time: string; interval: Interval }[] {
  const hours = ctx.openingHours;
  if (!isOpenDay(date, hours)) return [];
  const out: { time: string; interval: Interval }[] = [];
  for (let m = minutesOfDay(hours.open); m + duration <= minutesOfDay(hours.close); m += hours.slotMinutes) {
    const time = timeOfDay(m);
    if (!zonedTimeExists(date, time, ctx.timeZone)) continue;
    const start = zonedTimeToUtc(date, time, ctx.timeZone).getTime();
    out.push({ time, interval: { start, end: start + duration * MINUTE } });
  }
  return out;
}

/** The day's slots (slotMinutes long) that are still ahead and overlap nothing busy. */
export function freeSlots(date: string, busy: readonly Interval[], ctx: ScheduleContext): TimeSlot[] {
  return gridStarts(date, ctx.openingHours.slotMinutes, ctx)
    .filter(({ interval }) => interval.start > ctx.now.getTime() && !overlapsAny(interval, busy))
    .map(({ interval }) => ({
      start: formatZonedIso(interval.start, ctx.timeZone),
      end: formatZonedIso(interval.end, ctx.timeZone),
    }));
}

/**
 * Up to `limit` free slots of the booking's duration nearest to the refused one: the same day
 * first (closest in time, earlier on a tie), then the following opening days in order, looking
 * `horizonDays` ahead. `busy` must cover that whole window.
 */
export function findAlternatives(
  booking: Pick<ValidBooking, "date" | "time" | "duration_minutes">,
  busy: readonly Interval[],
  ctx: ScheduleContext,
  horizonDays: number,
  limit = 3,
): AlternativeSlot[] {
  const requested = zonedTimeToUtc(booking.date, booking.time, ctx.timeZone).getTime();
  const usable = (c: { interval: Interval }) =>
    c.interval.start > ctx.now.getTime() && c.interval.start !== requested && !overlapsAny(c.interval, busy);
  const sameDay = gridStarts(booking.date, booking.duration_minutes, ctx)
    .filter(usable)
    .sort(
      (a, b) =>
        Math.abs(a.interval.start - requested) - Math.abs(b.interval.start - requested) ||
        a.interval.start - b.interval.start,
    );
  const picked = sameDay.slice(0, limit).map((c) => ({ date: booking.date, ...c }));
  for (let i = 1; i <= horizonDays && picked.length < limit; i++) {
    const date = addDays(booking.date, i);
    for (const c of gridStarts(date, booking.duration_minutes, ctx).filter(usable)) {
      if (picked.length >= limit) break;
      picked.push({ date, ...c });
    }
  }
  return picked.map(({ date, time, interval }) => ({
    date,
    time,
    start: formatZonedIso(interval.start, ctx.timeZone),
    end: formatZonedIso(interval.end, ctx.timeZone),
  }));
}
