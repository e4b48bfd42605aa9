import { analyzeSpanish } from "../services/knowledge/spanish.js";
import type { SalesTopic } from "./offline/intent.js";
import { detectLanguage } from "./offline/language.js";
import { hasAny, normalize } from "./offline/text.js";
import { logicalLines, sentences, type Treatment } from "./offline/treatments.js";
import type { KnowledgePassage } from "./types.js";

/**
 * Answers built from knowledge base passages, quoting their lines verbatim: prices and durations
 * are never composed or rounded here, only selected.
 */

/** English topics mapped to the Spanish words the knowledge base uses. */
const ENGLISH_TOPICS: [string[], string][] = [
  [["opening hours", "open", "hours", "opening times", "closing"], "horario de apertura"],
  [
    ["where", "address", "location", "located", "get there", "metro", "bus"],
    "dónde estamos cómo llegar dirección",
  ],
  [["parking", "park"], "aparcamiento parking"],
  [["pay", "payment", "card", "cash", "bizum"], "formas de pago"],
  [["financing", "finance", "installments", "instalments", "monthly"], "financiación sin intereses"],
  [["cancel", "cancellation", "change my appointment"], "cancelar o cambiar una cita"],
  [["deposit"], "señal o depósito para reservar"],
  [["insurance"], "seguros y mutuas"],
  [["phone", "contact", "email address", "call you"], "contacto teléfono"],
  [["language", "languages", "english"], "idiomas"],
  [["children", "kids", "child", "minor", "minors", "son", "daughter"], "menores de edad niños"],
  [["invoice", "receipt"], "facturas"],
  [["first visit", "first consultation", "free consultation"], "primera consulta coste"],
  [["late"], "retrasos"],
  [["no show", "miss my appointment", "don't show"], "si no te presentas a la cita"],
  [["waiting list"], "lista de espera"],
  [["discount", "discounts", "promotion", "offer"], "descuentos y promociones"],
  [["home", "at home"], "tratamientos a domicilio"],
  [["urgent", "emergency", "out of hours"], "urgencias fuera de horario"],
  [["before", "prepare"], "antes del tratamiento cuidados"],
  [["after", "aftercare", "care"], "después del tratamiento cuidados"],
];

/** The search query for a message: the treatment's Spanish name and topic, or the message itself. */
export function knowledgeQuery(text: string, treatment: Treatment | undefined, topic: SalesTopic): string {
  if (treatment) {
    const word = topic === "price" ? "precio" : topic === "duration" ? "duración" : "";
    return `${word} ${treatment.name}`.trim();
  }
  // An English question is searched with the Spanish words of its topic, as the knowledge base is Spanish.
  const n = normalize(text);
  const extra = ENGLISH_TOPICS.filter(([phrases]) => hasAny(n, phrases)).map(([, es]) => es);
  return extra.length > 0 && detectLanguage(text).locale === "en" ? extra.join(" ") : text;
}

/** The passage of a treatment's section that says most about the topic. */
export function treatmentPassage(
  passages: KnowledgePassage[],
  treatment: Treatment,
  topic: SalesTopic,
): KnowledgePassage | undefined {
  const own = passages.filter((p) => {
    const heading = String(p.metadata.heading ?? "");
    return heading === treatment.heading || heading.startsWith(`${treatment.heading} >`);
  });
  const weight = (p: KnowledgePassage) => topicLines(p.content, topic).length;
  return own.sort((a, b) => weight(b) - weight(a))[0];
}

/** The lines of a passage about a topic, verbatim; table rows as "Zona: Sesión 35 €, ...". */
export function topicLines(content: string, topic: SalesTopic, text = ""): string[] {
  const lines = logicalLines(content);
  const tableHeader = lines.find((l) => l.startsWith("|") && !/€/.test(l));
  const rows = lines.filter((l) => l.startsWith("|") && /€/.test(l));
  if (topic === "price" && rows.length > 0) {
    const mentioned = rows.filter((r) => {
      const zone = normalize(r.split("|")[1] ?? "").trim();
      return zone !== "" && zone.split(" ").some((w) => w.length > 3 && normalize(text).includes(w));
    });
    return (mentioned.length > 0 ? mentioned : rows).map((r) => tableRow(r, tableHeader));
  }
  const pattern = topic === "price" ? /€|gratuit/i : /minutos|duraci[oó]n|\bdura\b|sesi[oó]n|semanas|meses/i;
  return lines
    .flatMap((l) => (l.startsWith("-") ? [l] : sentences(l)))
    .filter((l) => !l.startsWith("|") && !l.endsWith(":") && pattern.test(l))
    .map((l) => l.replace(/^-\s*/, ""));
}

function tableRow(row: string, header: string | undefined): string {
  const cells = row
    .split("|")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const names = (header ?? "")
    .split("|")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const [first, ...rest] = cells;
  const labelled = rest.map((v, i) => (names[i + 1] ? `${names[i + 1]}: ${v}` : v));
  return `${first}: ${labelled.join(", ")}`;
}

/** The first sentences of a passage, verbatim (lists kept as they are). */
export function summary(content: string, maxSentences = 2): string {
  const first = logicalLines(content)[0] ?? "";
  if (first.startsWith("-") || first.startsWith("|")) {
    return logicalLines(content).slice(0, 4).join("\n");
  }
  return sentences(first).slice(0, maxSentences).join(" ");
}

/** Words too general to show that a passage answers a question. */
const GENERIC = new Set(
  analyzeSpanish(
    "tratamiento tratamientos clínica clinica cita citas hacer hacéis tenéis ofrecéis información precio",
  ),
);

/**
 * The best passage for a general question, when it contains at least half of the query's
 * meaningful words (the knowledge base scores are relative, so its top hit alone proves nothing:
 * "¿hacéis liposucción?" must not be answered with whatever mentions "tratamientos").
 * `terms` overrides the words to look for (the Spanish topic words of an English question).
 */
export function relevantPassage(passages: KnowledgePassage[], query: string): KnowledgePassage | undefined {
  const terms = [...new Set(analyzeSpanish(query).filter((t) => t.length >= 4 && !GENERIC.has(t)))];
  if (terms.length === 0) return undefined;
  return passages.find((p) => {
    const words = new Set(analyzeSpanish(`${String(p.metadata.heading ?? "")} ${p.content}`));
    const found = terms.filter((t) => words.has(t)).length;
    return found >= 1 && found * 2 >= terms.length;
  });
}
