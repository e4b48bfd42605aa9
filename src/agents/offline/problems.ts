import type { TicketState } from "../types.js";
import { hasAny, normalize } from "./text.js";

export interface ProblemFinding {
  reason: TicketState["reason"];
  priority: TicketState["priority"];
  /** Normalised phrases that gave it away. */
  evidence: string[];
}

const SYMPTOMS = [
  "me duele*",
  "duele*",
  "dolor*",
  "hinchad*",
  "hinchazon",
  "inflamad*",
  "inflamacion",
  "sangr*",
  "hemorragia",
  "moraton*",
  "hematoma*",
  "morado",
  "morada",
  "fiebre",
  "infeccion",
  "infectad*",
  "reaccion",
  "alergi*",
  "picor",
  "pica",
  "ampolla*",
  "quemadura*",
  "quemad*",
  "asimetri*",
  "parpado caido",
  "ceja caida",
  "complicacion*",
  "sensibilidad",
  "pus",
  "bulto*",
  "entumecid*",
  "hurts",
  "hurting",
  "pain*",
  "swollen",
  "swelling",
  "bleeding",
  "bleed*",
  "bruis*",
  "fever",
  "infection",
  "infected",
  "allergic",
  "reaction",
  "itch*",
  "blister*",
  "burn*",
  "droopy",
  "drooping",
  "lump*",
  "numb*",
  "complication*",
  "sensitivity",
  "rash",
];
/** Signs that cannot wait (the knowledge base sends these to 112 or to the clinic at once). */
const URGENT = [
  "no puedo respirar",
  "no puedo tragar",
  "me cuesta respirar",
  "me cuesta tragar",
  "no para de sangrar",
  "hemorragia",
  "fiebre alta",
  "piel blanca",
  "piel morada",
  "se ha puesto blanca",
  "se ha puesto morada",
  "dolor intenso",
  "mucho dolor",
  "muchisimo dolor",
  "urgente",
  "urgencia",
  "can't breathe",
  "cannot breathe",
  "cant breathe",
  "can't swallow",
  "cannot swallow",
  "won't stop bleeding",
  "high fever",
  "severe",
  "unbearable",
  "urgent",
  "emergency",
  "turned white",
  "turned purple",
];
const COMPLAINT = [
  "queja",
  "quejarme",
  "reclamacion*",
  "hoja de reclamaciones",
  "mal servicio",
  "pesimo",
  "fatal",
  "maleducad*",
  "grosero",
  "grosera",
  "descontent*",
  "insatisfech*",
  "decepcionad*",
  "indignad*",
  "vergonzoso",
  "verguenza",
  "me hicieron esperar",
  "nadie me contesta",
  "nadie me responde",
  "no me han atendido",
  "muy mal",
  "complaint",
  "complain",
  "rude",
  "unhappy",
  "disappointed",
  "dissatisfied",
  "terrible",
  "awful",
  "unacceptable",
  "nobody answers",
  "kept me waiting",
  "bad service",
  "poor service",
];
const BILLING = [
  "cobrado dos veces",
  "cobraron dos veces",
  "cobrado de mas",
  "cobraron de mas",
  "me habeis cobrado",
  "me han cobrado",
  "cobro doble",
  "doble cobro",
  "cargo duplicado",
  "cobro duplicado",
  "cargo de mas",
  "error en la factura",
  "factura incorrecta",
  "factura mal",
  "factura esta mal",
  "factura erronea",
  "me cobraron",
  "charged twice",
  "double charged",
  "double charge",
  "overcharged",
  "charged me",
  "wrong invoice",
  "invoice is wrong",
  "billing error",
  "billing mistake",
  "wrong charge",
  "refund",
  "reembolso",
  "devuelvan el dinero",
  "devolucion del dinero",
];
const HUMAN = [
  "hablar con una persona",
  "hablar con alguien",
  "hablar con un humano",
  "con una persona",
  "persona real",
  "un humano",
  "con recepcion",
  "con un agente",
  "agente humano",
  "operador",
  "que me llamen",
  "llamadme",
  "podeis llamarme",
  "me podeis llamar",
  "talk to a person",
  "talk to someone",
  "speak to a person",
  "speak to someone",
  "speak with someone",
  "talk to a human",
  "speak to a human",
  "real person",
  "human agent",
  "call me",
  "a human",
];
/** Someone speaking of themselves: "¿duele el láser?" is a question, "me duele" a report. */
const PERSONAL = [
  "tengo",
  "me",
  "mi",
  "mis",
  "estoy",
  "noto",
  "siento",
  "i have",
  "i've",
  "ive",
  "i'm",
  "im",
  "i am",
  "my",
  "i feel",
  "i got",
  "i had",
  "mine",
];
/** Symptom words about a question on what is normal count less than a report ("¿es normal...?"). */
const AFTER_TREATMENT = [
  "despues de",
  "desde",
  "tras",
  "after",
  "since",
  "me hice",
  "me hicieron",
  "i had",
  "i got",
];

/**
 * What kind of problem the customer reports, with the ticket priority it deserves:
 * a complication after a treatment (high, urgent with alarm signs), a complaint (medium),
 * a billing error (medium) or a request for a person (low). The most serious wins.
 *
 * @example
 * detectProblem("Desde el bótox tengo el párpado caído")
 * // { reason: "complication", priority: "high", evidence: [...] }
 */
export function detectProblem(text: string): ProblemFinding | null {
  const n = normalize(text);
  const hits = (phrases: readonly string[]) => phrases.filter((p) => hasAny(n, [p]));
  const symptoms = hits(SYMPTOMS);
  const urgent = hits(URGENT);
  const afterTreatment = hits(AFTER_TREATMENT);
  const medicalUrgent = urgent.filter((u) => !["urgente", "urgencia", "urgent", "emergency"].includes(u));
  const personal = afterTreatment.length > 0 || hits(PERSONAL).length > 0;
  if ((symptoms.length > 0 && personal) || medicalUrgent.length > 0) {
    const priority = urgent.length > 0 ? "urgent" : "high";
    return { reason: "complication", priority, evidence: [...symptoms, ...urgent, ...afterTreatment] };
  }
  const billing = hits(BILLING);
  if (billing.length > 0)
    return { reason: "billing", priority: urgent.length > 0 ? "high" : "medium", evidence: billing };
  const complaint = hits(COMPLAINT);
  if (complaint.length > 0) return { reason: "complaint", priority: "medium", evidence: complaint };
  const human = hits(HUMAN);
  if (human.length > 0)
    return { reason: "human", priority: urgent.length > 0 ? "high" : "low", evidence: human };
  return null;
}
