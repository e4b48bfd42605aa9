import { createRequire } from "node:module";

const HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

type Converter = (html: string) => string;
let converter: Converter | undefined;

/**
 * html-to-text, set up for the text/plain part of an email: no wrapping, no shouting headings.
 * Loaded on first use: the library and its HTML parser take a while to load, and processes that
 * never derive a text part (CLI commands, workers without email) need not pay for it.
 */
function convert(html: string): string {
  if (!converter) {
    const { compile } = createRequire(import.meta.url)("html-to-text") as typeof import("html-to-text");
    converter = compile(OPTIONS);
  }
  return converter(html);
}

const OPTIONS: import("html-to-text").HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    ...HEADINGS,
    {
      selector: "a",
      options: {
        // "nuestra web (https://...)"; a link whose text already is its target is shown once.
        linkBrackets: ["(", ")"],
        hideLinkHrefIfSameAsText: true,
        pathRewrite: (href: string) => href.replace(/^mailto:/i, ""),
      },
    },
    { selector: "ul", options: { itemPrefix: "- " } },
    { selector: "img", format: "skip" },
  ],
};

/**
 * Plain-text version of an HTML body for the text/plain part: drops head, style and script,
 * keeps line breaks for <br>, paragraphs, headings and list items (as "- item"), shows link
 * targets after the link text, and decodes entities.
 */
export function htmlToText(html: string): string {
  // A non-breaking space is layout in HTML; in the text part it is an ordinary space.
  return convert(html)
    .replace(/\u00a0/g, " ")
    .trim();
}
