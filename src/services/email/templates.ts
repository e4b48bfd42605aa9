import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Mustache from "mustache";
import { EmailTemplateError } from "./errors.js";
import { htmlToText } from "./plain-text.js";
import { templateValues } from "./template-vars.js";
import { type EmailLocale, LOCALES, type TemplateVars } from "./types.js";

/**
 * Email templates are Mustache files: `<dir>/<locale>/<name>.html` (the body) and
 * `<name>.subject.txt`. Placeholders are `{{name}}`; a section `{{#reason}}...{{/reason}}` is
 * shown only when `reason` is given. Variables used outside any section are required, the others
 * optional; missing required ones are named before anything is rendered or sent. Every value is
 * HTML-escaped in the body; in the subject it is kept as text with whitespace runs collapsed.
 * Unescaped output (`{{{x}}}`, `{{&x}}`), partials and delimiter changes are refused at load.
 */

export interface TemplateInfo {
  name: string;
  locales: EmailLocale[];
  /** In order of first use (body, then subject). */
  requiredVars: string[];
  optionalVars: string[];
}

export interface RenderedTemplate {
  subject: string;
  html: string;
  text: string;
  locale: EmailLocale;
}

interface ParsedTemplate {
  subject: string;
  html: string;
  required: string[];
  optional: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Sorts a template's variables into required and optional; refuses what would bypass escaping. */
function collect(
  tokens: Mustache.TemplateSpans,
  inSection: boolean,
  required: string[],
  optional: string[],
  file: string,
): void {
  for (const token of tokens) {
    const [type, name] = token;
    if (type === "text" || type === "!") continue;
    if (type === "&") {
      throw new Error(`${file}: {{{${name}}}} / {{&${name}}} would skip HTML escaping; write {{${name}}}`);
    }
    if (type === ">" || type === "=") {
      throw new Error(`${file}: partials and delimiter changes are not supported ({{${type}${name}}})`);
    }
    if (!NAME.test(name)) throw new Error(`${file}: "{{${name}}}" is not a plain variable name`);
    if (type === "name") (inSection ? optional : required).push(name);
    else {
      // "#" (shown when given) and "^" (shown when not given): the section's variable is optional.
      optional.push(name);
      collect((token[4] ?? []) as Mustache.TemplateSpans, true, required, optional, file);
    }
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes the five characters that matter in HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Subject values are plain text on one line: every whitespace run (CR and LF included) becomes a space. */
const asSubjectText = (value: unknown) => String(value).replace(/\s+/g, " ");

/** Renders with a view that has no prototype, so `{{constructor}}` is not found on Object. */
function render(
  template: string,
  values: Map<string, string>,
  escapeValue: (value: unknown) => string,
): string {
  const view = Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(values));
  return Mustache.render(template, view, {}, { escape: escapeValue });
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the shipped templates are. They sit beside this module when it runs from `src` (tsx);
 * `tsc` does not copy them to `dist`, so from `dist/src/...` the package root is found by walking
 * up to the nearest package.json and `src/services/email/templates` is used.
 */
export function resolveTemplatesDir(from: string = import.meta.url): string {
  const here = dirname(fileURLToPath(from));
  const beside = join(here, "templates");
  if (isDir(beside)) return beside;
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) {
      const shipped = join(dir, "src", "services", "email", "templates");
      if (isDir(shipped)) return shipped;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `email templates not found beside ${here} nor under any package root above it; set templatesDir`,
  );
}

/** Mustache's parse, with the file named in a syntax error (e.g. an unclosed section). */
function parse(source: string, file: string): Mustache.TemplateSpans {
  try {
    return Mustache.parse(source);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** The templates of one directory, loaded once. */
export class TemplateLibrary {
  private readonly templates = new Map<string, Map<EmailLocale, ParsedTemplate>>();

  constructor(readonly dir: string = resolveTemplatesDir()) {
    for (const locale of LOCALES) {
      const localeDir = join(dir, locale);
      if (!isDir(localeDir)) continue;
      for (const file of readdirSync(localeDir).sort()) {
        if (!file.endsWith(".html")) continue;
        const name = file.slice(0, -".html".length);
        const htmlFile = join(localeDir, file);
        const subjectFile = join(localeDir, `${name}.subject.txt`);
        if (!existsSync(subjectFile)) throw new Error(`${htmlFile} has no subject file ${subjectFile}`);
        const subject = readFileSync(subjectFile, "utf8").trim();
        const html = readFileSync(htmlFile, "utf8");
        const required: string[] = [];
        const optional: string[] = [];
        collect(parse(html, htmlFile), false, required, optional, htmlFile);
        collect(parse(subject, subjectFile), false, required, optional, subjectFile);
        const req = [...new Set(required)];
        const opt = [...new Set(optional)].filter((v) => !req.includes(v));
        const byLocale = this.templates.get(name) ?? new Map<EmailLocale, ParsedTemplate>();
        byLocale.set(locale, { subject, html, required: req, optional: opt });
        this.templates.set(name, byLocale);
      }
    }
    if (this.templates.size === 0)
      throw new Error(`no email templates in ${dir} (expected <locale>/<name>.html)`);
  }

  list(): TemplateInfo[] {
    return [...this.templates.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, byLocale]) => {
        const first = [...byLocale.values()][0] as ParsedTemplate;
        return {
          name,
          locales: [...byLocale.keys()],
          requiredVars: first.required,
          optionalVars: first.optional,
        };
      });
  }

  /**
   * Renders a template; throws EmailTemplateError for an unknown template or locale, for invalid
   * variables or for missing ones. `defaults` fill variables the caller left out (e.g. the
   * tenant's clinic_name); older names such as service_name are taken for their current ones.
   */
  render(
    name: string,
    vars: TemplateVars,
    locale: EmailLocale,
    defaults: TemplateVars = {},
  ): RenderedTemplate {
    const byLocale = this.templates.get(name);
    if (!byLocale) {
      const known = [...this.templates.keys()].sort().join(", ");
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_UNKNOWN",
        `unknown template "${name}"; known templates: ${known}`,
      );
    }
    const template = byLocale.get(locale);
    if (!template) {
      const have = [...byLocale.keys()].join(", ");
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_UNKNOWN",
        `template "${name}" has no "${locale}" version; available: ${have}`,
      );
    }
    const values = templateValues(vars, defaults);
    const missing = template.required.filter((v) => !values.has(v));
    if (missing.length > 0) {
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_VARS_MISSING",
        `missing template variables: ${missing.join(", ")} (template "${name}" needs ${template.required.join(", ")})`,
        missing,
      );
    }
    const html = render(template.html, values, (v) => escapeHtml(String(v)));
    const subject = render(template.subject, values, asSubjectText).trim();
    return { subject, html, text: htmlToText(html), locale };
  }
}

const libraries = new Map<string, TemplateLibrary>();

/** The (cached) library of a templates directory; the shipped one by default. */
export function templateLibrary(dir?: string): TemplateLibrary {
  const key = dir ?? resolveTemplatesDir();
  const library = libraries.get(key) ?? new TemplateLibrary(key);
  libraries.set(key, library);
  return library;
}

/** The shipped templates (or those of `dir`) with their locales and variables. */
export function listTemplates(dir?: string): TemplateInfo[] {
  return templateLibrary(dir).list();
}
