import { normalizeSpanish } from "../../services/knowledge/spanish.js";

/**
 * Text helpers shared by the offline NLU: everything matches on normalised text (lower case, no
 * accents, punctuation as spaces), so "Sí", "si" and "SI!" are the same word.
 */

/** Lower case, accents stripped, anything but letters, digits, `@`, `.`, `:` and `-` turned into spaces. */
export function normalize(text: string): string {
  return ` ${normalizeSpanish(text)
    .replace(/[^a-z0-9@.:'\-+]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()} `;
}

/** The normalised words of a text. */
export function words(text: string): string[] {
  return normalize(text)
    .split(/[\s.:]+/)
    .filter((w) => w !== "");
}

/**
 * True when the normalised text contains one of the phrases as whole words. A phrase ending in `*`
 * matches any word starting with it ("duel*" matches "duele" and "dolor" does not).
 */
export function hasAny(normalized: string, phrases: readonly string[]): boolean {
  return phrases.some((p) => phraseRegex(p).test(normalized));
}

/** How many of the phrases occur (each counted once). */
export function countAny(normalized: string, phrases: readonly string[]): number {
  return phrases.filter((p) => phraseRegex(p).test(normalized)).length;
}

const cache = new Map<string, RegExp>();

function phraseRegex(phrase: string): RegExp {
  let re = cache.get(phrase);
  if (!re) {
    const prefix = phrase.endsWith("*");
    const body = (prefix ? phrase.slice(0, -1) : phrase)
      .split(" ")
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("\\s+");
    re = new RegExp(`(?:^|[\\s.:])${body}${prefix ? "[a-z]*" : ""}(?=$|[\\s.:])`);
    cache.set(phrase, re);
  }
  return re;
}

/** Levenshtein distance, capped: returns `max + 1` as soon as it is certain to exceed `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length] ?? max + 1;
}

/** A word typed by running fingers over the keyboard ("asdfghjk"): long with hardly any vowels. */
export function isKeyMash(word: string): boolean {
  const w = normalize(word).trim();
  if (w.length < 5 || /[^a-z]/.test(w)) return false;
  const vowels = w.match(/[aeiouy]/g)?.length ?? 0;
  return vowels / w.length < 0.25 || /[^aeiouy]{5}/.test(w);
}
