// The calendar module alone loads in a tenth of the time of the whole googleapis index;
// `calendar(...)` here is the function `google.calendar(...)` calls.
import {
  type calendar_v3,
  calendar as calendarApi,
  auth as googleAuth,
} from "googleapis/build/src/apis/calendar/index.js";
import { CalendarServiceBase, type CalendarServiceOptions, type InsertOutcome } from "./base-service.js";
import type { EventRecord } from "./booking-event.js";
import { CalendarApiError, CalendarConfigError } from "./errors.js";
import { freeBusyCalendarError, httpStatusOf, toCalendarApiError } from "./google-errors.js";
import type { Interval } from "./schedule.js";
import { formatZonedIso, zonedTimeToUtc } from "./time-zone.js";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";

/** An OAuth access token, or a service account key file's JSON text (signs its own tokens, offline). */
export type GoogleCalendarAuth = { accessToken: string } | { serviceAccountJson: string };

export interface GoogleCalendarOptions extends CalendarServiceOptions {
  calendarId: string;
  /** Another API root (a proxy or a test server); default Google's. */
  rootUrl?: string;
  auth: GoogleCalendarAuth;
  /** Let googleapis retry idempotent requests itself. Default false: the ToolExecutor owns retries. */
  retry?: boolean;
  /** Deadline of one HTTP request in ms. Default 10000. */
  timeoutMs?: number;
}

type AuthClient = InstanceType<typeof googleAuth.OAuth2> | InstanceType<typeof googleAuth.JWT>;
const MAX_LIST_PAGES = 10;

/**
 * Bookings in a Google Calendar through googleapis. Event ids are client-supplied, so a repeated
 * insert answers 409 and is reported as `already_existed`; a repeated delete answers 404/410 and
 * is reported as `already_deleted`. Errors are classified (`retriable`) but never retried here.
 *
 * @example
 * const calendar = new GoogleCalendarService({ calendarId: "clinic@group.calendar.google.com",
 *   auth: { serviceAccountJson }, timeZone: "Europe/Madrid", openingHours });
 */
export class GoogleCalendarService extends CalendarServiceBase {
  readonly name = "google";
  private readonly api: calendar_v3.Calendar;
  private readonly calendarId: string;
  private readonly request: { retry: boolean; timeout: number };

