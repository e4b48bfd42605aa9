import {
  bookingFromEvent,
  type DescriptionLocale,
  type EventRecord,
  eventForBooking,
} from "./booking-event.js";
import { BookingCancelledError, CalendarConfigError, SlotUnavailableError } from "./errors.js";
import {
  assertBookable,
  checkScheduleSettings,
  findAlternatives,
  freeSlots,
  type Interval,
  isOpenDay,
  overlapsAny,
  type ScheduleContext,
} from "./schedule.js";
import { addDays, dayBoundsUtc, utcToZonedTime, zonedTimeToUtc } from "./time-zone.js";
import type {
  Availability,
  Booking,
  BookingData,
  CalendarService,
  CreatedBooking,
  DeleteResult,
  OpeningHours,
} from "./types.js";
import { assertDate, assertEventId, type ValidBooking, validateBookingData } from "./validation.js";

/** Settings shared by every calendar implementation. */
export interface CalendarServiceOptions {
  /** IANA zone the tenant's dates and times are written in, e.g. Europe/Madrid. */
  timeZone: string;
  openingHours: OpeningHours;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /** Language of the event description staff read. Default "es". */
  locale?: DescriptionLocale;
  /** How many days after a refused date to search for alternatives. Default 14. */
  alternativesHorizonDays?: number;
}

/** What an implementation reports after trying to store a new event. */
export type InsertOutcome =
  | { kind: "created"; event: EventRecord }
  /** An event with this id is already there (the idempotent case). */
  | { kind: "existing"; event: EventRecord }
  /** The id belongs to a cancelled event. */
  | { kind: "cancelled" }
  /** Another event took the slot meanwhile (only stores that can check atomically report this). */
  | { kind: "conflict" };

/**
 * The booking rules (validation, opening hours, free/busy check, idempotency, alternatives),
 * written once over five storage primitives that each implementation provides.
 */
export abstract class CalendarServiceBase implements CalendarService {
  abstract readonly name: string;
  protected readonly timeZone: string;
  protected readonly openingHours: OpeningHours;
  private readonly now: () => Date;
  private readonly locale: DescriptionLocale;
  private readonly horizonDays: number;

  protected constructor(options: CalendarServiceOptions) {
    checkScheduleSettings(options.timeZone, options.openingHours);
    const horizon = options.alternativesHorizonDays ?? 14;
    if (!Number.isInteger(horizon) || horizon < 0 || horizon > 60) {
      throw new CalendarConfigError("alternativesHorizonDays", "a whole number of days from 0 to 60");
    }
    this.timeZone = options.timeZone;
    this.openingHours = { ...options.openingHours, days: [...options.openingHours.days] };
    this.now = options.now ?? (() => new Date());
    this.locale = options.locale ?? "es";
    this.horizonDays = horizon;
  }

  /** Busy spans (any event that blocks time) overlapping `window`. */
  protected abstract busyIntervals(window: Interval): Promise<Interval[]>;
  /** Stores the event under its id unless that id exists. */
  protected abstract insertEvent(event: EventRecord): Promise<InsertOutcome>;
  /** The event, cancelled ones included; null when the id is unknown. */
  protected abstract readEvent(eventId: string): Promise<EventRecord | null>;
  /** Cancels the event; "absent" when it was missing or already cancelled. */
  protected abstract removeEvent(eventId: string): Promise<"deleted" | "absent">;
  /** Confirmed events overlapping [start, end) (end open when omitted), sorted by start. */
  protected abstract listEvents(window: { start: number; end?: number }): Promise<EventRecord[]>;

  async createBooking(data: BookingData, opts: { eventId: string }): Promise<CreatedBooking> {
    const eventId = assertEventId(opts?.eventId);
    const booking = validateBookingData(data);
    const ctx = this.context();
    const interval = assertBookable(booking, ctx);
    const busy = await this.busyIntervals(interval);
    if (overlapsAny(interval, busy)) {
      // The slot may be taken by this very booking (an earlier attempt that timed out).
      const own = await this.readEvent(eventId);
      if (own) return this.alreadyThere(own);
      throw await this.slotTaken(booking, ctx);
    }
    const outcome = await this.insertEvent(eventForBooking(eventId, booking, interval, this.locale));
    switch (outcome.kind) {
      case "created":
        return { ...bookingFromEvent(outcome.event, this.timeZone), already_existed: false };
      case "existing":
        return this.alreadyThere(outcome.event);
      case "cancelled":
        throw new BookingCancelledError(eventId);
      case "conflict":
        throw await this.slotTaken(booking, ctx);
    }
  }

  async deleteBooking(eventId: string): Promise<DeleteResult> {
    const id = assertEventId(eventId);
    const deleted = (await this.removeEvent(id)) === "deleted";
    return { event_id: id, deleted, already_deleted: !deleted };
  }

  async getBooking(eventId: string): Promise<Booking | null> {
    const event = await this.readEvent(assertEventId(eventId));
    return event && event.status === "confirmed" ? bookingFromEvent(event, this.timeZone) : null;
  }

  async checkAvailability(date: string): Promise<Availability> {
    const day = assertDate(date);
    const base = { date: day, time_zone: this.timeZone };
    if (!isOpenDay(day, this.openingHours)) return { ...base, slots: [], open: false };
    const window = {
      start: zonedTimeToUtc(day, this.openingHours.open, this.timeZone).getTime(),
      end: zonedTimeToUtc(day, this.openingHours.close, this.timeZone).getTime(),
    };
    const busy = await this.busyIntervals(window);
    return { ...base, slots: freeSlots(day, busy, this.context()), open: true };
  }

  async listBookings(date?: string): Promise<{ bookings: Booking[] }> {
    let window: { start: number; end?: number };
    if (date === undefined) {
      const today = utcToZonedTime(this.now(), this.timeZone).date;
      window = { start: dayBoundsUtc(today, this.timeZone).start.getTime() };
    } else {
      const bounds = dayBoundsUtc(assertDate(date), this.timeZone);
      window = { start: bounds.start.getTime(), end: bounds.end.getTime() };
    }
    const events = await this.listEvents(window);
    return { bookings: events.map((e) => bookingFromEvent(e, this.timeZone)) };
  }

  private context(): ScheduleContext {
    return { timeZone: this.timeZone, openingHours: this.openingHours, now: this.now() };
  }

  private alreadyThere(event: EventRecord): CreatedBooking {
    if (event.status === "cancelled") throw new BookingCancelledError(event.eventId);
    return { ...bookingFromEvent(event, this.timeZone), already_existed: true };
  }

  private async slotTaken(booking: ValidBooking, ctx: ScheduleContext): Promise<SlotUnavailableError> {
    const window = {
      start: dayBoundsUtc(booking.date, this.timeZone).start.getTime(),
      end: dayBoundsUtc(addDays(booking.date, this.horizonDays), this.timeZone).end.getTime(),
    };
    const busy = await this.busyIntervals(window);
    const alternatives = findAlternatives(booking, busy, ctx, this.horizonDays);
    return new SlotUnavailableError(booking.date, booking.time, alternatives);
  }
}
