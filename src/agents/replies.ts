import { say } from "./offline/format.js";
import { OFFER_PERSON_EN, OFFER_PERSON_ES } from "./offline/intent.js";
import type { Locale } from "./types.js";

/** The answer to injected instructions: polite, and nothing is changed. */
export function injectionReply(locale: Locale): string {
  return say(
    locale,
    "Solo puedo ayudarte con tus propias citas y con información de la clínica; no puedo hacer eso. ¿En qué más te ayudo?",
    "I can only help with your own appointments and with information about the clinic; I can't do that. How else can I help?",
  );
}

/** Offers a person from the team (a yes to it goes to the support agent). */
export function offerPerson(locale: Locale): string {
  return say(locale, OFFER_PERSON_ES, OFFER_PERSON_EN);
}

/** What the assistant can do, for greetings and messages it did not understand. */
export function capabilities(locale: Locale, clinicName: string): string {
  return say(
    locale,
    `Soy el asistente de ${clinicName}: te informo de tratamientos, precios y horarios, reservo, cambio o cancelo citas y te ayudo si tienes algún problema. ¿En qué te ayudo?`,
    `I'm the ${clinicName} assistant: I can tell you about treatments, prices and opening hours, book, change or cancel appointments, and help if something went wrong. How can I help?`,
  );
}
