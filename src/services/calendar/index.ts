export { CalendarServiceBase, type CalendarServiceOptions, type InsertOutcome } from "./base-service.js";
export {
  type AlternativeSlot,
  BookingCancelledError,
  BookingInPastError,
  CalendarApiError,
  CalendarConfigError,
  CalendarError,
  InvalidBookingError,
  isCalendarError,
  OutsideOpeningHoursError,
  SlotUnavailableError,
} from "./errors.js";
export { eventIdFor } from "./event-id.js";
export {
  CALENDAR_SCOPE,
  type GoogleCalendarAuth,
  type GoogleCalendarOptions,
  GoogleCalendarService,
} from "./google-service.js";
export { type LocalCalendarOptions, LocalCalendarService } from "./local-service.js";
export { utcToZonedTime, zonedTimeExists, zonedTimeToUtc } from "./time-zone.js";
export type {
  Availability,
  Booking,
  BookingData,
  CalendarService,
  CreatedBooking,
  DeleteResult,
  OpeningHours,
  TimeSlot,
} from "./types.js";
export { assertEventId, type ValidBooking, validateBookingData } from "./validation.js";
