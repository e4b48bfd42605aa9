import type { AppointmentState, CustomerInfo } from "../agents/types.js";
import { bookingKey } from "./deps.js";
import type { GraphStateType } from "./state.js";
import { texts } from "./texts.js";

/** The google_calendar `booking_data` of an appointment (the tool names the treatment `service`). */
export function bookingData(a: AppointmentState, customer: CustomerInfo): Record<string, unknown> {
  const name = a.customer_name ?? customer.name;
  const email = a.customer_email ?? customer.email;
  return {
    customer_name: name,
    service: a.treatment,
    date: a.date,
    time: a.time,
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
  locale: string,
): Record<string, unknown> | null {
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
export interface BookingStep {
  step: "book" | "confirmation-email" | "whatsapp";
  key: string;
  toolName: string;
  actionType: string;
  parameters: Record<string, unknown>;
}

/**
 * The calls of the booking flow of an appointment with a booking reference. The saga plans exactly
 * these and the tool nodes run exactly these, so recovery repeats or undoes the very same calls.
 */
export function bookingPlan(
  state: Pick<GraphStateType, "companyId" | "conversationId" | "locale" | "sharedContext">,
  a: AppointmentState & { booking_ref: string },
  clinicName: string,
): BookingStep[] {
  const customer = state.sharedContext.customer;
  const email = confirmationEmail(a, customer, clinicName, state.locale);
  return [
    {
      step: "book",
      key: bookingKey(state, a.booking_ref, "book"),
      toolName: "google_calendar",
      actionType: "booking",
      parameters: { action: "create_booking", booking_data: bookingData(a, customer) },
    },
    ...(email
      ? [
          {
            step: "confirmation-email" as const,
            key: bookingKey(state, a.booking_ref, "confirmation-email"),
            toolName: "send_email",
            actionType: "notification",
            parameters: email,
          },
        ]
      : []),
    {
      step: "whatsapp",
      key: bookingKey(state, a.booking_ref, "whatsapp"),
      toolName: "send_whatsapp",
      actionType: "notification",
      parameters: {
        conversation_id: state.conversationId,
        message: texts.whatsapp(a, clinicName, state.locale),
      },
    },
  ];
}
