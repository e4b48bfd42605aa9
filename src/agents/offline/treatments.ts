import { readdir, readFile } from "node:fs/promises";
import { join, sep } from "node:path";
import { splitMarkdown } from "../../services/knowledge/markdown-chunks.js";
import { defaultKnowledgeDir } from "../../services/knowledge/package-root.js";
import { editDistance, normalize } from "./text.js";

/** A bookable treatment found in the knowledge base. */
export interface Treatment {
  /** Display name: the heading without its parenthesis, e.g. "Bótox". */
  name: string;
  /** The full heading path in the knowledge base, e.g. "Medicina estética > Bótox (toxina botulínica)". */
  heading: string;
  /** Markdown file it comes from. */
  source: string;
  /** The longest session the knowledge base states, in minutes, so a booked slot always fits. */
  durationMinutes?: number;
  /** Lines stating a price, verbatim. */
  priceLines: string[];
  /** Lines stating a duration, verbatim. */
  durationLines: string[];
  /** Normalised phrases that name it: words of the heading, the parenthesis, common English names. */
  aliases: string[];
  /** How English replies call it ("teeth whitening"), when known. */
  englishName?: string;
}

/**
 * Common names customers use, keyed by a word of the knowledge base heading (normalised). They
 * add to the aliases derived from the heading itself; a heading with no entry here still matches
 * by its own words.
 */
const COMMON_NAMES: Record<string, string[]> = {
  botox: ["botox", "toxina", "toxina botulinica", "botulinum", "botulinum toxin", "anti wrinkle", "arrugas"],
  hialuronico: [
    "acido hialuronico",
    "hialuronico",
    "hyaluronic",
    "hyaluronic acid",
    "filler",
    "fillers",
    "relleno",
    "rellenos",
    "lip filler",
    "relleno de labios",
    "aumento de labios",
  ],
  peeling: ["peeling", "peeling quimico", "chemical peel", "peel"],
  mesoterapia: ["mesoterapia", "mesotherapy"],
  limpieza: [
    "limpieza",
    "limpieza dental",
    "cleaning",
    "teeth cleaning",
    "dental cleaning",
    "profilaxis",
    "hygiene",
    "scale and polish",
  ],
  blanqueamiento: [
    "blanqueamiento",
    "blanquear",
    "blanqueamiento dental",
    "whitening",
    "teeth whitening",
    "tooth whitening",
    "dental whitening",
  ],
  ortodoncia: [
    "ortodoncia",
    "ortodoncia invisible",
    "alineadores",
    "invisalign",
    "aligners",
    "clear aligners",
    "orthodontics",
    "braces",
  ],
  implantes: [
    "implante",
    "implantes",
    "implante dental",
    "implant",
    "implants",
    "dental implant",
    "dental implants",
  ],
  empastes: [
    "empaste",
    "empastes",
    "endodoncia",
    "endodoncias",
    "filling",
    "fillings",
    "root canal",
    "caries",
    "cavity",
  ],
  visita: [
    "primera visita",
    "revision",
    "revisiones",
    "valoracion",
    "consulta de valoracion",
    "check up",
    "checkup",
    "first visit",
    "dental check",
  ],
  depilacion: ["depilacion", "depilacion laser", "laser", "laser hair removal", "hair removal", "depilar"],
};

/** English names for replies in English, keyed like COMMON_NAMES. */
const ENGLISH_NAMES: Record<string, string> = {
  botox: "Botox",
  hialuronico: "hyaluronic acid filler",
  peeling: "chemical peel",
  mesoterapia: "facial mesotherapy",
  limpieza: "teeth cleaning",
  blanqueamiento: "teeth whitening",
  ortodoncia: "invisible orthodontics",
  implantes: "dental implants",
  empastes: "fillings and root canals",
  visita: "first visit and check-up",
  depilacion: "laser hair removal",
};

const PRICE_OR_DURATION_LINE = /^\s*(?:[-*|]\s*)?(precios?|duraci[oó]n)\b/i;
const PRICE_OR_DURATION_HEADING = /^(precios?|duraci[oó]n)\b/i;
const MINUTES = /(\d+)\s*minutos/gi;

interface Section {
  source: string;
  path: string[];
  content: string;
}

/**
 * Builds the treatment list from knowledge base markdown. A file describes treatments when a line
 * starts with "Precio(s)" or "Duración", or a heading does. When a `##` heading itself is about
 * prices or durations ("Precios de depilación láser por zona") the whole file is one treatment,
 * named by its `#` title; otherwise each `##` section with a price (€ or "gratuita") is one.
 *
 * @example
 * const catalogue = buildTreatmentCatalogue([{ source: "estetica.md", markdown }]);
 */
export function buildTreatmentCatalogue(files: { source: string; markdown: string }[]): TreatmentCatalogue {
  const treatments: Treatment[] = [];
  for (const file of files) {
    const sections = mergeSections(
      splitMarkdown(file.source, file.markdown, Number.MAX_SAFE_INTEGER).map((c) => ({
        source: file.source,
        path: c.heading.split(" > "),
        content: c.content,
      })),
    );
    const describesTreatments = sections.some(
      (s) =>
        logicalLines(s.content).some((l) => PRICE_OR_DURATION_LINE.test(l)) ||
        PRICE_OR_DURATION_HEADING.test(s.path.at(-1) ?? ""),
    );
    if (!describesTreatments) continue;
    const single = sections.some(
      (s) => s.path.length >= 2 && PRICE_OR_DURATION_HEADING.test(s.path[1] ?? ""),
    );
    if (single) {
      const title = sections[0]?.path[0] ?? file.source;
      treatments.push(treatmentFrom(file.source, title, title, sections.map((s) => s.content).join("\n")));
      continue;
    }
    for (const s of sections) {
      if (s.path.length < 2 || !/€|gratuit/i.test(s.content)) continue;
      const heading = s.path[1] ?? "";
      treatments.push(treatmentFrom(file.source, s.path.slice(0, 2).join(" > "), heading, s.content));
    }
  }
  return new TreatmentCatalogue(treatments);
}

