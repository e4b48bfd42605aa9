import { wallClock } from "./offline/clock.js";
import type { DateTimeExtraction } from "./offline/date-time.js";
import { capital, formatWhen, say } from "./offline/format.js";
import { advanceDraft, type DraftRules } from "./schedule-draft.js";
import type { AgentInput, AgentOutput, AppointmentState } from "./types.js";

/**
 * The first step of moving a booked appointment: checks the new day and time (a missing one keeps
 * the booked value) and asks for a yes. The booking only changes in the shared context while the
 * question is open (status still `booked`, `rescheduled_from` holding the old slot); a refused
 * slot leaves it exactly as it was.
 */
export async function proposeReschedule(
  booked: AppointmentState,
  dt: DateTimeExtraction,
  input: AgentInput,
  rules: DraftRules,
): Promise<AgentOutput> {
  const locale = input.locale;
  const from = booked.rescheduled_from ?? { date: booked.date ?? "", time: booked.time ?? "" };
  if (!dt.date && !dt.time) {
    return {
      reply: say(
        locale,
        "¿A qué día y hora quieres cambiar tu cita?",
        "Which day and time would you like to move your appointment to?",
      ),
      intent: "schedule.reschedule",
    };
  }
  const today = wallClock(input.now, input.timeZone).date;
  if ((dt.date ?? from.date) === from.date && (dt.time ?? from.time) === from.time) {
    return {
      reply: say(
        locale,
        `Tu cita ya es ${formatWhen(from.date, from.time, locale, today)}. ¿Qué otro día u hora prefieres?`,
        `Your appointment is already ${formatWhen(from.date, from.time, locale, today)}. Which other day or time would you prefer?`,
      ),
      sharedContext: { appointment: asBooked(booked, from) },
      intent: "schedule.reschedule",
    };
  }
  // "cámbiala al jueves" keeps the hour; "a las 12" keeps the day.
  const proposed: AppointmentState = {
    ...booked,
    date: dt.date ?? from.date,
    time: dt.time ?? from.time,
    rescheduled_from: from,
    awaiting_confirmation: false,
  };
  const step = await advanceDraft(
    proposed,
    { ...dt, ambiguities: dt.ambiguities.filter((a) => a !== "no_time" && a !== "no_date") },
    input,
    // The booked slot itself is free for the move ("de 11:00 a 11:30" for a 90-minute treatment).
    {
      ...rules,
      release: { date: from.date, time: from.time, duration: booked.duration_minutes ?? rules.slotMinutes },
    },
  );
  if (!step.ready) {
    return {
      reply: step.reply,
      sharedContext: { appointment: asBooked(booked, from) },
      intent: "schedule.reschedule",
    };
  }
  return {
    reply: say(
      locale,
      `${capital(formatWhen(proposed.date ?? "", proposed.time, locale, today))} está libre. ¿Cambio tu cita de ${booked.treatment} del ${formatWhen(from.date, from.time, locale, today).replace(/^el /, "")} a esa hora?`,
      `${capital(formatWhen(proposed.date ?? "", proposed.time, locale, today))} is free. Shall I move your ${rules.catalogue.displayName(booked.treatment ?? "", "en")} appointment from ${formatWhen(from.date, from.time, locale, today).replace(/^on /, "")} to then?`,
    ),
    sharedContext: { appointment: { ...proposed, awaiting_confirmation: true } },
    intent: "schedule.reschedule",
  };
}

/** The booking exactly as it was: nothing changes until a free slot is agreed. */
function asBooked(booked: AppointmentState, from: { date: string; time: string }): AppointmentState {
  const { rescheduled_from: _, ...unchanged } = { ...booked, date: from.date, time: from.time };
  return { ...unchanged, awaiting_confirmation: false };
}
