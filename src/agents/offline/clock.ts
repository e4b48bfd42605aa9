import { addDays, dayOfWeek, utcToZonedTime } from "../../services/calendar/time-zone.js";
import { isCalendarDate } from "../../services/calendar/validation.js";

export { addDays, dayOfWeek, isCalendarDate };

/** Today's date and the current time (HH:MM) on the tenant's wall clock. */
export function wallClock(now: Date, timeZone: string): { date: string; time: string } {
  const { date, time } = utcToZonedTime(now, timeZone);
  return { date, time };
}

/** `HH:MM` -> minutes after midnight. */
export function toMinutes(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Minutes after midnight -> `HH:MM`. */
export function fromMinutes(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

export function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** YYYY-MM-DD from numbers; undefined when the date does not exist (31 February). */
export function ymd(year: number, month: number, day: number): string | undefined {
  const date = `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
  return isCalendarDate(date) ? date : undefined;
}