/**
 * The lines of markdown text as written before wrapping: a list item or table row with its
 * continuation lines, a paragraph as one line.
 */
export function logicalLines(content: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    if (line === "") {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else if (/^([-*|]|\d+\.)\s?/.test(line) || current === undefined) {
      if (current !== undefined) out.push(current);
      current = line;
    } else {
      current += ` ${line}`;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

/** A paragraph's sentences ("30 €." ends one, "1.240 €" does not). */
export function sentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?])\s+(?=\p{Lu}|¿|¡)/u).filter((s) => s.trim() !== "");
}

/** Joins the pieces of one section (and its sub-sections) back together. */
function mergeSections(chunks: Section[]): Section[] {
  const out: Section[] = [];
  for (const c of chunks) {
    const key = c.path.slice(0, 2).join(" > ");
    const last = out.at(-1);
    if (last && last.path.slice(0, 2).join(" > ") === key) last.content += `\n${c.content}`;
    else out.push({ ...c, path: c.path.slice(0, 2) });
  }
  return out;
}

function treatmentFrom(source: string, heading: string, title: string, content: string): Treatment {
  const lines = logicalLines(content).flatMap((l) => (/^[-*|]/.test(l) ? [l] : sentences(l)));
  const minutes = [...content.matchAll(MINUTES)].map((m) => Number(m[1]));
  const name = title.replace(/\s*\(.*?\)\s*/g, " ").trim();
  const treatment: Treatment = {
    name,
    heading,
    source,
    priceLines: lines.filter((l) => /€/.test(l) && !/^\|\s*-/.test(l)),
    durationLines: lines.filter((l) => /minutos|duraci[oó]n|\bdura\b/i.test(l)),
    aliases: aliasesFor(title),
  };
  const key = normalize(title)
    .trim()
    .split(" ")
    .find((w) => ENGLISH_NAMES[w] !== undefined);
  if (key) treatment.englishName = ENGLISH_NAMES[key];
  if (minutes.length > 0) treatment.durationMinutes = Math.max(...minutes);
  return treatment;
}

function aliasesFor(title: string): string[] {
  const aliases = new Set<string>();
  const full = normalize(title.replace(/[()]/g, " ")).trim();
  aliases.add(normalize(title.replace(/\s*\(.*?\)\s*/g, " ")).trim());
  for (const inner of title.matchAll(/\((.*?)\)/g)) aliases.add(normalize(inner[1] ?? "").trim());
  // "Empastes y endodoncias": each part names it too.
  for (const part of full.split(/\s+y\s+/)) aliases.add(part.trim());
  for (const word of full.split(" ")) {
    for (const name of COMMON_NAMES[word] ?? []) aliases.add(name);
  }
  aliases.delete("");
  return [...aliases];
}

/** The treatments of the clinic, matched in free text with accents and case ignored. */
export class TreatmentCatalogue {
  constructor(readonly treatments: readonly Treatment[]) {}

  /**
   * The treatment the text names, preferring the longest alias ("depilación láser" over "láser").
   * Single-word aliases of 7+ letters also match with one typo ("blanqueamento").
   *
   * @example
   * catalogue.match("how much is teeth whitening?")?.name // "Blanqueamiento dental"
   */
  match(text: string): Treatment | undefined {
    const n = normalize(text);
    let best: { treatment: Treatment; length: number } | undefined;
    for (const treatment of this.treatments) {
      for (const alias of treatment.aliases) {
        if (
          new RegExp(`(?:^|\\s)${aliasPattern(alias)}(?:s|es)?(?=\\s|$|[.:])`).test(n) &&
          alias.length > (best?.length ?? 0)
        ) {
          best = { treatment, length: alias.length };
        }
      }
    }
    if (best) return best.treatment;
    const tokens = n.split(/[\s.:]+/).filter((t) => t.length >= 7);
    for (const treatment of this.treatments) {
      for (const alias of treatment.aliases) {
        if (alias.includes(" ") || alias.length < 7) continue;
        if (tokens.some((t) => editDistance(t, alias, 1) <= 1)) return treatment;
      }
    }
    return undefined;
  }

  /** The treatment with this exact display name (accents and case ignored). */
  byName(name: string): Treatment | undefined {
    const n = normalize(name);
    return this.treatments.find((t) => normalize(t.name) === n);
  }

  /** The name to use in a reply: the English one for English when there is one, else the name as stored. */
  displayName(name: string, locale: "es" | "en"): string {
    if (locale === "es") return name;
    return this.byName(name)?.englishName ?? name;
  }

  /** Display names, for "which treatment?" questions. */
  names(locale: "es" | "en" = "es"): string[] {
    return this.treatments.map((t) => (locale === "en" ? (t.englishName ?? t.name) : t.name));
  }
}

function aliasPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+");
}

/** Reads every `.md` file under `dir` (default: the package's knowledge/ folder) into a catalogue. */
export async function loadTreatmentCatalogue(
  dir: string = defaultKnowledgeDir(),
): Promise<TreatmentCatalogue> {
  const names = (await readdir(dir, { recursive: true }))
    .filter((f) => f.toLowerCase().endsWith(".md"))
    .sort();
  const files = await Promise.all(
    names.map(async (file) => ({
      source: file.split(sep).join("/"),
      markdown: await readFile(join(dir, file), "utf8"),
    })),
  );
  return buildTreatmentCatalogue(files);
}
