import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Answer,
  EVENT_ID,
  eventInstant,
  eventResource,
  googleError,
  type Injection,
  injectedError,
  key,
  type RecordedRequest,
  type RequestFilter,
  RFC3339,
  randomId,
  type StoredEvent,
  take,
  withOffset,
} from "./google-calendar-stand-in-wire.js";

export type {
  EventTime,
  RecordedRequest,
  RequestFilter,
  StoredEvent,
} from "./google-calendar-stand-in-wire.js";

export interface GoogleCalendarStandInOptions {
  /** Calendar ids that exist; others answer 404 (freeBusy: notFound). Default: any id exists. */
  calendars?: string[];
  /** Which Bearer tokens are valid. Default: any non-empty token. */
  acceptToken?: (token: string) => boolean;
  /** The calendars' own zone (all-day events, list answers). Default UTC. */
  timeZone?: string;
}

/**
 * A local Google Calendar v3 server for tests: the subset googleapis uses for bookings
 * (events insert/get/delete/list, freeBusy), with Google's status codes and error bodies.
 * Point `google.calendar({ version: "v3", auth, rootUrl })` at the URL `start()` returns.
 */
export class GoogleCalendarStandIn {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly store = new Map<string, StoredEvent>();
  private readonly failures: (Injection & { status: number; reason: string | undefined })[] = [];
  private readonly delays: (Injection & { ms: number })[] = [];
  private server: Server | undefined;
  private readonly zone: string;

