import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { inspect } from "node:util";
import { calendar as calendarApi, auth as googleAuth } from "googleapis/build/src/apis/calendar/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BookingData,
  CalendarApiError,
  eventIdFor,
  type GoogleCalendarAuth,
  type GoogleCalendarOptions,
  GoogleCalendarService,
  InvalidBookingError,
  OutsideOpeningHoursError,
  SlotUnavailableError,
} from "../../src/services/calendar/index.js";
import { isTransientError } from "../../src/util/retry.js";
import { GoogleCalendarStandIn } from "../support/google-calendar-stand-in.js";

const CAL = "clinic@group.calendar.google.com";
const EVENTS = /\/calendars\/[^/]+\/events$/;
const booking = (over: Partial<BookingData> = {}): BookingData => ({
  customer_name: "Ana López",
  customer_email: "ana@example.com",
  customer_phone: "+34 600 000 000",
  treatment: "Limpieza dental",
  date: "2030-07-01",
  time: "10:00",
  notes: "Primera visita",
  ...over,
});

describe("GoogleCalendarService against the Google Calendar stand-in", () => {
  let standIn: GoogleCalendarStandIn;
  let rootUrl: string;

  const service = (
    over: Partial<GoogleCalendarOptions> = {},
    auth: GoogleCalendarAuth = { accessToken: "good" },
  ) =>
    new GoogleCalendarService({
      calendarId: CAL,
      rootUrl,
      auth,
      timeZone: "Europe/Madrid",
      openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
      now: () => new Date("2030-01-01T00:00:00Z"),
      ...over,
    });

  beforeEach(async () => {
    standIn = new GoogleCalendarStandIn({ acceptToken: (t) => t !== "expired" });
    rootUrl = await standIn.start();
  });
  afterEach(() => standIn.close());

  it("inserts the event under the client id, at the right UTC instant in summer and winter", async () => {
    const calendar = service();
    await calendar.createBooking(booking(), { eventId: eventIdFor("summer") });
    await calendar.createBooking(booking({ date: "2030-01-14", time: "09:30" }), {
      eventId: eventIdFor("winter"),
    });

    const [winter, summer] = standIn.events(CAL);
    expect(summer?.id).toBe(eventIdFor("summer"));
    expect(summer?.startMs).toBe(Date.UTC(2030, 6, 1, 8, 0));
    expect(summer?.endMs).toBe(Date.UTC(2030, 6, 1, 8, 30));
    expect(summer?.start.timeZone).toBe("Europe/Madrid");
    expect(winter?.id).toBe(eventIdFor("winter"));
    expect(winter?.startMs).toBe(Date.UTC(2030, 0, 14, 8, 30));
    expect(summer?.summary).toBe("Limpieza dental – Ana López");
    expect(summer?.description).toContain("+34 600 000 000");
    expect(summer?.description).toContain("Primera visita");
    expect(summer?.description).toContain("Tratamiento: Limpieza dental");
    expect(summer?.extendedProperties?.private).toMatchObject({
      customer_name: "Ana López",
      customer_email: "ana@example.com",
      treatment: "Limpieza dental",
    });
    // Free/busy is asked before the insert, for this calendar, in the tenant's zone.
    const [fb, insert] = standIn.requests;
    expect(fb).toMatchObject({ method: "POST", path: "/calendar/v3/freeBusy" });
    expect(fb?.body).toMatchObject({ timeZone: "Europe/Madrid", items: [{ id: CAL }] });
    expect(insert).toMatchObject({ method: "POST", status: 200 });
    expect(insert?.path).toMatch(EVENTS);
  });

  it("two attempts racing with one event id: the insert answers 409 and the booking is reported as existing", async () => {
    const calendar = service();
    standIn.delayNext(80, 2, { path: /freeBusy/ }); // both see the slot free before either inserts
    const results = await Promise.all([
      calendar.createBooking(booking(), { eventId: eventIdFor("dup") }),
      calendar.createBooking(booking(), { eventId: eventIdFor("dup") }),
    ]);
    expect(results.map((r) => r.already_existed).sort()).toEqual([false, true]);
    expect(results[0]?.start).toBe(results[1]?.start);
    expect(standIn.events(CAL)).toHaveLength(1);
    expect(
      standIn.requests
        .filter((r) => r.method === "POST" && EVENTS.test(r.path))
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 409]);
  });

  it("an answer lost to a time-out is retriable, and the retry finds the event instead of duplicating it", async () => {
    const calendar = service({ timeoutMs: 150 });
    standIn.delayNext(600, 1, { method: "POST", path: EVENTS });
    const err = await calendar
      .createBooking(booking(), { eventId: eventIdFor("slow") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalendarApiError);
    expect((err as CalendarApiError).retriable).toBe(true);
    expect(standIn.events(CAL)).toHaveLength(1); // created although the answer never arrived

    const again = await calendar.createBooking(booking(), { eventId: eventIdFor("slow") });
    expect(again).toMatchObject({ event_id: eventIdFor("slow"), already_existed: true });
    expect(standIn.events(CAL)).toHaveLength(1);
  });

  it("deleting twice: 204, then 410 Gone, both reported as success", async () => {
    const calendar = service();
    const id = eventIdFor("cancel-me");
    await calendar.createBooking(booking(), { eventId: id });
    await calendar.deleteBooking(id);
    const second = await calendar.deleteBooking(id);
    expect(second).toEqual({ event_id: id, deleted: false, already_deleted: true });
    const deletes = standIn.requests.filter((r) => r.method === "DELETE").map((r) => r.status);
    expect(deletes).toEqual([204, 410]);
    expect(standIn.events(CAL)[0]?.status).toBe("cancelled");
    expect(await calendar.getBooking(id)).toBeNull();
  });

  it.each([
    [429, "rateLimitExceeded", true],
    [503, "backendError", true],
    [500, "backendError", true],
    [403, "rateLimitExceeded", true],
    [403, "forbidden", false],
    [400, "badRequest", false],
  ])("HTTP %i %s surfaces as CalendarApiError retriable=%s, sent once", async (status, reason, retriable) => {
    const calendar = service();
    standIn.failNext(1, status, reason, { path: EVENTS, method: "POST" });
    const err = await calendar
      .createBooking(booking(), { eventId: eventIdFor("x") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalendarApiError);
    expect(err).toMatchObject({
      retriable,
      status,
      reason,
      code: "CALENDAR_API_ERROR",
      operation: "events.insert",
    });
    expect(isTransientError(err)).toBe(retriable); // what the ToolExecutor decides on
    expect(standIn.requests.filter((r) => r.status === status)).toHaveLength(1); // googleapis did not retry
    expect(standIn.events(CAL)).toEqual([]);
  });

  it("reads are not retried by googleapis either, unless the retry option asks for it", async () => {
    standIn.failNext(1, 503, undefined, { method: "GET" });
    await expect(service().getBooking(eventIdFor("r"))).rejects.toMatchObject({
      retriable: true,
      status: 503,
    });
    expect(standIn.requests.filter((r) => r.method === "GET")).toHaveLength(1);

    standIn.failNext(1, 503, undefined, { method: "GET" });
    expect(await service({ retry: true }).getBooking(eventIdFor("r"))).toBeNull();
    expect(standIn.requests.filter((r) => r.method === "GET").map((r) => r.status)).toEqual([503, 503, 404]);
  });

  it("a refused access token is a final error that says to renew the credentials", async () => {
    const err = await service({}, { accessToken: "expired" })
      .createBooking(booking(), { eventId: eventIdFor("a") })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "CalendarApiError", status: 401, retriable: false });
    expect((err as Error).message).toMatch(/credentials were refused/);
    expect(inspect(err, { depth: 8, showHidden: true })).not.toContain("Bearer"); // no token on the error
    expect(standIn.requests).toHaveLength(1);
  });

  it("a calendar the credentials cannot see is a final error naming it", async () => {
    await standIn.close();
    standIn = new GoogleCalendarStandIn({ calendars: ["someone-else"] });
    rootUrl = await standIn.start();
    const err = await service()
      .createBooking(booking(), { eventId: eventIdFor("nf") })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "CalendarApiError", retriable: false, reason: "notFound" });
    expect((err as Error).message).toContain(CAL);
  });

  it("signs its own Bearer JWT from a service-account key, with no token exchange", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const serviceAccountJson = JSON.stringify({
      type: "service_account",
      client_email: "booking-bot@clinic-project.iam.gserviceaccount.com",
      private_key: privateKey,
      private_key_id: "key-1",
    });
    const created = await service({}, { serviceAccountJson }).createBooking(booking(), {
      eventId: eventIdFor("sa"),
    });
    expect(created.already_existed).toBe(false);
    expect(standIn.requests.every((r) => r.path.startsWith("/calendar/v3/"))).toBe(true);

    const token = /^Bearer (.+)$/.exec(String(standIn.requests[0]?.headers.authorization))?.[1] ?? "";
    const [head, payload, signature] = token.split(".");
    const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? "", "base64url").toString());
    expect(decode(head)).toMatchObject({ alg: "RS256", kid: "key-1" });
    expect(decode(payload)).toMatchObject({
      iss: "booking-bot@clinic-project.iam.gserviceaccount.com",
      scope: "https://www.googleapis.com/auth/calendar",
    });
    const valid = verify(
      "RSA-SHA256",
      Buffer.from(`${head}.${payload}`),
      createPublicKey(publicKey),
      Buffer.from(signature ?? "", "base64url"),
    );
    expect(valid).toBe(true);
  });

  it("refuses bad booking data before sending anything", async () => {
    const calendar = service();
    await expect(
      calendar.createBooking(booking({ date: "2030-02-29" }), { eventId: eventIdFor("v") }),
    ).rejects.toMatchObject({ name: "InvalidBookingError", field: "date" });
    await expect(
      calendar.createBooking(booking({ time: "25:00" }), { eventId: eventIdFor("v") }),
    ).rejects.toBeInstanceOf(InvalidBookingError);
    await expect(
      calendar.createBooking(booking({ date: "2030-07-06" }), { eventId: eventIdFor("v") }),
    ).rejects.toBeInstanceOf(OutsideOpeningHoursError);
    expect(standIn.requests).toEqual([]);
  });

  it("events made by staff in Google Calendar block their slots and are listed", async () => {
    const calendar = service();
    standIn.addEvent(CAL, {
      summary: "Reunión de equipo",
      start: "2030-07-01T10:00:00+02:00",
      end: "2030-07-01T11:00:00+02:00",
    });
    standIn.addEvent(CAL, {
      summary: "Recordatorio",
      start: "2030-07-01T12:00:00+02:00",
      end: "2030-07-01T12:30:00+02:00",
      transparency: "transparent",
    });
    const starts = (await calendar.checkAvailability("2030-07-01")).slots.map((s) => s.start.slice(11, 16));
    expect(starts).not.toContain("10:00");
    expect(starts).not.toContain("10:30");
    expect(starts).toContain("11:00");
    expect(starts).toContain("12:00"); // a transparent ("free") event does not block
    await expect(
      calendar.createBooking(booking({ time: "10:30" }), { eventId: eventIdFor("clash") }),
    ).rejects.toBeInstanceOf(SlotUnavailableError);
    const listed = (await calendar.listBookings("2030-07-01")).bookings;
    expect(listed.map((b) => [b.time, b.summary, b.duration_minutes])).toEqual([
      ["10:00", "Reunión de equipo", 60],
      ["12:00", "Recordatorio", 30],
    ]);
    expect(listed[0]?.customer_name).toBeUndefined();
  });

  it("reads events written under the older property name service as treatment", async () => {
    standIn.addEvent(CAL, {
      summary: "Peeling – Ana López",
      start: "2030-07-01T08:00:00.000Z",
      end: "2030-07-01T08:30:00.000Z",
      extendedProperties: { private: { customer_name: "Ana López", service: "Peeling" } },
    });
    const { bookings } = await service().listBookings("2030-07-01");
    expect(bookings).toHaveLength(1);
    expect(bookings[0]).toMatchObject({
      customer_name: "Ana López",
      treatment: "Peeling",
      service: "Peeling",
    });
  });

  it("lists past the first page of results", async () => {
    for (let i = 0; i < 260; i++) {
      const start = Date.UTC(2030, 6, 1, 7) + i * 3_600_000;
      standIn.addEvent(CAL, {
        summary: `e${i}`,
        start: new Date(start).toISOString(),
        end: new Date(start + 1_800_000).toISOString(),
      });
    }
    const { bookings } = await service().listBookings();
    expect(bookings).toHaveLength(260);
    expect(bookings[259]?.summary).toBe("e259");
    expect(standIn.requests.filter((r) => r.method === "GET")).toHaveLength(2);
  });

  it("the stand-in answers googleapis as Google does for requests the service never makes", async () => {
    const auth = new googleAuth.OAuth2();
    auth.setCredentials({ access_token: "good" });
    const api = calendarApi({ version: "v3", auth, rootUrl });
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { status?: number }) => e.status,
      );
    const times = {
      start: { dateTime: "2030-07-01T10:00:00+02:00" },
      end: { dateTime: "2030-07-01T10:30:00+02:00" },
    };
    expect(
      await status(api.events.insert({ calendarId: CAL, requestBody: { id: "Has-Upper", ...times } })),
    ).toBe(400);
    expect(await status(api.events.insert({ calendarId: CAL, requestBody: { id: "abcd", ...times } }))).toBe(
      400,
    );
    expect(await status(api.events.insert({ calendarId: CAL, requestBody: { id: "abcde", ...times } }))).toBe(
      200,
    );
    const dup = (await api.events
      .insert({ calendarId: CAL, requestBody: { id: "abcde", ...times } })
      .catch((e: unknown) => e)) as { status?: number; response: { data: { error: unknown } } };
    expect(dup.status).toBe(409);
    expect(dup.response.data.error).toMatchObject({ code: 409, errors: [{ reason: "duplicate" }] });
    expect(await status(api.events.list({ calendarId: CAL, orderBy: "startTime" }))).toBe(400);
    const noAuth = await fetch(new URL("calendar/v3/freeBusy", rootUrl), { method: "POST" });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});
