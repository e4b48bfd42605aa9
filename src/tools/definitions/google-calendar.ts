import { z } from "zod";
import type { Availability, Booking, CreatedBooking, DeleteResult } from "../../services/calendar/index.js";
import { eventIdFor } from "../../services/calendar/index.js";
import { defineTool } from "../define-tool.js";
import { DateString, Email, TimeString } from "../schemas.js";

const TreatmentText = z.string().trim().min(1, "expected the treatment or service to book").max(200);

/**
 * The guide's booking_data. `treatment` names what is booked; `service` is its older alias and is
 * folded into `treatment`, so the audit trail, the event and the follow-ups all see one name.
 */
const BookingData = z
  .object({
    customer_name: z.string().trim().min(1, "expected the customer's name"),
    customer_email: Email.optional(),
    customer_phone: z.string().trim().min(6, "expected a phone number").optional(),
    treatment: TreatmentText.optional().describe("The treatment or service to book, e.g. Botox."),
    service: TreatmentText.optional().describe("Older alias of treatment; give one of the two."),
    date: DateString,
    time: TimeString,
    duration_minutes: z.number().int("expected whole minutes").min(5).max(480).default(30),
    notes: z.string().max(2000).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.treatment === undefined && b.service === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["treatment"],
        message: "expected the treatment or service to book (older alias: service)",
      });
    else if (b.treatment !== undefined && b.service !== undefined && b.treatment !== b.service)
      ctx.addIssue({
        code: "custom",
        path: ["treatment"],
        message: `booking_data.treatment and booking_data.service (its older alias) differ ("${b.treatment}" vs "${b.service}"); send only treatment`,
      });
  })
  .transform(({ service, ...rest }) => ({ ...rest, treatment: (rest.treatment ?? service) as string }));

const schema = z
  .object({
    action: z.enum(["create_booking", "delete_booking", "check_availability", "list_bookings"], {
      message: "expected one of create_booking, delete_booking, check_availability, list_bookings",
    }),
    booking_data: BookingData.optional(),
    event_id: z
      .string()
      .regex(/^[a-v0-9]{5,1024}$/, "expected a calendar event id ([a-v0-9], 5-1024 characters)")
      .optional(),
    date: DateString.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.action === "create_booking" && !p.booking_data)
      ctx.addIssue({ code: "custom", path: ["booking_data"], message: "required for create_booking" });
    if (p.action === "delete_booking" && !p.event_id)
      ctx.addIssue({ code: "custom", path: ["event_id"], message: "required for delete_booking" });
    if (p.action === "check_availability" && !p.date)
      ctx.addIssue({ code: "custom", path: ["date"], message: "required for check_availability" });
  });
type Params = z.infer<typeof schema>;

/**
 * What each action returns. create_booking answers with the booking and whether a retry found it
 * already made; after a crash, a booking found made is the booking as read back.
 */
export interface CalendarActionResults {
  create_booking: CreatedBooking | Booking;
  delete_booking: DeleteResult;
  check_availability: Availability;
  list_bookings: { bookings: Booking[] };
}
/** The result of any action; the members tell themselves apart by their fields (see {@link isBooking}). */
export type CalendarResult = CalendarActionResults[keyof CalendarActionResults];

/** Whether a calendar result is a booking (what create_booking returns). */
export function isBooking(result: CalendarResult): result is CreatedBooking | Booking {
  return "event_id" in result && "start" in result;
}

/** Books, cancels, lists and checks appointments in the tenant's calendar. */
export const googleCalendarTool = defineTool({
  name: "google_calendar",
  description:
    "Manage clinic appointments. action=check_availability {date} lists free slots; create_booking {booking_data: {date, time, treatment, customer_name, customer_email?}} books one (confirm with the customer first); delete_booking {event_id} cancels; list_bookings {date?}.",
  actionType: "booking",
  service: "calendar",
  schema,
  actionName: (p) => `google_calendar.${p.action}`,
  compensation: (p) =>
    p.action === "create_booking"
      ? {
          toolName: "google_calendar",
          parameters: (result: CalendarResult) => ({
            action: "delete_booking",
            event_id: isBooking(result) ? result.event_id : undefined,
          }),
        }
      : null,
  async run(p, s, ctx): Promise<CalendarResult> {
    switch (p.action) {
      case "create_booking":
        // The event id is derived from the step's idempotency key: a retry after a lost answer
        // finds the event it already made instead of booking twice.
        return s.calendar.createBooking(p.booking_data as NonNullable<Params["booking_data"]>, {
          eventId: eventIdFor(ctx.idempotencyKey),
        });
      case "delete_booking":
        return s.calendar.deleteBooking(p.event_id as string);
      case "check_availability":
        return s.calendar.checkAvailability(p.date as string);
      case "list_bookings":
        return s.calendar.listBookings(p.date);
    }
  },
  afterCompensation(p, result, tenant) {
    const b = p.booking_data;
    if (p.action !== "create_booking" || !b?.customer_email || b.customer_email.includes("***")) return [];
    const booked = isBooking(result) ? result : null;
    return [
      {
        toolName: "send_email",
        parameters: {
          to_email: b.customer_email,
          template_name: "appointment_cancellation",
          locale: tenant.locale,
          template_vars: {
            customer_name: b.customer_name,
            appointment_date: booked?.date ?? b.date,
            appointment_time: booked?.time ?? b.time,
            // Entries audited before `treatment` was the field's name carry `service`.
            treatment: b.treatment ?? (b as { service?: string }).service,
            ...(tenant.clinicName ? { clinic_name: tenant.clinicName } : {}),
            ...(tenant.clinicPhone ? { clinic_phone: tenant.clinicPhone } : {}),
          },
        },
      },
    ];
  },
  async reconcile(p, s, idempotencyKey) {
    if (p.action !== "create_booking") return null;
    const booking = await s.calendar.getBooking(eventIdFor(idempotencyKey));
    return booking ? { happened: true, result: booking } : { happened: false };
  },
});
