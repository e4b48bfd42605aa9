import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmailTemplateError } from "./errors.js";
import { htmlToText } from "./html-to-text.js";
import { type EmailLocale, LOCALES, type TemplateVars } from "./types.js";

/**
 * Email templates are files: `<dir>/<locale>/<name>.html` (the body) and `<name>.subject.txt`.
 * Placeholders are `{{name}}`; a section `{{#reason}}...{{/reason}}` is shown only when `reason`
 * is given. Variables used outside any section are required, the others optional. Every value is
 * HTML-escaped in the body; in the subject it is kept as text with whitespace runs collapsed.
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

type Node =
  | { kind: "text"; value: string }
  | { kind: "var"; name: string }
  | { kind: "section"; name: string; body: Node[] };

interface ParsedTemplate {
  subject: Node[];
  html: Node[];
  required: string[];
  optional: string[];
}

const TOKEN = /\{\{\s*([#/]?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function parse(source: string, file: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; body: Node[] }[] = [];
  let current = root;
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const [whole, sigil, name] = match as unknown as [string, string, string];
    if (match.index > last) current.push({ kind: "text", value: source.slice(last, match.index) });
    last = match.index + whole.length;
    if (sigil === "#") {
      const section = { kind: "section" as const, name, body: [] as Node[] };
      current.push(section);
      stack.push(section);
      current = section.body;
    } else if (sigil === "/") {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`${file}: {{/${name}}} does not close an open {{#${name}}}`);
      current = stack.at(-1)?.body ?? root;
    } else {
      current.push({ kind: "var", name });
    }
  }
  if (stack.length > 0) throw new Error(`${file}: {{#${stack.at(-1)?.name}}} is never closed`);
  if (last < source.length) current.push({ kind: "text", value: source.slice(last) });
  return root;
}

function collect(nodes: Node[], inSection: boolean, required: string[], optional: string[]): void {
  for (const node of nodes) {
    if (node.kind === "var") (inSection ? optional : required).push(node.name);
    else if (node.kind === "section") {
      optional.push(node.name);
      collect(node.body, true, required, optional);
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

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function render(nodes: Node[], vars: Map<string, string>, mode: "html" | "text"): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.value;
    else if (node.kind === "var") {
      const value = vars.get(node.name) ?? "";
      out += mode === "html" ? escapeHtml(value) : value.replace(/\s+/g, " ");
    } else if (vars.has(node.name)) out += render(node.body, vars, mode);
  }
  return out;
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
        const subject = parse(readFileSync(subjectFile, "utf8").trim(), subjectFile);
        const html = parse(readFileSync(htmlFile, "utf8"), htmlFile);
        const required: string[] = [];
        const optional: string[] = [];
        collect(html, false, required, optional);
        collect(subject, false, required, optional);
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

  /** Renders a template; throws EmailTemplateError for an unknown template or locale or for missing variables. */
  render(name: string, vars: TemplateVars, locale: EmailLocale): RenderedTemplate {
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
    const values = new Map<string, string>();
    const invalid: string[] = [];
    for (const [key, value] of Object.entries(vars ?? {})) {
      if (value === undefined || value === null) continue;
      if (typeof value === "number" && Number.isFinite(value)) values.set(key, String(value));
      else if (typeof value === "string") {
        if (value.trim() !== "") values.set(key, value.trim());
      } else invalid.push(key);
    }
    if (invalid.length > 0) {
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_VARS_INVALID",
        `template variables must be strings or numbers: ${invalid.join(", ")}`,
        invalid,
      );
    }
    const missing = template.required.filter((v) => !values.has(v));
    if (missing.length > 0) {
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_VARS_MISSING",
        `missing template variables: ${missing.join(", ")} (template "${name}" needs ${template.required.join(", ")})`,
        missing,
      );
    }
    const html = render(template.html, values, "html");
    return { subject: render(template.subject, values, "text").trim(), html, text: htmlToText(html), locale };
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
