import type { Locale } from "../types.js";

/** Picks the reply in the customer's language. */
export function say(locale: Locale, es: string, en: string): string {
  return locale === "en" ? en : es;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * A date as customers read it: "martes 20 de enero" / "Wednesday, January 20"; the year is added
 * when it is not the year of `today`.
 */
export function formatDate(date: string, locale: Locale, today?: string): string {
  const withYear = today !== undefined && today.slice(0, 4) !== date.slice(0, 4);
  const key = `${locale}:${withYear}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === "en" ? "en-US" : "es-ES", {
      timeZone: "UTC",
      weekday: "long",
      day: "numeric",
      month: "long",
      ...(withYear ? { year: "numeric" } : {}),
    });
    formats.set(key, f);
  }
  const text = f.format(new Date(`${date}T12:00:00Z`));
  return locale === "en" ? text : text.replace(",", "");
}

/** "el martes 20 de enero a las 10:00" / "on Wednesday, January 20 at 10:00". */
export function formatWhen(date: string, time: string | undefined, locale: Locale, today?: string): string {
  const day = formatDate(date, locale, today);
  if (locale === "en") return time ? `on ${day} at ${time}` : `on ${day}`;
  return time ? `el ${day} a las ${time}` : `el ${day}`;
}

/** "10:00, 10:30 y 11:00" / "10:00, 10:30 and 11:00". */
export function formatList(items: string[], locale: Locale): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${locale === "en" ? "and" : "y"} ${items.at(-1)}`;
}

/** The text with its first letter in upper case ("el lunes..." -> "El lunes..."). */
export function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
