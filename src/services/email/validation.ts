import { EmailValidationError } from "./errors.js";

/**
 * A plain address (`name@example.com`) as HTML forms accept it: ASCII local part, a domain of
 * dot-separated labels (at least two, e.g. IDN domains in punycode). Display names such as
 * `Ana <ana@example.com>` are not accepted here: pass the bare address.
 */
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmailAddress(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 254) return false;
  const at = value.lastIndexOf("@");
  if (at < 1 || at > 64) return false;
  const local = value.slice(0, at);
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false;
  return ADDRESS.test(value);
}

function show(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = (text ?? String(value)).replace(/[\r\n]/g, "\\n");
  return flat.length > 80 ? `"${flat.slice(0, 80)}..."` : `"${flat}"`;
}

/** Checks one or more addresses; returns them trimmed as a list (empty when `required` is false and nothing given). */
export function addressList(field: string, value: unknown, required: boolean): string[] {
  if (value === undefined || value === null || value === "") {
    if (required)
      throw new EmailValidationError(field, "expected an email address such as cliente@example.com");
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  if (required && list.length === 0) {
    throw new EmailValidationError(field, "expected at least one email address");
  }
  return list.map((item, i) => {
    const trimmed = typeof item === "string" ? item.trim() : item;
    if (!isEmailAddress(trimmed)) {
      const where = Array.isArray(value) ? `${field}[${i}]` : field;
      throw new EmailValidationError(
        where,
        `expected an email address such as cliente@example.com, got ${show(item)}`,
      );
    }
    return trimmed;
  });
}

/** A subject is one non-empty line: CR or LF would let a caller inject headers. */
export function checkSubject(value: unknown, field = "subject"): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new EmailValidationError(field, "expected a non-empty subject line");
  }
  if (/[\r\n]/.test(value)) {
    throw new EmailValidationError(
      field,
      "must be a single line: carriage returns and line feeds are not allowed",
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    throw new EmailValidationError(field, "must not contain control characters");
  }
  if (value.length > 998) throw new EmailValidationError(field, "must be at most 998 characters");
  return value.trim();
}

/** An idempotency key is an opaque, non-empty string of at most 512 characters. */
export function checkIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "" || value.length > 512) {
    throw new EmailValidationError("idempotencyKey", "expected a non-empty string of at most 512 characters");
  }
  return value;
}

export function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new EmailValidationError(field, `expected a string, got ${show(value)}`);
  return value;
}
