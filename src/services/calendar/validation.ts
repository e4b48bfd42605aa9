import { InvalidBookingError } from "./errors.js";
import type { BookingFields } from "./types.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Google's rule for client-supplied event ids: base32hex characters, 5 to 1024 of them. */
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

export const DEFAULT_DURATION_MINUTES = 30;
export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 480;

/** Booking data after validation: trimmed strings, duration filled in, `service` folded into `treatment`. */
export type ValidBooking = Omit<BookingFields, "duration_minutes"> & {
  treatment: string;
  duration_minutes: number;
};

/** True for a real calendar date written YYYY-MM-DD (2030-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

export function isClockTime(value: string): boolean {
  return TIME.test(value);
}

/** Throws InvalidBookingError naming `field` unless `value` is a real YYYY-MM-DD date. */
export function assertDate(value: unknown, field = "date", scope = ""): string {
  if (typeof value !== "string" || !isCalendarDate(value)) {
    throw new InvalidBookingError(field, "a real calendar date YYYY-MM-DD", describe(value), scope);
  }
  return value;
}

/** Throws InvalidBookingError unless `value` is a valid Google event id ([a-v0-9], 5..1024 chars). */
export function assertEventId(value: unknown): string {
  if (typeof value !== "string" || !EVENT_ID.test(value)) {
    throw new InvalidBookingError(
      "event_id",
      "an event id of 5-1024 characters a-v and 0-9 (use eventIdFor(key))",
      describe(value),
      "",
    );
  }
  return value;
}

/**
 * Checks booking data field by field and throws InvalidBookingError naming the first bad field.
 * Does not look at the clock or the opening hours: the calendar service does that.
 */
export function validateBookingData(data: unknown): ValidBooking {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new InvalidBookingError("(root)", "an object with customer_name, treatment, date and time");
  }
  const d = data as Record<string, unknown>;
  const customerName = requiredText(d, "customer_name", 200);
  const treatment = treatmentOf(d);
  const date = assertDate(d.date, "date", "booking_data.");
  if (typeof d.time !== "string" || !isClockTime(d.time)) {
    throw new InvalidBookingError("time", "a 24-hour time HH:MM such as 09:30", describe(d.time));
  }
  const duration = d.duration_minutes ?? DEFAULT_DURATION_MINUTES;
  if (
    typeof duration !== "number" ||
    !Number.isInteger(duration) ||
    duration < MIN_DURATION_MINUTES ||
    duration > MAX_DURATION_MINUTES
  ) {
    throw new InvalidBookingError(
      "duration_minutes",
      `a whole number of minutes from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}`,
      describe(duration),
    );
  }
  const email = optionalText(d, "customer_email", 254);
  if (email !== undefined && !EMAIL.test(email)) {
    throw new InvalidBookingError("customer_email", "an email address such as ana@example.com");
  }
  const booking: ValidBooking = {
    customer_name: customerName,
    treatment,
    date,
    time: d.time,
    duration_minutes: duration,
  };
  if (email !== undefined) booking.customer_email = email;
  const phone = optionalText(d, "customer_phone", 40);
  if (phone !== undefined) booking.customer_phone = phone;
  const notes = optionalText(d, "notes", 2000);
  if (notes !== undefined) booking.notes = notes;
  return booking;
}

/**
 * `treatment`, or its older alias `service`. Both may be given only with the same value: two
 * different ones leave it unclear what to book.
 */
function treatmentOf(d: Record<string, unknown>): string {
  const hasTreatment = d.treatment !== undefined && d.treatment !== null;
  const hasService = d.service !== undefined && d.service !== null;
  if (hasTreatment && hasService) {
    const treatment = requiredText(d, "treatment", 200);
    const service = requiredText(d, "service", 200);
    if (treatment !== service) {
      throw new InvalidBookingError(
        "treatment",
        `one treatment, but booking_data.treatment and booking_data.service (its older alias) differ ("${clip(treatment)}" vs "${clip(service)}"); send only treatment`,
      );
    }
    return treatment;
  }
  if (hasService) return requiredText(d, "service", 200);
  const v = d.treatment;
  if (typeof v !== "string" || v.trim() === "") {
    throw new InvalidBookingError(
      "treatment",
      "the treatment or service to book as a non-empty text (older alias: service)",
      v === undefined ? "it is missing" : undefined,
    );
  }
  return requiredText(d, "treatment", 200);
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function requiredText(d: Record<string, unknown>, field: string, max: number): string {
  const v = d[field];
  if (typeof v !== "string" || v.trim() === "") {
    throw new InvalidBookingError(field, "a non-empty text", v === undefined ? "it is missing" : undefined);
  }
  if (v.trim().length > max) throw new InvalidBookingError(field, `at most ${max} characters`);
  return v.trim();
}

function optionalText(d: Record<string, unknown>, field: string, max: number): string | undefined {
  const v = d[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new InvalidBookingError(field, "a text");
  if (v.trim().length > max) throw new InvalidBookingError(field, `at most ${max} characters`);
  return v.trim() === "" ? undefined : v.trim();
}

/** Echoes short scalar values only: booking data carries personal details. */
function describe(value: unknown): string {
  if (value === undefined) return "it is missing";
  if (typeof value === "string" && value.length <= 40) return `got "${value}"`;
  if (typeof value === "number" || typeof value === "boolean") return `got ${value}`;
  return `got a ${Array.isArray(value) ? "list" : typeof value}`;
}
