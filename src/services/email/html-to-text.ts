const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  euro: "€",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  laquo: "«",
  raquo: "»",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  middot: "·",
  bull: "•",
  iexcl: "¡",
  iquest: "¿",
  ordf: "ª",
  ordm: "º",
  deg: "°",
};
// Accented letters used in Spanish and other Latin-script languages: &aacute; &Ntilde; &uuml; ...
const ACCENTS: Record<string, string> = {
  acute: "\u0301",
  grave: "\u0300",
  tilde: "\u0303",
  uml: "\u0308",
  circ: "\u0302",
  cedil: "\u0327",
};

/** Decodes HTML character references (named, decimal and hexadecimal). Unknown names are left as they are. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code =
        ref[1] === "x" || ref[1] === "X"
          ? Number.parseInt(ref.slice(2), 16)
          : Number.parseInt(ref.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const named = NAMED_ENTITIES[ref] ?? NAMED_ENTITIES[ref.toLowerCase()];
    if (named !== undefined) return named;
    const accent = /^([a-z])(acute|grave|tilde|uml|circ|cedil)$/i.exec(ref);
    if (accent?.[1] && accent[2]) return `${accent[1]}${ACCENTS[accent[2]] ?? ""}`.normalize("NFC");
    return whole;
  });
}

/**
 * Plain-text version of an HTML body for the text/plain part: drops head, style and script,
 * keeps line breaks for <br>, paragraphs, headings, rows and list items (as "- item"), shows
 * link targets after the link text, and decodes entities.
 */
export function htmlToText(html: string): string {
  let text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "")
    .replace(
      /<a\b[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_, _q: string, href: string, inner: string) => {
        const label = inner.replace(/<[^>]*>/g, "").trim();
        const target = decodeEntities(href).replace(/^mailto:/i, "");
        return label === "" || decodeEntities(label) === target ? target : `${label} (${target})`;
      },
    )
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<\/(p|div|h[1-6]|ul|ol|table|blockquote|section|article|header|footer)\s*>/gi, "\n\n")
    .replace(/<(p|div|h[1-6]|ul|ol|table|blockquote|section|article|header|footer)\b[^>]*>/gi, "\n")
    .replace(/<\/li\s*>/gi, "")
    .replace(/<\/tr\s*>/gi, "\n")
    .replace(/<\/t[dh]\s*>/gi, " ")
    .replace(/<hr\b[^>]*>/gi, "\n----\n")
    .replace(/<[^>]*>/g, "");
  text = decodeEntities(text.replace(/[ \t\r\f\v]+/g, " "));
  return text
    .split("\n")
    .map((line) => line.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
