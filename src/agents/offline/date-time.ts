import * as chrono from "chrono-node";
import type { Locale } from "../types.js";
import { addDays, dayOfWeek, wallClock, ymd } from "./clock.js";
import { normalize } from "./text.js";
import { AM_HINTS, findTime, PM_HINTS, resolveHour } from "./time-of-day.js";

/** Why the agent has to ask before it can use what was said. */
export type DateTimeAmbiguity =
  /** A date was given without a time. */
  | "no_time"
  /** A time was given without a date. */
  | "no_date"
  /** "a las 10" where both 10:00 and 22:00 fit the opening hours. */
  | "meridiem"
  /** A day that does not exist ("30 de febrero"). */
  | "invalid_date";

export interface DateTimeExtraction {
  /** YYYY-MM-DD on the tenant's calendar. */
  date?: string;
  /** HH:MM, 24 h. */
  time?: string;
  /** "por la tarde" / "in the morning" without an hour. */
  partOfDay?: "morning" | "afternoon";
  ambiguities: DateTimeAmbiguity[];
  /** When `meridiem` is flagged: both readings, the one in `time` first. */
  timeAlternatives?: string[];
}

export interface DateTimeOptions {
  /** The clock of this turn. */
  now: Date;
  /** The tenant's IANA time zone: "today" and "tomorrow" are its dates. */
  timeZone: string;
  /** Which chrono parser to try first (the other one is tried when it finds nothing). */
  locale?: Locale;
  /** Business hours used to read "a las 5" as 17:00. Default 08:00-21:00. */
  hours?: { open: string; close: string };
  /** The agent asked for a time: a bare "11" or "10.30" is one. */
  expectTime?: boolean;
}

const WEEKDAYS: Record<string, number> = {
  domingo: 0,
  lunes: 1,
  martes: 2,
  miercoles: 3,
  jueves: 4,
  viernes: 5,
  sabado: 6,
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

/** "hoy", "mañana", "pasado mañana" and their English forms, relative to the tenant's today. */
function relativeDay(text: string): { offset: number; index: number; length: number } | undefined {
  const rules: [RegExp, number][] = [
    [/\b(pasado manana|day after tomorrow)\b/, 2],
    [/(?<!(?:la|por la|de la|esta|esa|this)\s)\b(manana|tomorrow)\b/, 1],
    [/\b(hoy|today|tonight|esta tarde|this afternoon|this evening)\b/, 0],
  ];
  for (const [re, offset] of rules) {
    const m = re.exec(text);
    if (m) return { offset, index: m.index, length: m[0].length };
  }
  return undefined;
}

/** "la semana que viene", "la próxima semana", "next week" (accents already folded). */
const NEXT_WEEK = /\b(semana que viene|proxima semana|semana proxima|next week)\b/;

/** The same weekday as `date`, in the Monday-to-Sunday week after the one of `today`. */
function inNextWeek(date: string, today: string): string {
  const mondayNext = addDays(today, 7 - ((dayOfWeek(today) + 6) % 7));
  return addDays(mondayNext, (dayOfWeek(date) + 6) % 7);
}

/** With a weekday named, "next week" only picks the week: chrono must not read it as a date. */
function withoutNextWeek(text: string): string {
  const weekday = new RegExp(`\\b(${Object.keys(WEEKDAYS).join("|")})\\b`);
  return weekday.test(text) ? text.replace(NEXT_WEEK, " ") : text;
}

function findDate(text: string, today: string, locale: Locale): { date?: string; invalid?: boolean } {
  const iso = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
  if (iso) {
    const date = ymd(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    return date ? { date } : { invalid: true };
  }
  const named = namedDayMonth(text);
  if (named === "invalid") return { invalid: true };
  const relative = relativeDay(text);
  if (relative) return { date: addDays(today, relative.offset) };

  // "el jueves 10", "Friday 11": the number is the day of the month.
  const weekdayDay = new RegExp(
    `\\b(${Object.keys(WEEKDAYS).join("|")})\\s+(?:dia\\s+)?(\\d{1,2})(?!\\s*(?:[:.h]\\d|am|pm|de\\s+[a-z]|/))\\b`,
  ).exec(text);
  if (weekdayDay) return nextDayOfMonth(Number(weekdayDay[2]), today);

  const [ty, tm] = today.split("-").map(Number) as [number, number];
  const reference = { instant: new Date(`${today}T12:00:00Z`), timezone: 0 };
  const parsers =
    locale === "en" ? [chrono.en.casual, chrono.es.casual] : [chrono.es.casual, chrono.en.casual];
  for (const parser of parsers) {
    for (const r of parser.parse(withoutNextWeek(text), reference, { forwardDate: true })) {
      const c = r.start;
      if (c.isCertain("day") && c.isCertain("month")) {
        const day = c.get("day") ?? 0;
        const month = c.get("month") ?? 0;
        if (c.isCertain("year")) {
          const date = ymd(c.get("year") ?? 0, month, day);
          return date ? { date } : { invalid: true };
        }
        // No year: the next one to come.
        const thisYear = ymd(ty, month, day);
        if (thisYear && thisYear >= today) return { date: thisYear };
        const nextYear = ymd(ty + 1, month, day);
        return nextYear ? { date: nextYear } : { invalid: true };
      }
      if (c.isCertain("weekday")) {
        let date = ymd(c.get("year") ?? ty, c.get("month") ?? tm, c.get("day") ?? 1) ?? today;
        const explicitThis = /\b(hoy|today|this|este|esta)\b/.test(text);
        while (date < today || (date === today && !explicitThis)) date = addDays(date, 7);
        if (dayOfWeek(date) !== c.get("weekday")) continue;
        return { date: NEXT_WEEK.test(text) ? inNextWeek(date, today) : date };
      }
    }
  }
  // "el día 20", "el 20", "the 20th": this month if still ahead, else next month.
  const dayOnly =
    /\b(?:el dia|el|al dia|al|para el|dia|the|on the)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:[:.h]\d|am|pm|de\s|of\s|\/|€|eur|minut|hora|hour|zona|sesion))/.exec(
      text,
    );
  if (dayOnly) return nextDayOfMonth(Number(dayOnly[1]), today);
  return {};
}

