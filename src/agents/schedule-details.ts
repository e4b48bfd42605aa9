import { extractEmail, extractName } from "./offline/customer.js";
import { type DateTimeExtraction, extractDateTime } from "./offline/date-time.js";
import { detectConfirmation, detectScheduleAction, type ScheduleAction } from "./offline/intent.js";
import { hasAny, normalize } from "./offline/text.js";
import type { Treatment, TreatmentCatalogue } from "./offline/treatments.js";
import type { AgentInput, AppointmentState } from "./types.js";

/**
 * What one customer message says about an appointment. The schedule agent reads a message once,
 * through a `SlotExtractor`, and decides everything else (availability, past dates, confirmation,
 * booking) from these details with its own deterministic rules.
 */
export interface MessageDetails {
  /** A treatment of the catalogue the message names. */
  treatment?: Treatment;
  /** Date and time on the tenant's calendar, with what is still ambiguous about them. */
  dt: DateTimeExtraction;
  customer_name?: string;
  customer_email?: string;
  /** A yes or a no to the question the agent asked last. */
  confirmation?: "yes" | "no";
  /** Book, cancel or move an appointment. */
  action?: ScheduleAction;
  /** "otra cita", "another appointment": a new booking besides the one already made. */
  another: boolean;
}

export interface ExtractionContext {
  /** The appointment the message is about: the draft being filled, the booked one, or null for a new one. */
  appointment: AppointmentState | null;
}

/** Reads a customer message into `MessageDetails` (by rules, or with a language model). */
export interface SlotExtractor {
  extract(input: AgentInput, context: ExtractionContext): Promise<MessageDetails>;
}

export interface OfflineExtractorOptions {
  catalogue: TreatmentCatalogue;
  /** Opening hours, to read "a las 5" as 17:00. */
  hours?: { open: string; close: string };
}

const ANOTHER = [
  "otra cita",
  "nueva cita",
  "otra reserva",
  "another appointment",
  "new appointment",
  "another booking",
];

/**
 * The deterministic reader: catalogue matching, `chrono-node` dates and times, name and email
 * patterns, yes/no and cancel/reschedule phrases. A bare "11" counts as a time when the draft has
 * a day but no hour; a bare name counts when the agent has asked for it.
 */
export class OfflineSlotExtractor implements SlotExtractor {
  constructor(private readonly options: OfflineExtractorOptions) {}

  async extract(input: AgentInput, context: ExtractionContext): Promise<MessageDetails> {
    return this.read(input, context);
  }

  /** The same, synchronously. */
  read(input: AgentInput, { appointment }: ExtractionContext): MessageDetails {
    const treatment = this.options.catalogue.match(input.text);
    const dt = extractDateTime(input.text, {
      now: input.now,
      timeZone: input.timeZone,
      locale: input.locale,
      expectTime: appointment?.date !== undefined && appointment.time === undefined,
      ...(this.options.hours ? { hours: this.options.hours } : {}),
    });
    const askedForName =
      appointment?.treatment !== undefined &&
      appointment.date !== undefined &&
      appointment.customer_name === undefined;
    const name = extractName(input.text, {
      expectName: askedForName && !dt.date && !dt.time && !treatment,
    });
    const email = extractEmail(input.text);
    const confirmation = detectConfirmation(input.text);
    const action = detectScheduleAction(input.text);
    return {
      ...(treatment ? { treatment } : {}),
      dt,
      ...(name ? { customer_name: name } : {}),
      ...(email ? { customer_email: email } : {}),
      ...(confirmation ? { confirmation } : {}),
      ...(action ? { action } : {}),
      another: hasAny(normalize(input.text), ANOTHER),
    };
  }
}
