import { hasAny, isKeyMash, normalize, words } from "./text.js";

/**
 * Small signals read from a message: a yes or a no, an appointment action, a sales topic, a
 * greeting, thanks, or key-mashing. The intent classifier and the agents combine them.
 */

const YES = [
  "si",
  "sip",
  "vale",
  "ok",
  "okay",
  "okey",
  "de acuerdo",
  "perfecto",
  "confirmo",
  "confirmado",
  "confirma",
  "confirmar",
  "correcto",
  "claro",
  "adelante",
  "genial",
  "eso es",
  "exacto",
  "venga",
  "me va bien",
  "me viene bien",
  "yes",
  "yeah",
  "yep",
  "yup",
  "sure",
  "confirm",
  "confirmed",
  "correct",
  "go ahead",
  "sounds good",
  "please do",
  "that's right",
  "thats right",
  "great",
  "perfect",
  "fine",
  "alright",
  "all right",
];
const NO = [
  "no",
  "nop",
  "mejor no",
  "no gracias",
  "no quiero",
  "todavia no",
  "aun no",
  "espera",
  "nope",
  "not",
  "don't",
  "dont",
  "no thanks",
  "wait",
  "not yet",
  "cambiar",
  "change",
  "otra hora",
  "otro dia",
  "another time",
  "another day",
];

/**
 * "yes" / "no" to a question the agent asked, or undefined. A no wins over a yes ("no, mejor
 * otro día"); "sí" must lead a short reply or "confirmo" / "confirm" be said.
 *
 * @example
 * detectConfirmation("Sí, perfecto") // "yes"
 */
export function detectConfirmation(text: string): "yes" | "no" | undefined {
  const n = normalize(text);
  const first = words(text)[0] ?? "";
  if (hasAny(n, NO) && (["no", "nope", "not", "wait", "espera"].includes(first) || words(text).length <= 6)) {
    return "no";
  }
  if (hasAny(n, ["confirmo", "confirm", "confirmado", "confirmed", "adelante", "go ahead"])) return "yes";
  if (hasAny(n, YES) && words(text).length <= 8) return "yes";
  return undefined;
}

export type ScheduleAction = "book" | "cancel" | "reschedule";

const CANCEL = [
  "cancelar",
  "cancela",
  "cancelad",
  "cancelo",
  "anular",
  "anula",
  "anulad",
  "no podre ir",
  "no puedo ir",
  "cancel",
  "call off",
  "can't make it",
  "cant make it",
  "won't make it",
];
const RESCHEDULE = [
  "cambiar la cita",
  "cambiar mi cita",
  "cambiar de dia",
  "cambiar la hora",
  "cambiarla",
  "cambiar",
  "mover la cita",
  "moverla",
  "aplazar",
  "retrasar",
  "adelantar",
  "reprogramar",
  "otro dia",
  "otra hora",
  "reschedule",
  "move my appointment",
  "move the appointment",
  "change my appointment",
  "change the appointment",
  "change the time",
  "change the date",
  "postpone",
  "different day",
  "different time",
];
const BOOK = [
  "cita",
  "citas",
  "reservar",
  "reserva",
  "reservame",
  "agendar",
  "agenda",
  "pedir hora",
  "hueco",
  "huecos",
  "disponibilidad",
  "disponible",
  "libre",
  "apuntarme",
  "apuntame",
  "quiero ir",
  "book",
  "booking",
  "appointment",
  "appointments",
  "schedule",
  "slot",
  "slots",
  "available",
  "availability",
  "free on",
  "come in",
  "visit",
];

/** A wish that, with a treatment named, means booking it. */
export const WANT = [
  "quiero",
  "quisiera",
  "queria",
  "me gustaria",
  "necesito",
  "i want",
  "i'd like",
  "id like",
  "i would like",
  "i need",
];

/** What the customer wants done with an appointment, if anything. */
export function detectScheduleAction(text: string): ScheduleAction | undefined {
  const n = normalize(text);
  if (hasAny(n, CANCEL)) return "cancel";
  if (hasAny(n, RESCHEDULE)) return "reschedule";
  if (hasAny(n, BOOK)) return "book";
  return undefined;
}

export type SalesTopic = "price" | "duration" | "info";

export const PRICE = [
  "precio*",
  "cuanto cuesta*",
  "cuanto vale*",
  "cuanto sale",
  "cuanto es",
  "coste",
  "costo",
  "tarifa*",
  "€",
  "euros",
  "presupuesto",
  "price*",
  "cost",
  "costs",
  "how much",
  "fee",
  "fees",
  "rate*",
];
export const DURATION = [
  "cuanto dura*",
  "duracion",
  "cuanto tiempo",
  "cuantas sesiones",
  "minutos",
  "how long",
  "duration",
  "how many sessions",
  "minutes",
  "last",
];

/** Whether a sales question is about price, duration or anything else. */
export function detectSalesTopic(text: string): SalesTopic {
  const n = ` ${normalize(text).replace(/€/g, " € ")} `;
  if (hasAny(n, PRICE)) return "price";
  if (hasAny(n, DURATION)) return "duration";
  return "info";
}

const GREETINGS = [
  "hola",
  "buenas",
  "buenos dias",
  "buenas tardes",
  "buenas noches",
  "hey",
  "hi",
  "hello",
  "good morning",
  "good afternoon",
  "good evening",
  "saludos",
  "que tal",
  "ey",
];
const THANKS = [
  "gracias",
  "muchas gracias",
  "thanks",
  "thank you",
  "thx",
  "genial gracias",
  "perfecto gracias",
  "adios",
  "hasta luego",
  "bye",
  "chao",
  "ok",
  "okay",
  "vale",
  "perfecto",
  "genial",
  "de acuerdo",
  "entendido",
  "great",
  "got it",
  "cool",
];

const GREETING_FILLERS = [
  "there",
  "all",
  "everyone",
  "team",
  "todos",
  "equipo",
  "a todos",
  "como estas",
  "how are you",
];

/** A message that only greets. */
export function isGreeting(text: string): boolean {
  const n = normalize(text);
  // Longest first, so "buenas tardes" goes as a whole; then the words that go with a greeting.
  const phrases = [...GREETINGS, ...GREETING_FILLERS].sort((a, b) => b.length - a.length);
  const rest = phrases.reduce((acc, g) => acc.replace(new RegExp(`(^|\\s)${g}(?=\\s|$)`, "g"), " "), n);
  return hasAny(n, GREETINGS) && rest.trim().replace(/[^a-z]/g, "").length <= 3;
}

/** A message that only thanks or says goodbye. */
export function isThanks(text: string): boolean {
  const n = normalize(text);
  return hasAny(n, THANKS) && words(text).length <= 4;
}

/** No letters, or no vowels (random key presses), or nothing but one repeated character. */
export function isGibberish(text: string): boolean {
  const letters = normalize(text).replace(/[^a-z]/g, "");
  if (letters.length === 0) return !/\d/.test(text);
  const tokens = words(text).filter((w) => /[a-z]/.test(w));
  return (
    !/[aeiouy]/.test(letters) || /^(.)\1+$/.test(letters) || (tokens.length > 0 && tokens.every(isKeyMash))
  );
}
