import type { KnowledgePassage } from "../types.js";

/**
 * The check that keeps a model's answer to the knowledge base's figures: every amount with a unit
 * in the answer (euros, percent, minutes, hours) must appear with that unit in a passage the model
 * retrieved in this turn. Prices are never invented, rounded or computed.
 */

type Unit = "eur" | "pct" | "min" | "h";

const NUMBER = String.raw`\d{1,3}(?:[.\s]\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const UNIT = String.raw`€|eur(?:os?)?\b|%|por ciento|percent\b|minutos?\b|minutes?\b|mins?\b|horas?\b|hours?\b|h\b`;
/** "290 €", "32,50 euros", "90 minutos", "1 hora" and the prefixed "€290". */
const FIGURE = new RegExp(String.raw`(${NUMBER})\s*(${UNIT})|(€)\s*(${NUMBER})`, "gi");

function unitOf(word: string): Unit {
  const w = word.toLowerCase();
  if (w === "€" || w.startsWith("eur")) return "eur";
  if (w === "%" || w.startsWith("por") || w.startsWith("percent")) return "pct";
  if (w.startsWith("min")) return "min";
  return "h";
}

/** "1.900" and "1 900" -> 1900; "32,50" -> 32.5. */
function amountOf(number: string): number {
  const grouped = /^\d{1,3}(?:[.\s]\d{3})+(?:,\d{1,2})?$/.test(number);
  const plain = grouped ? number.replace(/[.\s]/g, "") : number;
  return Number(plain.replace(",", "."));
}

/** The figures of a text as "value unit" keys, e.g. "290 eur". */
export function figuresOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(FIGURE)) {
    const number = m[1] ?? m[4] ?? "";
    const unit = m[2] ?? m[3] ?? "";
    out.push(`${amountOf(number)} ${unitOf(unit)}`);
  }
  return out;
}

/** "15-30 minutos", "entre 30 y 45 minutos": the first number of a range shares the unit. */
const RANGE = new RegExp(String.raw`(${NUMBER})\s*(?:-|–|a|y|o)\s*(?:${NUMBER})\s*(${UNIT})`, "gi");

/** The figures the passages carry, the first numbers of ranges included. */
function passageFigures(passages: KnowledgePassage[]): Set<string> {
  const known = new Set<string>();
  for (const p of passages) {
    for (const f of figuresOf(p.content)) known.add(f);
    for (const m of p.content.matchAll(RANGE)) known.add(`${amountOf(m[1] ?? "")} ${unitOf(m[2] ?? "")}`);
  }
  return known;
}

/**
 * The figures of `answer` that no retrieved passage carries (empty when the answer is grounded).
 * Figures of `quoted` texts count as known too: the customer's own "menos de 100 €" may be repeated.
 */
export function ungroundedFigures(
  answer: string,
  passages: KnowledgePassage[],
  quoted: string[] = [],
): string[] {
  const known = passageFigures(passages);
  for (const text of quoted) for (const f of figuresOf(text)) known.add(f);
  return [...new Set(figuresOf(answer))].filter((f) => !known.has(f));
}