const MONTHS: Record<string, number> = {
  enero: 1,
  febrero: 2,
  marzo: 3,
  abril: 4,
  mayo: 5,
  junio: 6,
  julio: 7,
  agosto: 8,
  septiembre: 9,
  setiembre: 9,
  octubre: 10,
  noviembre: 11,
  diciembre: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

/** "30 de febrero" / "February 30": chrono drops impossible dates silently; the customer is told instead. */
function namedDayMonth(text: string): "invalid" | undefined {
  const names = Object.keys(MONTHS).join("|");
  const m =
    new RegExp(`\\b(\\d{1,2}) de (${names})\\b`).exec(text) ??
    new RegExp(`\\b(${names}) (\\d{1,2})(?:st|nd|rd|th)?\\b`).exec(text);
  if (!m) return undefined;
  const [day, month] = /\d/.test(m[1] ?? "")
    ? [Number(m[1]), MONTHS[m[2] ?? ""]]
    : [Number(m[2]), MONTHS[m[1] ?? ""]];
  // 29 February exists in some year; only a day no year has is invalid.
  return month && ymd(2028, month, day) ? undefined : "invalid";
}

function nextDayOfMonth(day: number, today: string): { date?: string; invalid?: boolean } {
  if (day < 1 || day > 31) return { invalid: true };
  const [y, m] = today.split("-").map(Number) as [number, number];
  for (let i = 0; i < 12; i++) {
    const month = ((m - 1 + i) % 12) + 1;
    const year = y + Math.floor((m - 1 + i) / 12);
    const date = ymd(year, month, day);
    if (date && date >= today) return { date };
  }
  return { invalid: true };
}

/**
 * Date and time from a Spanish or English message, on the tenant's wall clock. Dates go through
 * chrono-node (with "hoy / mañana / pasado mañana", "el jueves 10" and "el día 20" handled here,
 * which chrono's Spanish parser gets wrong); times are read here ("a las 3 de la tarde", "17:30",
 * "10am", "18h", "a las cinco y media"). A date without a year is the next one to come; a weekday
 * is the next one after today. What cannot be settled is flagged for the agent to ask.
 *
 * @example
 * extractDateTime("el 20 de enero a las 10am", { now, timeZone: "Europe/Madrid" })
 * // { date: "2027-01-20", time: "10:00", ambiguities: [] }  (with now in December 2026)
 */
export function extractDateTime(text: string, options: DateTimeOptions): DateTimeExtraction {
  const hours = options.hours ?? { open: "08:00", close: "21:00" };
  // Emails, phone numbers and prices carry digits that are no dates or times.
  const cleaned = normalize(
    text
      .replace(/\S+@\S+/g, " ")
      .replace(/\+?\d[\d ]{7,}\d/g, " ")
      .replace(/\d+(?:[.,]\d+)?\s*(?:€|eur(?:os)?\b)/gi, " "),
  ).trim();
  const hint = PM_HINTS.some((h) => cleaned.includes(h))
    ? "afternoon"
    : AM_HINTS.some((h) => cleaned.includes(h))
      ? "morning"
      : undefined;
  const { today } = { today: wallClock(options.now, options.timeZone).date };
  const timeMatch = findTime(cleaned, options.expectTime === true);
  // The time phrase is blanked before the date search so "jueves 3 a las 11" is not read as 3:00.
  // So are "de la mañana" and the like, which chrono would read as "tomorrow".
  let dateText = timeMatch
    ? cleaned.slice(0, timeMatch.index) +
      " ".repeat(timeMatch.length) +
      cleaned.slice(timeMatch.index + timeMatch.length)
    : cleaned;
  for (const phrase of [...PM_HINTS, ...AM_HINTS]) {
    if (phrase.startsWith("esta") || phrase.startsWith("this")) continue;
    dateText = dateText.replaceAll(phrase, " ".repeat(phrase.length));
  }
  const dateFound = findDate(dateText, today, options.locale ?? "es");
  const out: DateTimeExtraction = { ambiguities: [] };
  if (dateFound.date) out.date = dateFound.date;
  if (dateFound.invalid) out.ambiguities.push("invalid_date");
  if (timeMatch) {
    const resolved = resolveHour(timeMatch, hint, hours);
    out.time = resolved.time;
    if (resolved.alternatives) {
      out.ambiguities.push("meridiem");
      out.timeAlternatives = resolved.alternatives;
    }
  } else if (hint) {
    out.partOfDay = hint;
  }
  if (out.date && !out.time) out.ambiguities.push("no_time");
  if (out.time && !out.date && !dateFound.invalid) out.ambiguities.push("no_date");
  return out;
}