  constructor(options: GoogleCalendarOptions) {
    super(options);
    if (typeof options.calendarId !== "string" || options.calendarId === "") {
      throw new CalendarConfigError(
        "calendarId",
        'a calendar id such as "primary" or "...@group.calendar.google.com"',
      );
    }
    const timeout = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(timeout) || timeout <= 0)
      throw new CalendarConfigError("timeoutMs", "a positive number");
    this.calendarId = options.calendarId;
    this.request = { retry: options.retry ?? false, timeout };
    this.api = calendarApi({
      version: "v3",
      auth: createAuthClient(options.auth),
      ...(options.rootUrl !== undefined && { rootUrl: options.rootUrl }),
    });
  }

  protected async busyIntervals(window: Interval): Promise<Interval[]> {
    const res = await this.call("freeBusy", () =>
      this.api.freebusy.query(
        {
          requestBody: {
            timeMin: new Date(window.start).toISOString(),
            timeMax: new Date(window.end).toISOString(),
            timeZone: this.timeZone,
            items: [{ id: this.calendarId }],
          },
        },
        this.request,
      ),
    );
    const cal = res.data.calendars?.[this.calendarId];
    if (!cal) {
      throw new CalendarApiError(
        `Google Calendar freeBusy answered without calendar ${this.calendarId}: check calendarId.`,
        "freeBusy",
        false,
      );
    }
    if (cal.errors && cal.errors.length > 0)
      throw freeBusyCalendarError(cal.errors[0]?.reason ?? undefined, this.calendarId);
    return (cal.busy ?? []).flatMap((b) => {
      const start = Date.parse(b.start ?? "");
      const end = Date.parse(b.end ?? "");
      return Number.isFinite(start) && Number.isFinite(end) ? [{ start, end }] : [];
    });
  }

  protected async insertEvent(event: EventRecord): Promise<InsertOutcome> {
    try {
      const res = await this.api.events.insert(
        { calendarId: this.calendarId, requestBody: this.toGoogle(event) },
        this.request,
      );
      return { kind: "created", event: this.fromGoogle(res.data) ?? event };
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw toCalendarApiError(err, "events.insert", this.calendarId);
    }
    // 409: the id exists, from an earlier attempt whose answer was lost, or cancelled.
    const existing = await this.readEvent(event.eventId);
    if (!existing || existing.status === "cancelled") return { kind: "cancelled" };
    return { kind: "existing", event: existing };
  }

  protected async readEvent(eventId: string): Promise<EventRecord | null> {
    try {
      const res = await this.api.events.get({ calendarId: this.calendarId, eventId }, this.request);
      return this.fromGoogle(res.data);
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404) return null;
      if (status === 410) return cancelledStub(eventId);
      throw toCalendarApiError(err, "events.get", this.calendarId);
    }
  }

  protected async removeEvent(eventId: string): Promise<"deleted" | "absent"> {
    try {
      await this.api.events.delete({ calendarId: this.calendarId, eventId }, this.request);
      return "deleted";
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404 || status === 410) return "absent";
      throw toCalendarApiError(err, "events.delete", this.calendarId);
    }
  }

  protected async listEvents(window: { start: number; end?: number }): Promise<EventRecord[]> {
    const out: EventRecord[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = await this.call("events.list", () =>
        this.api.events.list(
          {
            calendarId: this.calendarId,
            timeMin: new Date(window.start).toISOString(),
            ...(window.end !== undefined && { timeMax: new Date(window.end).toISOString() }),
            singleEvents: true,
            orderBy: "startTime",
            maxResults: 250,
            ...(pageToken !== undefined && { pageToken }),
          },
          this.request,
        ),
      );
      for (const item of res.data.items ?? []) {
        const event = this.fromGoogle(item);
        if (event && event.status === "confirmed") out.push(event);
      }
      pageToken = res.data.nextPageToken ?? undefined;
      if (!pageToken) break;
    }
    return out.sort((a, b) => a.interval.start - b.interval.start);
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toCalendarApiError(err, operation, this.calendarId);
    }
  }

  private toGoogle(event: EventRecord): calendar_v3.Schema$Event {
    return {
      id: event.eventId,
      summary: event.summary,
      description: event.description,
      start: { dateTime: formatZonedIso(event.interval.start, this.timeZone), timeZone: this.timeZone },
      end: { dateTime: formatZonedIso(event.interval.end, this.timeZone), timeZone: this.timeZone },
      extendedProperties: { private: event.properties },
    };
  }

  /** Null for an event without id or times. All-day events span whole days in the tenant's zone. */
  private fromGoogle(e: calendar_v3.Schema$Event): EventRecord | null {
    const start = this.instant(e.start);
    const end = this.instant(e.end);
    if (!e.id || start === undefined || end === undefined) return null;
    return {
      eventId: e.id,
      summary: e.summary ?? "",
      description: e.description ?? "",
      interval: { start, end },
      status: e.status === "cancelled" ? "cancelled" : "confirmed",
      properties: { ...(e.extendedProperties?.private ?? {}) },
      ...(e.htmlLink ? { htmlLink: e.htmlLink } : {}),
    };
  }

  private instant(t: calendar_v3.Schema$EventDateTime | undefined): number | undefined {
    if (t?.dateTime) {
      const ms = Date.parse(t.dateTime);
      return Number.isFinite(ms) ? ms : undefined;
    }
    if (t?.date) return zonedTimeToUtc(t.date, "00:00", t.timeZone ?? this.timeZone).getTime();
    return undefined;
  }
}

function cancelledStub(eventId: string): EventRecord {
  return {
    eventId,
    summary: "",
    description: "",
    interval: { start: 0, end: 0 },
    status: "cancelled",
    properties: {},
  };
}

function createAuthClient(auth: GoogleCalendarAuth): AuthClient {
  if ("accessToken" in auth) {
    if (typeof auth.accessToken !== "string" || auth.accessToken === "") {
      throw new CalendarConfigError("auth.accessToken", "a non-empty OAuth access token");
    }
    const client = new googleAuth.OAuth2();
    client.setCredentials({ access_token: auth.accessToken });
    return client;
  }
  let key: { client_email?: unknown; private_key?: unknown; private_key_id?: unknown };
  try {
    key = JSON.parse(auth.serviceAccountJson) as typeof key;
  } catch {
    throw new CalendarConfigError("auth.serviceAccountJson", "the JSON text of a service account key file");
  }
  if (typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw new CalendarConfigError(
      "auth.serviceAccountJson",
      "a service account key with client_email and private_key",
    );
  }
  const jwt = new googleAuth.JWT({
    email: key.client_email,
    key: key.private_key,
    ...(typeof key.private_key_id === "string" && { keyId: key.private_key_id }),
    scopes: [CALENDAR_SCOPE],
  });
  // Sign the access token locally (scope claim) instead of exchanging it at oauth2.googleapis.com.
  jwt.useJWTAccessWithScope = true;
  return jwt;
}
