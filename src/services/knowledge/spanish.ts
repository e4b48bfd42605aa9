/**
 * Spanish text handling for full-text search: normalisation, tokens, stop words and a light stemmer.
 * Everything works on normalised text (lower case, no diacritics), so "Limpiéza", "limpieza" and
 * "LIMPIEZA" are the same term, and so are "año" and "ano" (WhatsApp users often type without ñ).
 */

const DIACRITICS = /\p{M}+/gu;
const NON_WORD = /[^a-z0-9]+/;

/** Lower-cases and strips accents and other marks (NFD, then combining marks removed). */
export function normalizeSpanish(text: string): string {
  return text.normalize("NFD").replace(DIACRITICS, "").toLowerCase();
}

/** Splits text into normalised words (letters and digits); punctuation such as ¿ ¡ « » is dropped. */
export function tokenizeSpanish(text: string): string[] {
  return normalizeSpanish(text)
    .split(NON_WORD)
    .filter((t) => t.length > 0);
}

/** Common Spanish function words, normalised. Content words (precio, cita, horario...) stay out. */
export const SPANISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra cual " +
    "cuales cuando cuanto cuanta cuantos cuantas de del desde dos el ella ellas ello ellos en entre " +
    "era eran es esa esas ese eso esos esta estan estas este esto estos estoy fue ha hace han hasta hay " +
    "la las le les lo los me mi mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por " +
    "porque pues que quien se sea ser si sin sobre solo son su sus tambien te tengo ti tiene tu tus un " +
    "una uno unos unas usted vosotros y ya yo quiero queria puedo podeis podria gustaria hola buenas " +
    "buenos dias tardes gracias favor estais estamos estar sois somos teneis tenemos hago hacer haceis"
  ).split(" "),
);

export function isStopWord(word: string): boolean {
  return SPANISH_STOP_WORDS.has(word);
}

/** Derivational and adverbial endings, longest first; removed when a stem of 3+ letters remains. */
const SUFFIXES = [
  "amientos",
  "imientos",
  "amiento",
  "imiento",
  "aciones",
  "iciones",
  "uciones",
  "mente",
  "acion",
  "icion",
  "ucion",
  "siones",
  "sion",
  "idades",
  "idad",
  "ables",
  "ibles",
  "able",
  "ible",
  "adoras",
  "adores",
  "adora",
  "ador",
  "istas",
  "ista",
];

/** Participle and infinitive endings: "reservado", "reservar" and "reserva" share one stem. */
const VERB_ENDINGS = [
  "ando",
  "iendo",
  "ados",
  "adas",
  "idos",
  "idas",
  "ado",
  "ada",
  "ido",
  "ida",
  "ar",
  "er",
  "ir",
];

const MIN_STEM = 3;
const VOWELS = "aeiou";

function strip(word: string, suffix: string): string | undefined {
  if (!word.endsWith(suffix)) return undefined;
  const stem = word.slice(0, word.length - suffix.length);
  return stem.length >= MIN_STEM ? stem : undefined;
}

function stripPlural(word: string): string {
  if (word.endsWith("ces") && word.length >= 5 && VOWELS.includes(word.at(-4) ?? "x")) {
    return `${word.slice(0, -3)}z`; // luces -> luz, veces -> vez
  }
  if (word.endsWith("es") && word.length - 2 >= MIN_STEM && !VOWELS.includes(word.at(-3) ?? "a")) {
    return word.slice(0, -2); // dolores -> dolor, implantes -> implant
  }
  if (word.endsWith("s") && word.length - 1 >= MIN_STEM && VOWELS.includes(word.at(-2) ?? "x")) {
    return word.slice(0, -1); // citas -> cita
  }
  return word;
}

/**
 * A light Spanish stemmer for normalised words: plural, then one derivational suffix
 * (-ción, -miento, -mente, -idad, -ble, -dor, -ista), then a verb ending, then a final a/o/e.
 * Not a linguistic analysis: it only has to map the forms a customer types onto the forms the
 * knowledge base uses ("cancelar" and "cancelación", "precios" and "precio"). Words shorter than
 * four letters and digits are kept as they are.
 *
 * @example
 * stemSpanish("cancelaciones") // "cancel"
 * stemSpanish("cancelar")      // "cancel"
 */
export function stemSpanish(word: string): string {
  if (word.length < 4 || /\d/.test(word)) return word;
  let stem = stripPlural(word);
  for (const suffix of SUFFIXES) {
    const s = strip(stem, suffix);
    if (s !== undefined) {
      stem = s;
      break;
    }
  }
  for (const ending of VERB_ENDINGS) {
    const s = strip(stem, ending);
    if (s !== undefined) {
      stem = s;
      break;
    }
  }
  const last = stem.at(-1);
  if ((last === "a" || last === "o" || last === "e") && stem.length - 1 >= MIN_STEM) stem = stem.slice(0, -1);
  return stem;
}

/** Tokenise, drop stop words and stem: the terms the search index stores and queries with. */
export function analyzeSpanish(text: string): string[] {
  return tokenizeSpanish(text)
    .filter((t) => !isStopWord(t))
    .map(stemSpanish);
}
