import type { AppointmentState, CustomerInfo } from "../agents/types.js";
import type { ToolParams } from "../tools/tool-map.js";
import { bookingKey } from "./deps.js";
import type { GraphStateType } from "./state.js";
import { texts } from "./texts.js";
import type { ToolCallOf } from "./tool-call.js";

/** What google_calendar's create_booking takes as `booking_data`. */
export type BookingData = NonNullable<ToolParams<"google_calendar">["booking_data"]>;

/**
 * The google_calendar `booking_data` of an appointment. A field the appointment lacks is sent empty:
 * the tool refuses it, naming the field, before anything is booked.
 */
export function bookingData(a: AppointmentState, customer: CustomerInfo): BookingData {
  const email = a.customer_email ?? customer.email;
  return {
    customer_name: a.customer_name ?? customer.name ?? "",
    treatment: a.treatment ?? "",
    date: a.date ?? "",
    time: a.time ?? "",
    ...(email ? { customer_email: email } : {}),
    ...(customer.phone ? { customer_phone: customer.phone } : {}),
    ...(a.duration_minutes ? { duration_minutes: a.duration_minutes } : {}),
  };
}

/** The confirmation email's parameters (template appointment_confirmation). */
export function confirmationEmail(
  a: AppointmentState,
  customer: CustomerInfo,
  clinicName: string,
  locale: GraphStateType["locale"],
): ToolParams<"send_email"> | null {
  const to = a.customer_email ?? customer.email;
  if (!to) return null;
  return {
    to_email: to,
    template_name: "appointment_confirmation",
    locale,
    template_vars: {
      customer_name: a.customer_name ?? customer.name ?? "",
      appointment_date: a.date ?? "",
      appointment_time: a.time ?? "",
      treatment: a.treatment ?? "",
      service_name: a.treatment ?? "",
      clinic_name: clinicName,
    },
  };
}

/** One step of the booking flow: the call a tool node makes and the saga records. */
export type BookingStep<N extends "google_calendar" | "send_email" | "send_whatsapp"> = ToolCallOf<N> & {
  step: "book" | "confirmation-email" | "whatsapp";
  key: string;
  actionType: string;
};

/** The booking flow: the calendar booking first, then the notifications. */
export type BookingPlan = [
  BookingStep<"google_calendar">,
  ...(BookingStep<"send_email"> | BookingStep<"send_whatsapp">)[],
];

/**
 * The calls of the booking flow of an appointment with a booking reference. The saga plans exactly
 * these and the tool nodes run exactly these, so recovery repeats or undoes the very same calls.
 */
export function bookingPlan(
  state: Pick<GraphStateType, "companyId" | "conversationId" | "locale" | "sharedContext">,
  a: AppointmentState & { booking_ref: string },
  clinicName: string,
): BookingPlan {
  const customer = state.sharedContext.customer;
  const email = confirmationEmail(a, customer, clinicName, state.locale);
  return [
    {
      step: "book",
      key: bookingKey(state, a.booking_ref, "book"),
      toolName: "google_calendar" as const,
      actionType: "booking",
      parameters: { action: "create_booking", booking_data: bookingData(a, customer) },
    },
    ...(email
      ? [
          {
            step: "confirmation-email" as const,
            key: bookingKey(state, a.booking_ref, "confirmation-email"),
            toolName: "send_email" as const,
            actionType: "notification",
            parameters: email,
          },
        ]
      : []),
    {
      step: "whatsapp",
      key: bookingKey(state, a.booking_ref, "whatsapp"),
      toolName: "send_whatsapp" as const,
      actionType: "notification",
      parameters: {
        conversation_id: state.conversationId,
        message: texts.whatsapp(a, clinicName, state.locale),
      },
    },
  ];
}
