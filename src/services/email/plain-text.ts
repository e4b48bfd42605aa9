import { compile } from "html-to-text";

const HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

/** html-to-text, set up for the text/plain part of an email: no wrapping, no shouting headings. */
const convert = compile({
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
});

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
