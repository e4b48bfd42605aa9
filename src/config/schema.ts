import { z } from "zod";

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();
const urlOf = (protocol: RegExp, example: string) =>
  optionalString.pipe(z.url({ protocol, message: `expected an absolute URL such as ${example}` }).optional());
const optionalUrl = urlOf(/^https?$/, "http://host:port");
const boolFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Per-tenant settings; anything left out falls back to the environment's defaults. */
export const TenantSchema = z.object({
  companyId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "expected lower-case letters, digits, - or _"),
  name: z.string().default("Clínica"),
  /** The clinic's phone number as customers should see it (e.g. "+34 910 000 000"); shown in emails. */
  phone: z.string().trim().min(3, "expected a phone number such as +34 910 000 000").max(40).optional(),
  timeZone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "expected an IANA time zone such as Europe/Madrid")
    .default("Europe/Madrid"),
  locale: z.enum(["es", "en"]).default("es"),
  openingHours: z
    .object({
      days: z.array(z.number().int().min(0).max(6)).default([1, 2, 3, 4, 5]),
      open: z.string().regex(TIME, "expected HH:MM").default("09:00"),
      close: z.string().regex(TIME, "expected HH:MM").default("20:00"),
      slotMinutes: z.number().int().min(5).max(240).default(30),
    })
    .prefault({}),
  email: z
    .object({
      fromEmail: z.email().optional(),
      fromName: z.string().optional(),
      providers: z.array(z.enum(["smtp", "sendgrid", "mailgun", "outbox"])).optional(),
      smtpHost: z.string().optional(),
      smtpPort: z.number().int().min(1).max(65535).optional(),
      smtpUsername: z.string().optional(),
      smtpPassword: z.string().optional(),
      useTls: z.boolean().optional(),
      sendgridApiKey: z.string().optional(),
      mailgunApiKey: z.string().optional(),
      mailgunDomain: z.string().optional(),
    })
    .prefault({}),
  calendarId: z.string().optional(),
  /**
   * Whether an operator must approve each booking and ticket before it is made: the turn pauses and
   * `app.resolveApproval` (CLI `agent-ledger approve`) resumes it. Default false.
   */
  requireApproval: z.boolean({ message: "expected true or false" }).default(false),
  chatwootAccountId: z.number().int().positive().optional(),
  /** The secret of this account's Chatwoot webhook; falls back to CHATWOOT_WEBHOOK_SECRET. */
  chatwootWebhookSecret: z.string().trim().min(1, "expected a non-empty secret").optional(),
});
export type TenantConfig = z.infer<typeof TenantSchema>;

/** The environment variables the project reads, with their defaults. */
export const EnvSchema = z.object({
  REDIS_URL: urlOf(/^rediss?$/, "redis://127.0.0.1:6379"),
  DATABASE_URL: urlOf(/^postgres(ql)?$/, "postgres://user@127.0.0.1:5432/db"),
  DATA_DIR: z.string().trim().min(1).default(".data"),
  COMPANY_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "expected lower-case letters, digits, - or _")
    .default("benova"),
  TENANTS_FILE: optionalString,
  AUDIT_TTL_DAYS: z.coerce
    .number({ message: "expected a number of days" })
    .int("expected a whole number of days")
    .min(1, "expected at least 1 day")
    .max(3650, "expected at most 3650 days")
    .default(90),
  AUDIT_SIGNING_KEY: optionalString.pipe(z.string().min(16, "expected at least 16 characters").optional()),
  AUDIT_PII_KEYS: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().default("gpt-4o-mini"),
  CHATWOOT_BASE_URL: optionalUrl,
  CHATWOOT_API_TOKEN: optionalString,
  CHATWOOT_ACCOUNT_ID: z.coerce.number().int().positive().optional(),
  CHATWOOT_WEBHOOK_SECRET: optionalString,
  GOOGLE_CALENDAR_ID: optionalString,
  GOOGLE_CALENDAR_ROOT_URL: optionalUrl,
  GOOGLE_SERVICE_ACCOUNT_JSON: optionalString,
  GOOGLE_ACCESS_TOKEN: optionalString,
  SMTP_HOST: optionalString,
  SMTP_PORT: z.coerce.number({ message: "expected a port number" }).int().min(1).max(65535).default(587),
  SMTP_USER: optionalString,
  SMTP_PASS: optionalString,
  SMTP_SECURE: boolFlag.default(false),
  SENDGRID_API_KEY: optionalString,
  SENDGRID_BASE_URL: optionalUrl,
  MAILGUN_API_KEY: optionalString,
  MAILGUN_DOMAIN: optionalString,
  MAILGUN_URL: optionalUrl,
  EMAIL_FROM: optionalString.pipe(z.email({ message: "expected an email address" }).optional()),
  EMAIL_FROM_NAME: optionalString,
  PORT: z.coerce.number({ message: "expected a port number" }).int().min(0).max(65535).default(3000),
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number({ message: "expected a number of bytes" })
    .int("expected a whole number of bytes")
    .min(1024, "expected at least 1024 bytes")
    .max(16 * 1024 * 1024, "expected at most 16777216 bytes (16 MiB)")
    .default(256 * 1024),
  WEBHOOK_MAX_SKEW_SECONDS: z.coerce
    .number({ message: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(1, "expected at least 1 second")
    .max(3600, "expected at most 3600 seconds")
    .default(300),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ message: "expected a number of deliveries per minute (0: no limit)" })
    .int("expected a whole number of deliveries per minute")
    .min(0, "expected 0 (no limit) or more")
    .max(1_000_000, "expected at most 1000000")
    .default(1200),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;
