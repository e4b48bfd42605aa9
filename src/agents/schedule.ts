import { checkAgentInput, checkScheduleOptions } from "./errors.js";
import { wallClock } from "./offline/clock.js";
import { formatWhen, say } from "./offline/format.js";
import { detectInjection } from "./offline/injection.js";
import type { TreatmentCatalogue } from "./offline/treatments.js";
import { injectionReply } from "./replies.js";
import { type MessageDetails, OfflineSlotExtractor, type SlotExtractor } from "./schedule-details.js";
import { advanceDraft, type DraftRules, mergeDetails } from "./schedule-draft.js";
import { proposeReschedule } from "./schedule-reschedule.js";
import type { Agent, AgentInput, AgentOutput, AppointmentState } from "./types.js";

export interface ScheduleAgentOptions {
  catalogue: TreatmentCatalogue;
  /** Length of the calendar's slots in minutes (the tenant's `openingHours.slotMinutes`). Default 30. */
  slotMinutes?: number;
  /** Opening hours, to say "closed at that hour" rather than "taken" and to read "a las 5" as 17:00. */
  hours?: { open: string; close: string };
  /** Days after a refused date searched for free slots. Default 14. */
  horizonDays?: number;
  /**
   * Ask "¿Confirmo la cita...?" before booking, also when everything was said in one message.
   * Default true. With false, a message that completes the draft with a free slot confirms it at
   * once: the seed's one-message flow when the customer's name and email are already known.
   */
  confirmBeforeBooking?: boolean;
  /**
   * Reads each message into treatment, date, time, name, email, yes/no and cancel/reschedule.
   * Default: the offline reader (`OfflineSlotExtractor`). Whatever reads, this agent decides.
   */
  extractor?: SlotExtractor;
}

const ACTIVE = new Set<AppointmentState["status"]>(["booked", "confirmed"]);

/**
 * Arranges appointments over several turns without a language model: fills treatment, date,
 * time, name and email, checks the calendar through `tools.checkAvailability`, proposes the
 * nearest free slots, asks for a yes and only then sets `has_appointment` (status `confirmed`,
 * with a `booking_ref` stable within the thread). Cancels (`cancel_requested`) and reschedules
 * (`reschedule_requested`, after a yes) a booked appointment; the graph's tool nodes act on it.
 */
export class ScheduleAgent implements Agent {
  readonly name = "schedule" as const;
  private readonly rules: DraftRules;
  private readonly confirmFirst: boolean;
  private readonly extractor: SlotExtractor;

  constructor(options: ScheduleAgentOptions) {
    checkScheduleOptions(options);
    this.rules = {
      catalogue: options.catalogue,
      slotMinutes: options.slotMinutes ?? 30,
      horizonDays: options.horizonDays ?? 14,
      ...(options.hours ? { hours: options.hours } : {}),
    };
    this.confirmFirst = options.confirmBeforeBooking ?? true;
    this.extractor =
      options.extractor ??
      new OfflineSlotExtractor({
        catalogue: options.catalogue,
        ...(options.hours ? { hours: options.hours } : {}),
      });
  }

  /** One customer message; returns the reply and the appointment to keep in the shared context. */
  async run(input: AgentInput): Promise<AgentOutput> {
    checkAgentInput(input);
    if (detectInjection(input.text))
      return { reply: injectionReply(input.locale), intent: "security.injection" };
    const current = input.sharedContext.appointment;
    const active = current !== null && ACTIVE.has(current.status);
    const inProgress = current?.status === "draft";
    const details = await this.extractor.extract(input, {
      appointment: active || inProgress ? current : null,
    });
    if (current && active) return this.handleBooked(current, details, input);
    const action = details.action;
    if (action === "cancel") {
      if (inProgress) {
        return {
          reply: say(
            input.locale,
            "De acuerdo, dejo la reserva sin hacer. ¿Te ayudo con algo más?",
            "OK, I have dropped that booking request. Anything else I can help with?",
          ),
          sharedContext: { appointment: { ...current, status: "cancelled", awaiting_confirmation: false } },
          intent: "schedule.cancel",
        };
      }
      return {
        reply: say(
          input.locale,
          "No veo ninguna cita reservada en esta conversación. Si la pediste por otra vía, dime el día y te pongo con recepción.",
          "I can't see any booked appointment in this conversation. If you booked another way, tell me the day and I'll pass you to reception.",
        ),
        intent: "schedule.cancel",
      };
    }
    // A new draft keeps the thread's last booking_ref: it is the counter the next ref follows.
    const draft: AppointmentState = inProgress
      ? current
      : {
          has_appointment: false,
          status: "draft",
          ...(current?.booking_ref ? { booking_ref: current.booking_ref } : {}),
        };
    return this.fillDraft(draft, details, input);
  }

