import type { Interval } from "./schedule.js";
import { formatZonedIso, utcToZonedTime } from "./time-zone.js";
import type { Booking } from "./types.js";
import type { ValidBooking } from "./validation.js";

const MINUTE = 60_000;

/** Marks events this system created, among the ones staff add by hand. */
export const CREATED_BY = "agent-ledger";

export type DescriptionLocale = "es" | "en";

type Label = "treatment" | "customer" | "phone" | "email" | "notes";
const LABELS: Record<DescriptionLocale, Record<Label, string>> = {
  es: { treatment: "Tratamiento", customer: "Cliente", phone: "Teléfono", email: "Email", notes: "Notas" },
  en: { treatment: "Treatment", customer: "Customer", phone: "Phone", email: "Email", notes: "Notes" },
};

/** A calendar event in neutral form: what both implementations store and read back. */
export interface EventRecord {
  eventId: string;
  summary: string;
  description: string;
  /** UTC span. */
  interval: Interval;
  status: "confirmed" | "cancelled";
  /** Customer fields (Google: extendedProperties.private). All values are strings. */
  properties: Record<string, string>;
  htmlLink?: string;
}

/** The event to write for a validated booking at a resolved time. */
export function eventForBooking(
  eventId: string,
  booking: ValidBooking,
  interval: Interval,
  locale: DescriptionLocale,
): EventRecord {
  const l = LABELS[locale];
  const lines = [`${l.treatment}: ${booking.treatment}`, `${l.customer}: ${booking.customer_name}`];
  if (booking.customer_phone) lines.push(`${l.phone}: ${booking.customer_phone}`);
  if (booking.customer_email) lines.push(`${l.email}: ${booking.customer_email}`);
  if (booking.notes) lines.push(`${l.notes}: ${booking.notes}`);
  const properties: Record<string, string> = {
    customer_name: booking.customer_name,
    treatment: booking.treatment,
    duration_minutes: String(booking.duration_minutes),
    created_by: CREATED_BY,
  };
  if (booking.customer_email) properties.customer_email = booking.customer_email;
  if (booking.customer_phone) properties.customer_phone = booking.customer_phone;
  return {
    eventId,
    summary: `${booking.treatment} – ${booking.customer_name}`,
    description: lines.join("\n"),
    interval,
    status: "confirmed",
    properties,
  };
}

/** The booking view of an event, times in the tenant's zone. */
export function bookingFromEvent(event: EventRecord, timeZone: string): Booking {
  const local = utcToZonedTime(event.interval.start, timeZone);
  const booking: Booking = {
    event_id: event.eventId,
    summary: event.summary,
    start: formatZonedIso(event.interval.start, timeZone),
    end: formatZonedIso(event.interval.end, timeZone),
    date: local.date,
    time: local.time,
    duration_minutes: Math.round((event.interval.end - event.interval.start) / MINUTE),
    status: event.status,
  };
  const p = event.properties;
  if (p.customer_name) booking.customer_name = p.customer_name;
  if (p.customer_email) booking.customer_email = p.customer_email;
  // Events written before `treatment` was the field's name carry it as `service`.
  const treatment = p.treatment ?? p.service;
  if (treatment) {
    booking.treatment = treatment;
    booking.service = treatment;
  }
  if (event.htmlLink) booking.html_link = event.htmlLink;
  return booking;
}
