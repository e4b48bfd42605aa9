import { EmailTemplateError } from "./errors.js";
import type { TemplateVars } from "./types.js";

/**
 * Older variable names still accepted, each with the name the templates use today. Either name
 * fills the other, so a custom template written with the older name keeps working too.
 */
export const TEMPLATE_VAR_ALIASES: Readonly<Record<string, string>> = { service_name: "treatment" };

/**
 * The values a template is rendered with: strings (trimmed) and finite numbers as text; empty or
 * blank values count as not given. Aliases are resolved and `defaults` (e.g. the tenant's clinic
 * name) fill what the caller left out. Throws EmailTemplateError naming every variable that is not
 * a string or number, or an alias pair given with two different values.
 */
export function templateValues(vars: TemplateVars, defaults: TemplateVars = {}): Map<string, string> {
  const values = new Map<string, string>();
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(vars ?? {})) {
    const text = asText(value);
    if (text === null) invalid.push(key);
    else if (text !== undefined) values.set(key, text);
  }
  if (invalid.length > 0) {
    throw new EmailTemplateError(
      "EMAIL_TEMPLATE_VARS_INVALID",
      `template variables must be strings or numbers: ${invalid.join(", ")}`,
      invalid,
    );
  }
  for (const [alias, name] of Object.entries(TEMPLATE_VAR_ALIASES)) {
    const a = values.get(alias);
    const n = values.get(name);
    if (a !== undefined && n !== undefined && a !== n) {
      throw new EmailTemplateError(
        "EMAIL_TEMPLATE_VARS_INVALID",
        `template variables ${name} and ${alias} (its older alias) differ; send only ${name}`,
        [name, alias],
      );
    }
    const value = n ?? a;
    if (value !== undefined) {
      values.set(name, value);
      values.set(alias, value);
    }
  }
  for (const [key, value] of Object.entries(defaults)) {
    const text = asText(value);
    if (typeof text === "string" && !values.has(key)) values.set(key, text);
  }
  return values;
}

/** The text of a value; undefined when not given (or blank), null when of the wrong type. */
function asText(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  if (typeof value !== "string") return null;
  return value.trim() === "" ? undefined : value.trim();
}
