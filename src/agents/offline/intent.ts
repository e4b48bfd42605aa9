import type { AgentName, AppointmentState } from "../types.js";
import { extractEmail, extractName } from "./customer.js";
import { extractDateTime } from "./date-time.js";
import { detectInjection } from "./injection.js";
import { detectProblem } from "./problems.js";
import {
  DURATION,
  detectConfirmation,
  detectSalesTopic,
  detectScheduleAction,
  isGibberish,
  isGreeting,
  isThanks,
  PRICE,
  WANT,
} from "./signals.js";
import { countAny, hasAny, normalize } from "./text.js";

export {
  detectConfirmation,
  detectSalesTopic,
  detectScheduleAction,
  isGibberish,
  isGreeting,
  isThanks,
  type SalesTopic,
  type ScheduleAction,
} from "./signals.js";

import type { TreatmentCatalogue } from "./treatments.js";

export interface IntentContext {
  appointment: AppointmentState | null;
  catalogue?: TreatmentCatalogue;
  /** The last thing the agent said, to read a short answer against it. */
  lastAgentTurn?: string;
}

export interface IntentResult {
  agent: AgentName;
  /** e.g. `schedule.book`, `schedule.confirm_yes`, `sales.price`, `support.complication`. */
  intent: string;
}

/** True while a booking is being arranged (details or a yes are missing). */
export function bookingInProgress(appointment: AppointmentState | null): boolean {
  if (!appointment) return false;
  return appointment.status === "draft" || appointment.awaiting_confirmation === true;
}

/** Phrases the offline agents end with when they offer a person; a yes to them goes to support. */
export const OFFER_PERSON_ES = "¿Quieres que te ponga en contacto con una persona del equipo?";
export const OFFER_PERSON_EN = "Would you like me to put you in touch with someone from our team?";

/** What the sales agent asks after describing a treatment; a yes to it starts a booking. */
export const OFFER_BOOKING_ES = "¿Quieres que te reserve una cita?";
export const OFFER_BOOKING_EN = "Would you like me to book you an appointment?";

/**
 * Which agent should answer, and the finer intent. In order: injected instructions (sales,
 * which never acts), support problems, a booking in progress keeps short answers (a yes, a time,
 * a name, an email) with the schedule agent, appointment actions, then sales questions.
 *
 * @example
 * classifyIntent("a las 11", { appointment: draft }) // { agent: "schedule", intent: "schedule.provide_details" }
 */
export function classifyIntent(text: string, context: IntentContext): IntentResult {
  if (detectInjection(text)) return { agent: "sales", intent: "security.injection" };
  const problem = detectProblem(text);
  if (problem) return { agent: "support", intent: `support.${problem.reason}` };

  const n = normalize(text);
  const appointment = context.appointment;
  const action = detectScheduleAction(text);
  const confirmation = detectConfirmation(text);
  const booked = appointment?.status === "booked";

  const offeredPerson = [OFFER_PERSON_ES, OFFER_PERSON_EN].some((o) => context.lastAgentTurn?.includes(o));
  if (confirmation === "yes" && offeredPerson) return { agent: "support", intent: "support.human" };
  const offeredBooking = [OFFER_BOOKING_ES, OFFER_BOOKING_EN].some((o) => context.lastAgentTurn?.includes(o));
  if (confirmation === "yes" && offeredBooking && !bookingInProgress(appointment)) {
    return { agent: "schedule", intent: "schedule.book" };
  }
  if (booked && action === "cancel") return { agent: "schedule", intent: "schedule.cancel" };
  if (booked && action === "reschedule") return { agent: "schedule", intent: "schedule.reschedule" };

  const topicQuestion = hasAny(n, [...PRICE, ...DURATION]) || /[?¿]/.test(text);
  if (bookingInProgress(appointment) || (booked && appointment?.awaiting_confirmation)) {
    if (appointment?.awaiting_confirmation && confirmation) {
      return { agent: "schedule", intent: `schedule.confirm_${confirmation}` };
    }
    if (action === "cancel") return { agent: "schedule", intent: "schedule.cancel" };
    const dt = extractDateTime(text, { now: new Date(0), timeZone: "UTC", expectTime: true });
    const details =
      dt.date !== undefined ||
      dt.time !== undefined ||
      extractEmail(text) !== undefined ||
      extractName(text, { expectName: true }) !== undefined ||
      context.catalogue?.match(text) !== undefined;
    const salesQuestion = hasAny(n, [...PRICE, ...DURATION]) && !action;
    if (!salesQuestion && (details || confirmation || action || !topicQuestion)) {
      return { agent: "schedule", intent: "schedule.provide_details" };
    }
  }
  if (action === "cancel") return { agent: "schedule", intent: "schedule.cancel" };
  if (action === "reschedule") return { agent: "schedule", intent: "schedule.reschedule" };
  const priceOrDuration = hasAny(n, [...PRICE, ...DURATION]);
  if (action === "book" && !priceOrDuration) return { agent: "schedule", intent: "schedule.book" };
  // "Quiero botox el 20 de enero", "I want a cleaning tomorrow": a treatment with a wish or a day.
  const treatment = context.catalogue?.match(text);
  if (treatment && !priceOrDuration && !/[?¿]/.test(text)) {
    const dt = extractDateTime(text, { now: new Date(0), timeZone: "UTC" });
    if (dt.date || dt.time || hasAny(n, WANT)) return { agent: "schedule", intent: "schedule.book" };
  }

  if (isGreeting(text)) return { agent: "sales", intent: "sales.greeting" };
  if (isThanks(text)) return { agent: "sales", intent: "sales.thanks" };
  if (isGibberish(text)) return { agent: "sales", intent: "sales.unclear" };
  const topic = detectSalesTopic(text);
  if (topic !== "info") return { agent: "sales", intent: `sales.${topic}` };
  if (
    context.catalogue?.match(text) ||
    countAny(n, ["tratamiento*", "treatment*", "informacion", "info"]) > 0
  ) {
    return { agent: "sales", intent: "sales.treatment_info" };
  }
  return { agent: "sales", intent: "sales.general" };
}
