import type { Env, TenantConfig } from "./schema.js";

/**
 * The literal secret values of the configuration, scrubbed from logs and the audit trail wherever
 * they appear. Besides the API keys and passwords this covers the Google service account key (the
 * whole JSON text, its private key as stored in the JSON and as parsed, and its key id) and the
 * password of a Redis or PostgreSQL URL.
 */
export function secretValuesOf(env: Env, tenants: Iterable<TenantConfig>): string[] {
  const values = [
    env.AUDIT_SIGNING_KEY,
    env.OPENAI_API_KEY,
    env.CHATWOOT_API_TOKEN,
    env.CHATWOOT_WEBHOOK_SECRET,
    env.GOOGLE_ACCESS_TOKEN,
    env.SMTP_PASS,
    env.SENDGRID_API_KEY,
    env.MAILGUN_API_KEY,
    ...serviceAccountSecrets(env.GOOGLE_SERVICE_ACCOUNT_JSON),
    urlPassword(env.REDIS_URL),
    urlPassword(env.DATABASE_URL),
    ...[...tenants].flatMap((t) => [
      t.email.smtpPassword,
      t.email.sendgridApiKey,
      t.email.mailgunApiKey,
      t.chatwootWebhookSecret,
    ]),
  ].filter((v): v is string => typeof v === "string" && v.length > 0);
  return [...new Set(values)];
}

/**
 * The secret parts of a service account key file: the JSON text itself, `private_key` both as
 * parsed (real line breaks) and as written inside the JSON (`\n` escapes), each line of the key
 * body (an error message may quote one), and `private_key_id`. Text that is not JSON is treated
 * as one opaque secret; the calendar service reports the bad value itself.
 */
export function serviceAccountSecrets(json: string | undefined): string[] {
  if (!json) return [];
  const out = [json];
  let key: { private_key?: unknown; private_key_id?: unknown };
  try {
    key = JSON.parse(json) as typeof key;
  } catch {
    return out;
  }
  if (key === null || typeof key !== "object") return out;
  if (typeof key.private_key === "string" && key.private_key !== "") {
    out.push(key.private_key, JSON.stringify(key.private_key).slice(1, -1));
    for (const line of key.private_key.split(/\r?\n/)) {
      if (line.length >= 16 && !line.startsWith("-----")) out.push(line);
    }
  }
  if (typeof key.private_key_id === "string") out.push(key.private_key_id);
  return out;
}

/** The password of a `scheme://user:password@host` URL, decoded, or undefined. */
function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
