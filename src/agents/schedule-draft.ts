import { wallClock } from "./offline/clock.js";
import type { DateTimeExtraction } from "./offline/date-time.js";
import { capital, formatList, formatWhen, say } from "./offline/format.js";
import { checkSlot, nearestSlots, type SlotRules, spread } from "./offline/slots.js";
import type { TreatmentCatalogue } from "./offline/treatments.js";
import type { MessageDetails } from "./schedule-details.js";
import type { AgentInput, AppointmentState, Locale } from "./types.js";

/** What the schedule agent decided for a draft: the reply and the appointment to keep. */
export interface DraftStep {
  reply: string;
  appointment: AppointmentState;
  /** The draft is complete and the slot free: confirm it (or ask the customer to). */
  ready: boolean;
}

export interface DraftRules extends SlotRules {
  catalogue: TreatmentCatalogue;
}

/**
 * The treatment the customer asked about in their last few messages ("¿Cuánto cuesta el botox?"
 * then "sí" to the offer of an appointment): a new booking starts from it. The customer still
 * confirms it by name before anything is booked.
 */
function askedAbout(input: AgentInput, rules: DraftRules) {
  const recent = input.history
    .filter((t) => t.role === "customer")
    .slice(-3)
    .reverse();
  for (const turn of recent) {
    const found = rules.catalogue.match(turn.text);
    if (found) return found;
  }
  return undefined;
}

/** Puts a message's details (treatment, date, time, name, email) into the draft. */
export function mergeDetails(
  draft: AppointmentState,
  details: MessageDetails,
  input: AgentInput,
  rules: DraftRules,
): { draft: AppointmentState; dt: DateTimeExtraction; changedSlot: boolean } {
  const next: AppointmentState = { ...draft };
  const { dt } = details;
  const treatment = details.treatment ?? (next.treatment ? undefined : askedAbout(input, rules));
  if (treatment && treatment.name !== next.treatment) {
    next.treatment = treatment.name;
    next.duration_minutes = treatment.durationMinutes ?? rules.slotMinutes;
  }
  if (dt.date) next.date = dt.date;
  if (dt.time && !dt.ambiguities.includes("meridiem")) next.time = dt.time;
  if (details.customer_email) next.customer_email = details.customer_email;
  if (details.customer_name) next.customer_name = details.customer_name;
  next.customer_name ??= input.sharedContext.customer.name;
  next.customer_email ??= input.sharedContext.customer.email;
  const changedSlot =
    next.treatment !== draft.treatment || next.date !== draft.date || next.time !== draft.time;
  if (changedSlot) next.awaiting_confirmation = false;
  return { draft: next, dt, changedSlot };
}

/**
 * Decides the next question for a draft: what is missing (treatment, then day and time, then
 * name and email), whether the date is past, the day closed or the slot taken (with the nearest
 * free ones), and reports `ready` once everything is known and free.
 */
