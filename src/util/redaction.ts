/** What replaces a secret value before anything is stored or logged. */
export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets. Matched case-insensitively against the whole key, ignoring `-` and `_`. */
const SECRET_KEY =
  /^(pass|passwd|password|pwd|secret|clientsecret|token|accesstoken|refreshtoken|idtoken|apitoken|apikey|apiaccesstoken|authorization|auth|cookie|setcookie|privatekey|credentials?|signingkey|webhooksecret|smtppass|sessionid)$|(password|secret|token|apikey|privatekey)$/;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, "");
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(normalizeKey(key));
}

/** Masks a personal value so it can still be recognised by its owner: `+34******678`, `j***@example.com`. */
export function maskPii(value: unknown): unknown {
  if (typeof value !== "string") return value === null || value === undefined ? value : REDACTED;
  const at = value.indexOf("@");
  if (at > 0) return `${value[0]}***${value.slice(at)}`;
  if (value.length <= 4) return "*".repeat(value.length);
  return `${value.slice(0, 3)}${"*".repeat(Math.max(0, value.length - 6))}${value.slice(-3)}`;
}

export interface RedactionOptions {
  /** Extra keys (PII such as `phone`, `email`) whose values are masked. */
  piiKeys?: readonly string[];
  /** Literal secret values (configured API keys) scrubbed from any string, wherever they appear. */
  secretValues?: readonly string[];
}

/**
 * Returns a deep copy of `value` with secret-looking keys replaced by `[REDACTED]`, configured PII
 * keys masked, and known secret strings scrubbed from free text. The input is never changed.
 */
export function redactSecrets(value: unknown, options: RedactionOptions = {}): unknown {
  const pii = new Set((options.piiKeys ?? []).map(normalizeKey));
  // Longest first, so a secret that contains another (a key file and its private key) goes whole.
  const secrets = (options.secretValues ?? [])
    .filter((s) => typeof s === "string" && s.length >= 6)
    .sort((a, b) => b.length - a.length);
  const seen = new WeakSet<object>();
  const scrub = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // Bearer tokens and basic credentials in free text.
    return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return scrub(v);
    if (v === null || typeof v !== "object") return v;
    if (v instanceof Date) return v.toISOString();
    if (seen.has(v)) return "[Circular]";
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Error) return { name: v.name, message: scrub(v.message) };
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) {
      if (inner === undefined) continue;
      const nk = normalizeKey(k);
      if (isSecretKey(k)) out[k] = REDACTED;
      else if (pii.has(nk)) out[k] = maskPii(inner);
      else out[k] = walk(inner);
    }
    return out;
  };
  return walk(value);
}
