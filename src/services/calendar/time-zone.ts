/**
 * Wall-clock time in an IANA time zone <-> UTC instants, DST-correct, using only Intl.
 * Dates are `YYYY-MM-DD`, times `HH:MM`; both are assumed already validated.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's UTC offset in minutes at an instant (e.g. +120 for Madrid in summer). */
export function offsetMinutesAt(instantMs: number, timeZone: string): number {
  const w = wallClockAt(instantMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / MINUTE);
}

function wallMs(date: string, time: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
}

/**
 * The UTC instant at which the wall clock in `timeZone` shows `date time`.
 * Like Temporal's "compatible" disambiguation: a time repeated when clocks go back resolves to
 * the earlier instant; a time skipped when clocks go forward moves forward by the gap
 * (02:30 on the March change in Madrid becomes 03:30 CEST). Use `zonedTimeExists` to refuse those.
 */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date {
  const wall = wallMs(date, time);
  const before = offsetMinutesAt(wall - DAY, timeZone);
  const after = offsetMinutesAt(wall + DAY, timeZone);
  const valid = [before, after]
    .map((offset) => wall - offset * MINUTE)
    .filter((t) => offsetMinutesAt(t, timeZone) * MINUTE === wall - t)
    .sort((a, b) => a - b);
  const first = valid[0];
  return new Date(first ?? wall - before * MINUTE);
}

/** The inverse of `zonedTimeToUtc`: what the wall clock in `timeZone` shows at `instant`. */
export function utcToZonedTime(
  instant: Date | number,
  timeZone: string,
): { date: string; time: string; offsetMinutes: number } {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  const w = wallClockAt(ms, timeZone);
  return {
    date: `${String(w.year).padStart(4, "0")}-${pad(w.month)}-${pad(w.day)}`,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
    offsetMinutes: offsetMinutesAt(ms, timeZone),
  };
}

/** False for a wall time skipped by a clock change (e.g. 02:30 on the last Sunday of March in Madrid). */
export function zonedTimeExists(date: string, time: string, timeZone: string): boolean {
  const back = utcToZonedTime(zonedTimeToUtc(date, time, timeZone), timeZone);
  return back.date === date && back.time === time;
}

/** ISO 8601 with the zone's offset at that instant: `2030-07-01T10:00:00+02:00`. */
export function formatZonedIso(instant: Date | number, timeZone: string): string {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  const w = wallClockAt(ms, timeZone);
  const offset = offsetMinutesAt(ms, timeZone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${String(w.year).padStart(4, "0")}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(
    w.second,
  )}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The calendar date `days` after `date` (no time zone involved). */
export function addDays(date: string, days: number): string {
  return new Date(wallMs(date, "00:00") + days * DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday .. 6 = Saturday, of a calendar date. */
export function dayOfWeek(date: string): number {
  return new Date(wallMs(date, "00:00")).getUTCDay();
}

/** `HH:MM` -> minutes after midnight. */
export function minutesOfDay(time: string): number {
  const [hh, mm] = time.split(":").map(Number);
  return (hh ?? 0) * 60 + (mm ?? 0);
}

/** Minutes after midnight -> `HH:MM`. */
export function timeOfDay(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** [start, end) of a local calendar day as UTC instants (23 or 25 hours long on clock-change days). */
export function dayBoundsUtc(date: string, timeZone: string): { start: Date; end: Date } {
  return {
    start: zonedTimeToUtc(date, "00:00", timeZone),
    end: zonedTimeToUtc(addDays(date, 1), "00:00", timeZone),
  };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