export async function advanceDraft(
  draft: AppointmentState,
  dt: DateTimeExtraction,
  input: AgentInput,
  rules: DraftRules,
): Promise<DraftStep> {
  const locale = input.locale;
  const d: AppointmentState = { ...draft };
  const step = (reply: string, ready = false): DraftStep => ({ reply, appointment: d, ready });
  const now = wallClock(input.now, input.timeZone);
  const when = (date: string, time?: string) => formatWhen(date, time, locale, now.date);

  if (dt.ambiguities.includes("invalid_date")) {
    return step(
      say(
        locale,
        "Esa fecha no existe en el calendario. ¿Qué día te viene bien?",
        "That date does not exist. Which day suits you?",
      ),
    );
  }
  if (dt.ambiguities.includes("meridiem") && dt.timeAlternatives) {
    const [a, b] = dt.timeAlternatives;
    return step(say(locale, `¿A las ${a} o a las ${b}?`, `At ${a} or at ${b}?`));
  }
  if (!d.treatment) {
    const names = formatList(rules.catalogue.names(locale), locale);
    return step(
      say(
        locale,
        `¡Claro! ¿Para qué tratamiento quieres la cita? Por ejemplo: ${names}.`,
        `Sure! Which treatment is the appointment for? For example: ${names}.`,
      ),
    );
  }
  if (!d.date) {
    return step(
      say(
        locale,
        d.time
          ? `Perfecto, ${d.treatment} a las ${d.time}. ¿Qué día te viene bien?`
          : `Perfecto, ${d.treatment}. ¿Qué día y a qué hora te viene bien?`,
        d.time
          ? `Great, ${rules.catalogue.displayName(d.treatment, "en")} at ${d.time}. Which day suits you?`
          : `Great, ${rules.catalogue.displayName(d.treatment, "en")}. Which day and time suit you?`,
      ),
    );
  }
  const duration = d.duration_minutes ?? rules.slotMinutes;
  const past = d.date < now.date || (d.date === now.date && d.time !== undefined && d.time <= now.time);
  if (past) {
    const refused = when(d.date, d.time);
    d.date = undefined;
    d.time = undefined;
    return step(
      say(
        locale,
        `${capital(refused)} ya ha pasado. ¿Qué otro día te viene bien?`,
        `${capital(refused)} is already in the past. Which other day suits you?`,
      ),
    );
  }
  const check = await checkSlot(input.tools, d.date, d.time, duration, rules);
  if (!check.open || check.dayStarts.length === 0) {
    const alternatives = await nearestSlots(input.tools, d.date, d.time, duration, rules);
    const refused = when(d.date);
    d.date = undefined;
    d.time = undefined;
    const why = check.open
      ? say(locale, `No me quedan huecos ${refused}.`, `I have no free slots ${refused}.`)
      : say(locale, `${capital(refused)} estamos cerrados.`, `We are closed ${refused}.`);
    return step(`${why} ${proposal(alternatives, locale, now.date)}`);
  }
  if (!d.time) {
    const part = dt.partOfDay;
    const pool = check.dayStarts.filter((t) =>
      part === "morning" ? t < "14:00" : part === "afternoon" ? t >= "14:00" : true,
    );
    const options = formatList(spread(pool.length > 0 ? pool : check.dayStarts), locale);
    return step(
      say(
        locale,
        `${capital(when(d.date))} tengo libre a las ${options}. ¿Qué hora prefieres?`,
        `${capital(when(d.date))} I have ${options} free. Which time do you prefer?`,
      ),
    );
  }
  if (!check.free) {
    const alternatives = await nearestSlots(input.tools, d.date, d.time, duration, rules);
    const refused = when(d.date, d.time);
    const why = check.outsideHours
      ? say(
          locale,
          `A esa hora estamos cerrados (abrimos de ${rules.hours?.open} a ${rules.hours?.close}).`,
          `We are closed at that time (open ${rules.hours?.open}-${rules.hours?.close}).`,
        )
      : say(locale, `${capital(refused)} ya está ocupado.`, `${capital(refused)} is already taken.`);
    d.time = undefined;
    return step(`${why} ${proposal(alternatives, locale, now.date)}`);
  }
  const slot = when(d.date, d.time);
  if (!d.customer_name || !d.customer_email) {
    const missing =
      !d.customer_name && !d.customer_email
        ? say(locale, "tu nombre y tu email", "your name and email")
        : !d.customer_name
          ? say(locale, "tu nombre completo", "your full name")
          : say(locale, "tu email (para enviarte la confirmación)", "your email (for the confirmation)");
    return step(
      say(
        locale,
        `Tengo hueco para ${d.treatment} ${slot}. Para reservarlo, ¿me dices ${missing}?`,
        `I have a slot for ${rules.catalogue.displayName(d.treatment, "en")} ${slot}. To book it, could you send me ${missing}?`,
      ),
    );
  }
  return step("", true);
}

/** "Te puedo ofrecer: el lunes 1 de diciembre a las 10:00, ... ¿Te va bien alguna?" */
export function proposal(slots: { date: string; time: string }[], locale: Locale, today: string): string {
  if (slots.length === 0) {
    return say(
      locale,
      "No veo huecos libres en los próximos días; ¿quieres que lo mire una persona del equipo?",
      "I see no free slots in the coming days; shall someone from our team look into it?",
    );
  }
  // Grouped by day: "el lunes 18 de enero a las 09:00, 09:30 o 10:00".
  const days = [...new Set(slots.map((s) => s.date))].map((date) => {
    const times = slots.filter((s) => s.date === date).map((s) => s.time);
    const or = say(locale, "o", "or");
    const list =
      times.length > 1 ? `${times.slice(0, -1).join(", ")} ${or} ${times.at(-1)}` : (times[0] ?? "");
    return formatWhen(date, list, locale, today);
  });
  const list = formatList(days, locale);
  return say(
    locale,
    `Te puedo ofrecer ${list}. ¿Te va bien alguna?`,
    `I can offer ${list}. Does any of these suit you?`,
  );
}
