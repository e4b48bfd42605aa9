import { AgentLedgerError } from "../../util/errors.js";
/** A free slot offered instead of a refused one, in the tenant's time zone. */
export interface AlternativeSlot {
  date: string;
  time: string;
  /** ISO 8601 with the tenant's UTC offset. */
  start: string;
  end: string;
}

/** Base class of every calendar error: a stable `name`, a `code` and whether a retry can help. */
export abstract class CalendarError extends AgentLedgerError {
  abstract override readonly name: string;
}

/** The booking data (or an event id or date argument) is malformed; `field` names the culprit. */
export class InvalidBookingError extends CalendarError {
  override readonly name: string = "InvalidBookingError";
  readonly code: string = "INVALID_BOOKING";
  readonly retriable = false;
  constructor(
    readonly field: string,
    readonly expected: string,
    detail?: string,
    scope = "booking_data.",
  ) {
    super(
      `${scope}${field}: expected ${expected}${detail ? `, ${detail}` : ""}. Fix the value and try again.`,
    );
  }
}

/** The requested start lies in the past (in the tenant's time zone). */
export class BookingInPastError extends InvalidBookingError {
  override readonly name = "BookingInPastError";
  override readonly code = "BOOKING_IN_PAST";
  constructor(date: string, time: string, timeZone: string) {
    super("time", "a start in the future", `got ${date} ${time} (${timeZone}), which has already passed`);
  }
}

/** The slot is on a closed day or does not fit between opening and closing time. */
export class OutsideOpeningHoursError extends CalendarError {
  override readonly name = "OutsideOpeningHoursError";
  readonly code = "OUTSIDE_OPENING_HOURS";
  readonly retriable = false;
  constructor(
    readonly date: string,
    readonly time: string,
    readonly openingHoursText: string,
  ) {
    super(
      `${date} ${time} is outside opening hours (${openingHoursText}). Choose a start, and a duration, that fit inside them.`,
    );
  }
}

/** Someone else holds (part of) the slot. `alternatives` lists the nearest free slots. */
export class SlotUnavailableError extends CalendarError {
  override readonly name = "SlotUnavailableError";
  readonly code = "SLOT_TAKEN";
  readonly retriable = false;
  constructor(
    readonly date: string,
    readonly time: string,
    readonly alternatives: AlternativeSlot[],
  ) {
    const offer = alternatives.map((a) => `${a.date} ${a.time}`).join(", ");
    super(
      `${date} ${time} is already taken. ${
        offer
          ? `Nearest free slots: ${offer}. Offer one of these to the customer.`
          : "No free slot was found in the next days."
      }`,
    );
  }
}

/**
 * The event id belongs to a booking that was cancelled (for instance by a compensation).
 * Re-creating it would undo the cancellation, so it is refused.
 */
export class BookingCancelledError extends CalendarError {
  override readonly name = "BookingCancelledError";
  readonly code = "BOOKING_CANCELLED";
  readonly retriable = false;
  constructor(readonly eventId: string) {
    super(
      `event ${eventId} belongs to a booking that was cancelled. To book again, use a new idempotency key (a new event id).`,
    );
  }
}

/** The calendar service was constructed with unusable settings. */
export class CalendarConfigError extends CalendarError {
  override readonly name = "CalendarConfigError";
  readonly code = "CALENDAR_CONFIG";
  readonly retriable = false;
  constructor(
    readonly option: string,
    expected: string,
  ) {
    super(`calendar option ${option}: expected ${expected}.`);
  }
}

/**
 * Google Calendar answered with an error or could not be reached. `retriable` is true for 429,
 * 403 rateLimitExceeded, 408, 5xx, time-outs and network failures; the caller owns the retries.
 */
export class CalendarApiError extends CalendarError {
  override readonly name = "CalendarApiError";
  readonly code = "CALENDAR_API_ERROR";
  constructor(
    message: string,
    readonly operation: string,
    readonly retriable: boolean,
    readonly status?: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export function isCalendarError(err: unknown): err is CalendarError {
  return err instanceof CalendarError;
}
