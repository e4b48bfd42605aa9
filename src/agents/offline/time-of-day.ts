import { fromMinutes, toMinutes } from "./clock.js";

/**
 * Times of day in Spanish and English messages: "a las 3 de la tarde", "17:30", "10am", "18h",
 * "a las cinco y media", "at four thirty", "mediodía". Read on normalised text (see text.ts).
 */

const NUMBER_WORDS: Record<string, number> = {
  una: 1,
  uno: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
  once: 11,
  doce: 12,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const HOUR = `(\\d{1,2}|${Object.keys(NUMBER_WORDS).join("|")})`;
const AMPM = "(am|pm|a\\.m\\.?|p\\.m\\.?)";
const FRACTION = "(?:\\s+(y media|y cuarto|menos cuarto|y (\\d{1,2})|en punto|o'?clock|thirty))?";
const LEAD = "(?:a las|a la|sobre las|hacia las|para las|desde las|at|around|about)";

export interface TimeMatch {
  hour: number;
  minute: number;
  /** "am"/"pm" said, or a 24 h hour (13..23, 00). */
  meridiem?: "am" | "pm" | "24h";
  index: number;
  length: number;
}

const TIME_PATTERNS: { re: RegExp; read: (m: RegExpExecArray) => Omit<TimeMatch, "index" | "length"> }[] = [
  {
    // 17:30, 10.30, 10h30, 10:30am
    re: new RegExp(
      `(?<![\\d/.])(\\d{1,2})(?::|\\.|h)(\\d{2})(?:\\s*(?:h|hrs|horas))?(?:\\s*${AMPM})?(?![\\d/€])`,
      "g",
    ),
    read: (m) => ({ hour: Number(m[1]), minute: Number(m[2]), meridiem: ampm(m[3]) }),
  },
  {
    // 10am, 4 pm, a las 4pm
    re: new RegExp(`(?<![\\d:.])(\\d{1,2})\\s*${AMPM}(?![a-z])`, "g"),
    read: (m) => ({ hour: Number(m[1]), minute: 0, meridiem: ampm(m[2]) }),
  },
  {
    // a las 11, at 4, a las cinco y media, at four thirty
    re: new RegExp(`${LEAD}\\s+${HOUR}${FRACTION}(?:\\s*(?:h|hrs|horas)(?![a-z]))?(?![\\d:./a-z])`, "g"),
    read: (m) => ({ hour: hourOf(m[1]), minute: fraction(m[2], m[3]) }),
  },
  {
    // mediodía, noon
    re: /\b(?:al |a )?(mediodia|noon|midday)\b/g,
    read: () => ({ hour: 12, minute: 0, meridiem: "pm" }),
  },
  {
    // 18h, las 11 (a bare "las N" not followed by a noun: "las 2 zonas" is no time)
    re: new RegExp(
      `(?:(?<![\\d:.])(\\d{1,2})h(?![a-z\\d])|\\blas\\s+(\\d{1,2})${FRACTION}(?=\\s*(?:$|[?!,;]|y\\b|de la|por la|del|o\\b|en\\b)))`,
      "g",
    ),
    read: (m) => ({ hour: Number(m[1] ?? m[2]), minute: fraction(m[3], m[4]) }),
  },
];

function ampm(raw: string | undefined): "am" | "pm" | undefined {
  if (!raw) return undefined;
  return raw.startsWith("a") ? "am" : "pm";
}

function hourOf(raw: string | undefined): number {
  if (!raw) return Number.NaN;
  return NUMBER_WORDS[raw] ?? Number(raw);
}

function fraction(phrase: string | undefined, minutes: string | undefined): number {
  if (!phrase || phrase === "en punto" || phrase.includes("clock")) return 0;
  if (phrase === "y media" || phrase === "thirty") return 30;
  if (phrase === "y cuarto") return 15;
  if (phrase === "menos cuarto") return -15;
  return Number(minutes ?? 0);
}

export const PM_HINTS = [
  "del mediodia",
  "de la tarde",
  "por la tarde",
  "de la noche",
  "por la noche",
  "esta tarde",
  "in the afternoon",
  "in the evening",
  "this afternoon",
  "this evening",
  "tonight",
];
export const AM_HINTS = ["de la manana", "por la manana", "esta manana", "in the morning", "this morning"];

/** The first time of day the text names (a bare number only when `expectTime`). */
export function findTime(text: string, expectTime: boolean): TimeMatch | undefined {
  const found: TimeMatch[] = [];
  for (const { re, read } of TIME_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      found.push({ ...read(m), index: m.index, length: m[0].length });
    }
  }
  if (found.length === 0 && expectTime) {
    const bare = /^\s*(?:a las |at )?(\d{1,2})(?:[:.h](\d{2}))?\s*$/.exec(text);
    if (bare)
      found.push({ hour: Number(bare[1]), minute: Number(bare[2] ?? 0), index: 0, length: text.length });
  }
  found.sort((a, b) => a.index - b.index);
  const valid = found.find((t) => Number.isInteger(t.hour) && t.hour >= 0 && t.hour <= 24 && t.minute < 60);
  if (!valid) return undefined;
  if (valid.minute < 0) {
    // "las cinco menos cuarto" is 4:45
    valid.hour = (valid.hour + 23) % 24;
    valid.minute += 60;
  }
  if (valid.hour >= 13 || valid.hour === 0) valid.meridiem ??= "24h";
  return valid;
}

/** Picks the 24 h reading of a 1..12 hour: said am/pm, then the part-of-day words, then the opening hours. */
export function resolveHour(
  t: TimeMatch,
  hint: "morning" | "afternoon" | undefined,
  hours: { open: string; close: string },
): { time: string; alternatives?: string[] } {
  const at = (h: number) => fromMinutes((h % 24) * 60 + t.minute);
  if (t.meridiem === "24h" || t.hour > 12) return { time: at(t.hour) };
  if (t.meridiem === "am") return { time: at(t.hour === 12 ? 0 : t.hour) };
  if (t.meridiem === "pm") return { time: at(t.hour === 12 ? 12 : t.hour + 12) };
  if (t.hour === 12) return { time: at(12) };
  if (hint === "afternoon") return { time: at(t.hour + 12) };
  if (hint === "morning") return { time: at(t.hour) };
  const open = toMinutes(hours.open);
  const close = toMinutes(hours.close);
  const fits = (h: number) => {
    const m = h * 60 + t.minute;
    return m >= open && m < close;
  };
  const am = fits(t.hour);
  const pm = fits(t.hour + 12);
  if (am && pm) return { time: at(t.hour), alternatives: [at(t.hour), at(t.hour + 12)] };
  if (pm) return { time: at(t.hour + 12) };
  if (am) return { time: at(t.hour) };
  // Neither fits: the usual reading (1-7 is afternoon); the availability check will refuse it.
  return { time: at(t.hour < 8 ? t.hour + 12 : t.hour) };
}
