/** One searchable piece of a markdown file: the text under one heading. */
export interface MarkdownChunk {
  /** File name relative to the knowledge directory, e.g. `tratamientos-dentales.md`. */
  source: string;
  /** Heading path from the top of the file, joined with " > ", e.g. `Tratamientos dentales > Implantes dentales`. */
  heading: string;
  /** Position of the chunk within its file, from 0. */
  chunk: number;
  /** The text under the heading, without the heading line itself. */
  content: string;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * Splits markdown into chunks, one per heading that has text under it. Sections longer than
 * `maxChars` are split further at blank lines, keeping the same heading. Text before the first
 * heading gets the file's title (or its name) as heading. Headings inside code fences are text.
 */
export function splitMarkdown(source: string, markdown: string, maxChars = 1_500): MarkdownChunk[] {
  const chunks: MarkdownChunk[] = [];
  const path: string[] = [];
  let body: string[] = [];
  let inFence = false;

  const flush = () => {
    const text = body.join("\n").trim();
    body = [];
    if (text === "") return;
    const heading = path.filter((h) => h !== "").join(" > ") || source.replace(/\.md$/i, "");
    for (const piece of splitLong(text, maxChars)) {
      chunks.push({ source, heading, chunk: chunks.length, content: piece });
    }
  };

  for (const line of markdown.split(/\r?\n/)) {
    if (FENCE.test(line)) inFence = !inFence;
    const match = inFence ? null : HEADING.exec(line);
    if (match?.[1] && match[2]) {
      flush();
      const level = match[1].length;
      path.length = level - 1;
      for (let i = 0; i < level - 1; i++) path[i] ??= "";
      path[level - 1] = match[2];
      continue;
    }
    body.push(line);
  }
  flush();
  return chunks;
}

function splitLong(text: string, maxChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const pieces: string[] = [];
  let current = "";
  for (const paragraph of text.split(/\n\s*\n/)) {
    if (current !== "" && current.length + paragraph.length + 2 > maxChars) {
      pieces.push(current);
      current = "";
    }
    current = current === "" ? paragraph : `${current}\n\n${paragraph}`;
  }
  if (current !== "") pieces.push(current);
  return pieces;
}
