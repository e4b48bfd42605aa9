import type { Locale } from "../types.js";
import { normalize, words } from "./text.js";

const SPANISH = new Set(
  (
    "el la los las de del que y en un una por para con mi me te se es esta estoy quiero queria quisiera " +
    "cita citas hola buenas buenos dias tardes noches gracias cuanto cuesta cuestan precio precios cuando " +
    "donde puedo podria tengo tienen hay manana hoy lunes martes miercoles jueves viernes sabado domingo " +
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre si vale " +
    "llamo soy nombre correo dolor duele tratamiento limpieza blanqueamiento depilacion reservar pedir " +
    "cancelar cambiar las tarde favor al lo le su sus como muy pero tambien ya no"
  ).split(" "),
);

const ENGLISH = new Set(
  (
    "the a an of and to in on at for with my me i i'm im is are was be you your we our it this that " +
    "want would like book booking appointment hello hi hey thanks thank please how much cost costs price " +
    "prices when where can could have has do does what tomorrow today monday tuesday wednesday thursday " +
    "friday saturday sunday january february march april may june july august september october november " +
    "december yes yeah yep name email pain hurts treatment cleaning whitening cancel change reschedule " +
    "there next am pm morning afternoon evening long which who why not no tell about does did will " +
    "get need know more any some hurt hurts open opening hours located much many take takes after before " +
    "from have been just also still tooth teeth hair removal whitening"
  ).split(" "),
);

/** Words both languages share; they count for neither. */
const SHARED = new Set(["no", "a", "me", "ok", "botox", "laser", "email"]);

export interface LanguageGuess {
  locale: Locale;
  /** False when the text gave no evidence and `fallback` was returned. */
  confident: boolean;
}

/**
 * Spanish or English, from function words, question/exclamation marks (¿ ¡) and accented letters.
 * A message with no evidence ("ok", "10:30", an email address) keeps the conversation's language.
 *
 * @example
 * detectLanguage("¿Cuánto cuesta el bótox?") // { locale: "es", confident: true }
 * detectLanguage("ok", "en")                 // { locale: "en", confident: false }
 */
export function detectLanguage(text: string, fallback: Locale = "es"): LanguageGuess {
  let es = 0;
  let en = 0;
  if (/[¿¡ñ]/i.test(text)) es += 2;
  if (/[áéíóú]/i.test(text)) es += 1;
  if (/\b(i'm|don't|can't|what's|it's|i'd)\b/i.test(text)) en += 2;
  for (const w of words(text.replace(/\S+@\S+/g, " "))) {
    if (SHARED.has(w)) continue;
    if (SPANISH.has(w)) es += 1;
    if (ENGLISH.has(w)) en += 1;
  }
  if (es === en) return { locale: fallback, confident: false };
  return { locale: es > en ? "es" : "en", confident: Math.abs(es - en) >= 1 && normalize(text).length > 3 };
}