  constructor(private readonly options: GoogleCalendarStandInOptions = {}) {
    this.zone = options.timeZone ?? "UTC";
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(googleError(500, String(err), "backendError").body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stored events (cancelled ones too), optionally of one calendar, ordered by start. */
  events(calendarId?: string): StoredEvent[] {
    return [...this.store.values()]
      .filter((e) => calendarId === undefined || e.calendarId === calendarId)
      .sort((a, b) => a.startMs - b.startMs)
      .map((e) => structuredClone(e));
  }

  /** Adds an event as if someone made it in the Google Calendar UI. */
  addEvent(
    calendarId: string,
    event: {
      id?: string;
      summary: string;
      start: string;
      end: string;
      transparency?: string;
      extendedProperties?: { private?: Record<string, string> };
    },
  ): StoredEvent {
    const id = event.id ?? randomId();
    const now = new Date().toISOString();
    const stored: StoredEvent = {
      calendarId,
      id,
      status: "confirmed",
      summary: event.summary,
      start: { dateTime: event.start },
      end: { dateTime: event.end },
      startMs: Date.parse(event.start),
      endMs: Date.parse(event.end),
      created: now,
      updated: now,
      sequence: 0,
      ...(event.transparency !== undefined && { transparency: event.transparency }),
      ...(event.extendedProperties !== undefined && { extendedProperties: event.extendedProperties }),
    };
    this.store.set(key(calendarId, id), stored);
    return structuredClone(stored);
  }

  /** The next `n` matching requests answer `status` with Google's error body (nothing is done). */
  failNext(n: number, status: number, reason?: string, filter?: RequestFilter): void {
    this.failures.push({ remaining: n, status, reason, filter });
  }

  /** The next `n` matching requests are carried out at once but answered `ms` later. */
  delayNext(ms: number, n = 1, filter?: RequestFilter): void {
    this.delays.push({ remaining: n, ms, filter });
  }

  reset(): void {
    this.store.clear();
    this.requests.length = 0;
    this.failures.length = 0;
    this.delays.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    let answer: Answer | undefined;
    if (text && String(req.headers["content-type"]).includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        answer = googleError(400, "Parse Error", "parseError");
      }
    }
    const method = req.method ?? "GET";
    const match = (f: RequestFilter | undefined) =>
      !f || ((!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)));
    answer ??= this.authenticate(req.headers.authorization);
    const failure = answer ? undefined : take(this.failures, match);
    if (failure) answer = injectedError(failure.status, failure.reason);
    answer ??= this.route(method, url, body);
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      status: answer.status,
    });
    const delay = take(this.delays, match);
    if (delay) await new Promise((r) => setTimeout(r, delay.ms));
    if (res.destroyed) return;
    const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload && { "content-type": "application/json; charset=UTF-8" }),
      ...answer.headers,
    });
    res.end(payload);
  }

  private authenticate(header: string | undefined): Answer | undefined {
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    const challenge = { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' };
    if (!token) return { ...googleError(401, "Login Required.", "required"), headers: challenge };
    if (this.options.acceptToken && !this.options.acceptToken(token)) {
      return { ...googleError(401, "Invalid Credentials", "authError"), headers: challenge };
    }
    return undefined;
  }

  private route(method: string, url: URL, body: unknown): Answer {
    const path = url.pathname;
    if (path === "/calendar/v3/freeBusy" && method === "POST") return this.freeBusy(body);
    const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    if (!m?.[1]) return googleError(404, "Not Found", "notFound");
    const calendarId = decodeURIComponent(m[1]);
    if (this.options.calendars && !this.options.calendars.includes(calendarId)) {
      return googleError(404, "Not Found", "notFound");
    }
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (id === undefined && method === "POST") return this.insert(calendarId, body);
    if (id === undefined && method === "GET") return this.list(calendarId, url.searchParams);
    const existing = id === undefined ? undefined : this.store.get(key(calendarId, id));
    if (id === undefined || (method !== "GET" && method !== "DELETE")) {
      return googleError(405, "Method not supported by this stand-in", "methodNotAllowed");
    }
    if (!existing) return googleError(404, "Not Found", "notFound");
    if (existing.status === "cancelled") return googleError(410, "Resource has been deleted", "deleted");
    if (method === "GET") return { status: 200, body: eventResource(existing, this.zone) };
    existing.status = "cancelled";
    existing.updated = new Date().toISOString();
    existing.sequence += 1;
    return { status: 204 };
  }

  private insert(calendarId: string, body: unknown): Answer {
    if (typeof body !== "object" || body === null) return googleError(400, "Bad Request", "badRequest");
    const b = body as Partial<StoredEvent> & { id?: unknown };
    if (b.id !== undefined && (typeof b.id !== "string" || !EVENT_ID.test(b.id))) {
      return googleError(400, "Invalid resource id value.", "invalid");
    }
    const id = (b.id as string | undefined) ?? randomId();
    if (this.store.has(key(calendarId, id)))
      return googleError(409, "The requested identifier already exists.", "duplicate");
    if (!b.start) return googleError(400, "Missing start time.", "required");
    if (!b.end) return googleError(400, "Missing end time.", "required");
    const startMs = eventInstant(b.start, this.zone);
    const endMs = eventInstant(b.end, this.zone);
    if (typeof startMs === "string") return googleError(400, `${startMs} for start time.`, "invalid");
    if (typeof endMs === "string") return googleError(400, `${endMs} for end time.`, "invalid");
    if (endMs <= startMs) return googleError(400, "The specified time range is empty.", "timeRangeEmpty");
    const now = new Date().toISOString();
    const stored: StoredEvent = {
      ...(b as object),
      calendarId,
      id,
      status: "confirmed",
      start: b.start,
      end: b.end,
      startMs,
      endMs,
      created: now,
      updated: now,
      sequence: 0,
    };
    this.store.set(key(calendarId, id), stored);
    return { status: 200, body: eventResource(stored, this.zone) };
  }

  private list(calendarId: string, q: URLSearchParams): Answer {
    const timeMin = q.get("timeMin");
    const timeMax = q.get("timeMax");
    for (const t of [timeMin, timeMax])
      if (t !== null && !RFC3339.test(t)) return googleError(400, "Bad Request", "badRequest");
    if (q.get("orderBy") === "startTime" && q.get("singleEvents") !== "true") {
      return googleError(
        400,
        "The requested ordering is not available for the particular query.",
        "badRequest",
      );
    }
    const max = Math.min(Number(q.get("maxResults") ?? 250) || 250, 2500);
    const offset = Number(Buffer.from(q.get("pageToken") ?? "", "base64url").toString() || 0);
    const from = timeMin === null ? -Infinity : Date.parse(timeMin);
    const to = timeMax === null ? Infinity : Date.parse(timeMax);
    const all = [...this.store.values()]
      .filter(
        (e) => e.calendarId === calendarId && (e.status === "confirmed" || q.get("showDeleted") === "true"),
      )
      .filter((e) => e.endMs > from && e.startMs < to)
      .sort((a, b) =>
        q.get("orderBy") === "startTime" ? a.startMs - b.startMs : a.created.localeCompare(b.created),
      );
    const page = all.slice(offset, offset + max);
    const more = offset + max < all.length;
    return {
      status: 200,
      body: {
        kind: "calendar#events",
        etag: `"${Date.now()}"`,
        summary: calendarId,
        updated: new Date().toISOString(),
        timeZone: this.zone,
        accessRole: "owner",
        defaultReminders: [],
        items: page.map((e) => eventResource(e, this.zone)),
        ...(more && { nextPageToken: Buffer.from(String(offset + max)).toString("base64url") }),
      },
    };
  }

  private freeBusy(body: unknown): Answer {
    const b = (typeof body === "object" && body !== null ? body : {}) as {
      timeMin?: string;
      timeMax?: string;
      timeZone?: string;
      items?: { id?: string }[];
    };
    if (!b.timeMin) return googleError(400, "Missing timeMin parameter.", "required");
    if (!b.timeMax) return googleError(400, "Missing timeMax parameter.", "required");
    if (!RFC3339.test(b.timeMin) || !RFC3339.test(b.timeMax))
      return googleError(400, "Bad Request", "badRequest");
    const from = Date.parse(b.timeMin);
    const to = Date.parse(b.timeMax);
    if (to <= from) return googleError(400, "The specified time range is empty.", "timeRangeEmpty");
    const zone = b.timeZone;
    const calendars: Record<string, unknown> = {};
    for (const { id } of b.items ?? []) {
      if (!id) continue;
      if (this.options.calendars && !this.options.calendars.includes(id)) {
        calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        continue;
      }
      const spans = [...this.store.values()]
        .filter((e) => e.calendarId === id && e.status === "confirmed" && e.transparency !== "transparent")
        .filter((e) => e.endMs > from && e.startMs < to)
        .map((e) => [Math.max(e.startMs, from), Math.min(e.endMs, to)] as [number, number])
        .sort((x, y) => x[0] - y[0]);
      const merged: [number, number][] = [];
      for (const s of spans) {
        const last = merged[merged.length - 1];
        if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
        else merged.push([...s]);
      }
      const fmt = (ms: number) =>
        zone ? withOffset(ms, zone) : `${new Date(ms).toISOString().slice(0, 19)}Z`;
      calendars[id] = { busy: merged.map(([s, e]) => ({ start: fmt(s), end: fmt(e) })) };
    }
    return {
      status: 200,
      body: { kind: "calendar#freeBusy", timeMin: b.timeMin, timeMax: b.timeMax, calendars },
    };
  }
}
