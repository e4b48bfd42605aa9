/** The booking fields other than the treatment. */
export interface BookingFields {
  customer_name: string;
  customer_email?: string;
  customer_phone?: string;
  /** YYYY-MM-DD, in the tenant's time zone. */
  date: string;
  /** HH:MM (24 h), in the tenant's time zone. */
  time: string;
  /** 5..480, default 30. */
  duration_minutes?: number;
  notes?: string;
}

/**
 * What the `google_calendar` tool's `create_booking` action receives (snake_case, as the model sees
 * it, named as in the user guide). `treatment` names what is booked; `service` is its older alias,
 * still accepted (giving both with different values is refused).
 */
export type BookingData = BookingFields &
  (
    | { treatment: string /** @deprecated alias of `treatment`. */; service?: string }
    | { /** @deprecated alias of `treatment`. */ service: string; treatment?: string }
  );

/** A booking as read back from the calendar. */
export interface Booking {
  event_id: string;
  summary: string;
  /** ISO 8601 with the tenant's UTC offset, e.g. 2030-07-01T10:00:00+02:00. */
  start: string;
  end: string;
  date: string;
  time: string;
  duration_minutes: number;
  customer_name?: string;
  customer_email?: string;
  treatment?: string;
  /** @deprecated the same value as `treatment`, kept for readers of the older name. */
  service?: string;
  status: "confirmed" | "cancelled";
  html_link?: string;
}

/** Weekly opening hours in the tenant's time zone. */
export interface OpeningHours {
  /** 0 = Sunday .. 6 = Saturday. */
  days: number[];
  /** HH:MM */
  open: string;
  /** HH:MM */
  close: string;
  slotMinutes: number;
}

export interface TimeSlot {
  start: string;
  end: string;
}

export interface Availability {
  date: string;
  time_zone: string;
  slots: TimeSlot[];
  /** False on a closed day. */
  open: boolean;
}

export interface DeleteResult {
  event_id: string;
  deleted: boolean;
  already_deleted: boolean;
}

export type CreatedBooking = Booking & { already_existed: boolean };

/**
 * The calendar behind the `google_calendar` tool. Every write is idempotent by event id:
 * creating an existing id returns it with `already_existed: true`, deleting twice is a no-op.
 *
 * @example
 * const booking = await calendar.createBooking(data, { eventId: eventIdFor(idempotencyKey) });
 * await calendar.deleteBooking(booking.event_id); // the compensation
 */
export interface CalendarService {
  /** 'google' | 'local' */
  readonly name: string;
  createBooking(booking: BookingData, opts: { eventId: string }): Promise<CreatedBooking>;
  deleteBooking(eventId: string): Promise<DeleteResult>;
  /** Null when missing or cancelled. */
  getBooking(eventId: string): Promise<Booking | null>;
  checkAvailability(date: string): Promise<Availability>;
  /** Without a date: every booking from today (tenant time) on. */
  listBookings(date?: string): Promise<{ bookings: Booking[] }>;
  close?(): Promise<void>;
}
