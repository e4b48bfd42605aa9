import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Google Calendar v3 wire details for the stand-in: resources, error bodies, RFC 3339 times in a zone. */

export interface EventTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

export interface StoredEvent {
  calendarId: string;
  id: string;
  status: "confirmed" | "cancelled";
  summary?: string;
  description?: string;
  start: EventTime;
  end: EventTime;
  /** Resolved UTC instants. */
  startMs: number;
  endMs: number;
  transparency?: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created: string;
  updated: string;
  sequence: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The status answered. */
  status: number;
}

export interface RequestFilter {
  method?: string;
  path?: RegExp;
}

export interface Injection {
  remaining: number;
  filter: RequestFilter | undefined;
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export const EVENT_ID = /^[a-v0-9]{5,1024}$/;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DEFAULT_REASON: Record<number, [string, string, string]> = {
  400: ["global", "badRequest", "Bad Request"],
  401: ["global", "authError", "Invalid Credentials"],
  403: ["global", "forbidden", "Forbidden"],
  404: ["global", "notFound", "Not Found"],
  429: ["usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"],
  500: ["global", "backendError", "Backend Error"],
  503: ["global", "backendError", "Backend Error"],
};

/** The body Google sends for an injected failure; rate-limit reasons belong to the usageLimits domain. */
export function injectedError(status: number, reason?: string): Answer {
  const [domain, defaultReason, message] = DEFAULT_REASON[status] ?? ["global", "unknown", "Error"];
  const chosen = reason ?? defaultReason;
  return googleError(status, message, chosen, /RateLimitExceeded$/i.test(chosen) ? "usageLimits" : domain);
}

export function googleError(code: number, message: string, reason: string, domain = "global"): Answer {
  return { status: code, body: { error: { errors: [{ domain, reason, message }], code, message } } };
}

/** UTC ms of an event time (all-day dates in the calendar zone), or an error text. */
export function eventInstant(t: EventTime, calendarZone: string): number | string {
  const zone = t.timeZone ?? calendarZone;
  if (!validZone(zone)) return "Invalid time zone definition";
  if (t.date && /^\d{4}-\d{2}-\d{2}$/.test(t.date)) return wallToUtc(Date.parse(`${t.date}T00:00:00Z`), zone);
  if (t.dateTime && RFC3339.test(t.dateTime)) return Date.parse(t.dateTime);
  if (t.dateTime && LOCAL_DATE_TIME.test(t.dateTime)) {
    if (!t.timeZone) return "Missing time zone definition";
    return wallToUtc(Date.parse(`${t.dateTime}Z`), t.timeZone);
  }
  return "Invalid value";
}

/** The event as Google returns it: times with the offset of their zone. */
export function eventResource(e: StoredEvent, calendarZone: string): Record<string, unknown> {
  const { calendarId, startMs, endMs, ...rest } = e;
  const present = (t: EventTime, ms: number): EventTime =>
    t.date
      ? { date: t.date }
      : { dateTime: withOffset(ms, t.timeZone ?? calendarZone), ...(t.timeZone && { timeZone: t.timeZone }) };
  return {
    kind: "calendar#event",
    etag: `"${Date.parse(e.updated)}${e.sequence}"`,
    ...rest,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${e.id} ${calendarId}`).toString("base64url")}`,
    creator: { email: calendarId },
    organizer: { email: calendarId, self: true },
    start: present(e.start, startMs),
    end: present(e.end, endMs),
    iCalUID: `${e.id}@google.com`,
    reminders: { useDefault: true },
    eventType: "default",
  };
}

export function key(calendarId: string, id: string): string {
  return `${calendarId}\u0000${id}`;
}

export function take<T extends Injection>(
  list: T[],
  match: (f: RequestFilter | undefined) => boolean,
): T | undefined {
  const found = list.find((i) => i.remaining > 0 && match(i.filter));
  if (found) found.remaining -= 1;
  return found;
}

export function randomId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  return [...randomBytes(26)].map((b) => alphabet[b % 32]).join("");
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function offsetMinutes(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"));
  return Math.round((wall - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

/** A wall-clock time (given as if it were UTC) in `zone` -> the UTC instant. */
function wallToUtc(wall: number, zone: string): number {
  const guess = wall - offsetMinutes(wall, zone) * 60_000;
  return wall - offsetMinutes(guess, zone) * 60_000;
}

export function withOffset(ms: number, zone: string): string {
  const offset = offsetMinutes(ms, zone);
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${new Date(ms + offset * 60_000).toISOString().slice(0, 19)}${offset < 0 ? "-" : "+"}${hhmm}`;
}