  private async fillDraft(
    draft: AppointmentState,
    details: MessageDetails,
    input: AgentInput,
  ): Promise<AgentOutput> {
    const confirmation = details.confirmation;
    const merged = mergeDetails(draft, details, input, this.rules);
    const customer = {
      ...(merged.draft.customer_name ? { name: merged.draft.customer_name } : {}),
      ...(merged.draft.customer_email ? { email: merged.draft.customer_email } : {}),
    };
    if (draft.awaiting_confirmation && !merged.changedSlot && confirmation === "no") {
      return {
        reply: say(
          input.locale,
          "Sin problema. ¿Qué prefieres cambiar, el día o la hora?",
          "No problem. What would you like to change, the day or the time?",
        ),
        sharedContext: { appointment: { ...merged.draft, awaiting_confirmation: false }, customer },
        intent: "schedule.confirm_no",
      };
    }
    const step = await advanceDraft(merged.draft, merged.dt, input, this.rules);
    if (!step.ready) {
      return {
        reply: step.reply,
        sharedContext: { appointment: step.appointment, customer },
        intent: "schedule.book",
      };
    }
    const d = step.appointment;
    const today = wallClock(input.now, input.timeZone).date;
    const slot = formatWhen(d.date ?? "", d.time, input.locale, today);
    const confirmsNow =
      (draft.awaiting_confirmation && !merged.changedSlot && confirmation === "yes") || !this.confirmFirst;
    if (!confirmsNow) {
      return {
        reply: say(
          input.locale,
          `¿Confirmo la cita de ${d.treatment} ${slot} a nombre de ${d.customer_name}?`,
          `Shall I confirm your ${this.rules.catalogue.displayName(d.treatment ?? "", "en")} appointment ${slot} for ${d.customer_name}?`,
        ),
        sharedContext: { appointment: { ...d, awaiting_confirmation: true }, customer },
        intent: "schedule.confirm_request",
      };
    }
    const confirmed: AppointmentState = {
      ...d,
      awaiting_confirmation: false,
      has_appointment: true,
      status: "confirmed",
      booking_ref: nextBookingRef(input.conversationId, d.booking_ref),
    };
    return {
      reply: say(
        input.locale,
        `¡Perfecto! Reservo tu cita de ${d.treatment} ${slot}. Te enviaremos la confirmación a ${d.customer_email}.`,
        `Great! Booking your ${this.rules.catalogue.displayName(d.treatment ?? "", "en")} appointment ${slot}. We'll send the confirmation to ${d.customer_email}.`,
      ),
      sharedContext: { appointment: confirmed, customer },
      intent: "schedule.confirm_yes",
    };
  }

  /** Cancel, reschedule (with a yes first) or describe a booked appointment; a new request starts a new draft. */
  private async handleBooked(
    booked: AppointmentState,
    details: MessageDetails,
    input: AgentInput,
  ): Promise<AgentOutput> {
    const locale = input.locale;
    const today = wallClock(input.now, input.timeZone).date;
    const { action, confirmation, dt } = details;
    const pending = booked.awaiting_confirmation === true && booked.rescheduled_from !== undefined;
    const hasNewSlot = dt.date !== undefined || dt.time !== undefined;

    if (action === "cancel" && !pending) {
      return {
        reply: say(
          locale,
          `De acuerdo, cancelo tu cita de ${booked.treatment} ${formatWhen(booked.date ?? "", booked.time, locale, today)}.`,
          `OK, I'm cancelling your ${this.rules.catalogue.displayName(booked.treatment ?? "", "en")} appointment ${formatWhen(booked.date ?? "", booked.time, locale, today)}.`,
        ),
        sharedContext: {
          appointment: { ...booked, status: "cancel_requested", awaiting_confirmation: false },
        },
        intent: "schedule.cancel",
      };
    }
    if (pending && !hasNewSlot && confirmation) {
      if (confirmation === "no") {
        const { rescheduled_from: from, ...rest } = booked;
        const restored = { ...rest, date: from?.date, time: from?.time, awaiting_confirmation: false };
        return {
          reply: say(
            locale,
            "Vale, mantengo tu cita como estaba.",
            "OK, I'm keeping your appointment as it was.",
          ),
          sharedContext: { appointment: restored },
          intent: "schedule.confirm_no",
        };
      }
      return {
        reply: say(
          locale,
          `¡Hecho! Tu cita de ${booked.treatment} pasa ${formatWhen(booked.date ?? "", booked.time, locale, today).replace(/^el /, "al ")}.`,
          `Done! Moving your ${this.rules.catalogue.displayName(booked.treatment ?? "", "en")} appointment to ${formatWhen(booked.date ?? "", booked.time, locale, today)}.`,
        ),
        sharedContext: {
          appointment: {
            ...booked,
            status: "reschedule_requested",
            awaiting_confirmation: false,
            booking_ref: nextBookingRef(input.conversationId, booked.booking_ref),
          },
        },
        intent: "schedule.confirm_yes",
      };
    }
    // "otra cita para una limpieza": another appointment, not a change of this one.
    const named = details.treatment?.name;
    const another = details.another || (named !== undefined && named !== booked.treatment);
    if (!pending && action !== "reschedule" && another) {
      return this.fillDraft(
        {
          has_appointment: false,
          status: "draft",
          ...(booked.booking_ref ? { booking_ref: booked.booking_ref } : {}),
        },
        details,
        input,
      );
    }
    if (action === "reschedule" || hasNewSlot || pending) {
      return proposeReschedule(booked, dt, input, this.rules);
    }
    if (action === "book") {
      return this.fillDraft(
        {
          has_appointment: false,
          status: "draft",
          ...(booked.booking_ref ? { booking_ref: booked.booking_ref } : {}),
        },
        details,
        input,
      );
    }
    return {
      reply: say(
        locale,
        `Tu cita de ${booked.treatment} es ${formatWhen(booked.date ?? "", booked.time, locale, today)}. ¿Quieres cambiarla o cancelarla?`,
        `Your ${this.rules.catalogue.displayName(booked.treatment ?? "", "en")} appointment is ${formatWhen(booked.date ?? "", booked.time, locale, today)}. Would you like to change or cancel it?`,
      ),
      intent: "schedule.status",
    };
  }
}

/**
 * `<conversationId>:booking:<n>`, n one more than the previous ref's. Deterministic, so a re-run
 * of the agent (a LangGraph resume) yields the same ref and the graph's step keys stay stable.
 */
export function nextBookingRef(conversationId: string, previous: string | undefined): string {
  const n = Number(/:booking:(\d+)$/.exec(previous ?? "")?.[1] ?? 0);
  return `${conversationId}:booking:${n + 1}`;
}
