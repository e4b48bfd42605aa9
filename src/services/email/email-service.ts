import { type Logger, silentLogger } from "../../util/logger.js";
import { type RetryPolicy, retry } from "../../util/retry.js";
import { sendClaimed } from "./claimed-send.js";
import { classifyError } from "./classify.js";
import { composeMessage } from "./compose.js";
import { resolveEmailConfig } from "./config.js";
import { createTransports } from "./create-transports.js";
import { deliveryReport } from "./delivery-progress.js";
import { EmailConfigError, type EmailSendError, EmailValidationError, scrubSecrets } from "./errors.js";
import { SentKeys, type SentRecord } from "./sent-keys.js";
import {
  type RenderedTemplate,
  type TemplateInfo,
  type TemplateLibrary,
  templateLibrary,
} from "./templates.js";
import {
  type EmailConfig,
  type EmailDedupStore,
  type EmailLocale,
  type EmailSendResult,
  type EmailTransport,
  LOCALES,
  type OutgoingEmail,
  type ResolvedEmailConfig,
  type SendEmailInput,
  type SendTemplateEmailInput,
  type TemplateVars,
} from "./types.js";

export interface EmailServiceDeps {
  /** Replaces the transports built from the config; tried in this order. */
  transports?: EmailTransport[];
  logger?: Logger;
  /** Claims and remembers idempotency keys across processes (e.g. RedisEmailDedupStore). */
  dedupStore?: EmailDedupStore;
  /** Lease of a send claim, renewed while the send runs; a dead sender's claim expires after it. Default 30 s. */
  claimLeaseMs?: number;
  /** How long a send waits for another process sending the same key before answering IN_PROGRESS. Default 3 s. */
  claimWaitMs?: number;
}

function failure(
  err: { message: string; code?: string },
  attempts = 0,
  provider: string | null = null,
): EmailSendResult {
  return {
    success: false,
    provider,
    messageId: null,
    error: err.message,
    errorCode: err.code ?? "EMAIL_SEND_FAILED",
    attempts,
  };
}

function milliseconds(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min)
    throw new EmailValidationError(
      field,
      `expected a number of milliseconds of at least ${min}, got ${value}`,
    );
  return value;
}

/**
 * Sends one tenant's emails: validates, retries retriable failures with exponential backoff, fails
 * over to the next provider, and never sends the same idempotency key twice. Send failures are
 * returned (`success: false`), never thrown; error texts never contain a configured secret.
 *
 * @example
 * const email = new EmailService({ companyId: "benova", fromEmail: "citas@benova.es", smtpHost: "smtp.benova.es" });
 * const res = await email.sendTemplateEmail({
 *   toEmail: "ana@example.com",
 *   templateName: "appointment_confirmation",
 *   templateVars: { customer_name: "Ana", appointment_date: "12/03/2025", appointment_time: "10:30",
 *     treatment: "Limpieza facial" }, // clinic_name: the tenant's, unless given
 *   idempotencyKey: "booking:abc:confirmation",
 * });
 */
export class EmailService {
  readonly config: ResolvedEmailConfig;
  private readonly transports: EmailTransport[];
  private readonly logger: Logger;
  private readonly dedupStore: EmailDedupStore | undefined;
  private readonly policy: RetryPolicy;
  private readonly secrets: string[];
  private readonly sent: SentKeys;
  private readonly inFlight = new Map<string, Promise<EmailSendResult>>();
  private readonly claimLeaseMs: number;
  private readonly claimWaitMs: number;

  constructor(config: EmailConfig, deps: EmailServiceDeps = {}) {
    this.config = resolveEmailConfig(config);
    this.transports = deps.transports ? [...deps.transports] : createTransports(this.config);
    if (this.transports.length === 0)
      throw new EmailValidationError("transports", "expected at least one transport");
    this.logger = (deps.logger ?? silentLogger).child({
      component: "email",
      companyId: this.config.companyId,
    });
    this.dedupStore = deps.dedupStore;
    this.claimLeaseMs = milliseconds("claimLeaseMs", deps.claimLeaseMs, 30_000, 1);
    this.claimWaitMs = milliseconds("claimWaitMs", deps.claimWaitMs, 3_000, 0);
    this.sent = new SentKeys(this.config.dedupTtlMs);
    const baseDelayMs = this.config.retryDelay * 1000;
    this.policy = {
      maxRetries: this.config.maxRetries,
      baseDelayMs,
      maxDelayMs: Math.max(baseDelayMs, 30_000),
      jitter: 0.5,
    };
    this.secrets = [config.smtpPassword, config.sendgridApiKey, config.mailgunApiKey].filter(
      (s): s is string => typeof s === "string" && s !== "",
    );
  }

  get companyId(): string {
    return this.config.companyId;
  }

  /** Provider names in the order they are tried. */
  get providers(): string[] {
    return this.transports.map((t) => t.name);
  }

  /** Sends an email; see EmailSendResult. Invalid input is refused before anything is sent. */
  async sendEmail(input: SendEmailInput): Promise<EmailSendResult> {
    let composed: ReturnType<typeof composeMessage>;
    try {
      composed = composeMessage(this.config, input);
    } catch (err) {
      return this.refused(err);
    }
    return this.deliver(composed.message, composed.idempotencyKey);
  }

  /** Renders a file template (Spanish by default) and sends it; missing variables are named before anything is sent. */
  async sendTemplateEmail(input: SendTemplateEmailInput): Promise<EmailSendResult> {
    let composed: ReturnType<typeof composeMessage>;
    try {
      const rendered = this.renderTemplate(input.templateName, input.templateVars, input.locale);
      composed = composeMessage(this.config, {
        ...input,
        subject: rendered.subject,
        bodyHtml: rendered.html,
        bodyText: rendered.text,
      });
    } catch (err) {
      return this.refused(err);
    }
    return this.deliver(composed.message, composed.idempotencyKey);
  }

  /** The subject, HTML and text a template produces (throws EmailTemplateError / EmailValidationError). */
  renderTemplate(templateName: string, templateVars: TemplateVars, locale?: EmailLocale): RenderedTemplate {
    if (typeof templateName !== "string" || templateName === "") {
      throw new EmailValidationError(
        "templateName",
        `expected one of ${this.templates()
          .list()
          .map((t) => t.name)
          .join(", ")}`,
      );
    }
    const lang = locale ?? this.config.defaultLocale;
    if (!LOCALES.includes(lang))
      throw new EmailValidationError("locale", `expected one of ${LOCALES.join(", ")}, got "${lang}"`);
    if (typeof templateVars !== "object" || templateVars === null || Array.isArray(templateVars)) {
      throw new EmailValidationError("templateVars", "expected an object of template variables");
    }
    const { clinicName, clinicPhone } = this.config;
    return this.templates().render(templateName, templateVars, lang, {
      clinic_name: clinicName,
      clinic_phone: clinicPhone,
    });
  }

  listTemplates(): TemplateInfo[] {
    return this.templates().list();
  }

  /** Checks each provider that can be checked without sending; errors are scrubbed of secrets. */
  async verify(): Promise<{ provider: string; ok: boolean; error?: string }[]> {
    const out: { provider: string; ok: boolean; error?: string }[] = [];
    for (const t of this.transports) {
      if (!t.verify) continue;
      try {
        await t.verify();
        out.push({ provider: t.name, ok: true });
      } catch (err) {
        out.push({ provider: t.name, ok: false, error: this.scrub((err as Error).message) });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.transports.map((t) => t.close?.()));
  }

  private templates(): TemplateLibrary {
    try {
      return templateLibrary(this.config.templatesDir);
    } catch (err) {
      throw new EmailConfigError("templatesDir", (err as Error).message);
    }
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.secrets, this.config.smtpUsername);
  }

  private refused(err: unknown): EmailSendResult {
    const e = err as { message?: string; code?: unknown };
    const code = typeof e.code === "string" ? e.code : "EMAIL_INVALID_INPUT";
    this.logger.warn("email refused", { errorCode: code, error: this.scrub(String(e.message ?? err)) });
    return failure({ message: this.scrub(String(e.message ?? err)), code });
  }

  private async deliver(message: OutgoingEmail, key: string | undefined): Promise<EmailSendResult> {
    if (key === undefined) return this.sendThroughChain(message);
    // Concurrent sends with one key: the later ones wait for the first and reuse its outcome.
    for (let pending = this.inFlight.get(key); pending; pending = this.inFlight.get(key)) await pending;
    const run = this.deliverOnce(message, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async deliverOnce(message: OutgoingEmail, key: string): Promise<EmailSendResult> {
    const known = this.sent.get(key);
    if (known) return this.duplicate(key, known);
    const store = this.dedupStore;
    if (!store) return this.remember(key, await this.sendThroughChain(message));
    // Claim the key before sending, so of several processes sending it at once exactly one sends.
    const outcome = await sendClaimed(
      {
        store,
        leaseMs: this.claimLeaseMs,
        waitMs: this.claimWaitMs,
        ttlMs: this.config.dedupTtlMs,
        logger: this.logger,
        scrub: (text) => this.scrub(text),
        send: (m) => this.sendThroughChain(m),
      },
      message,
      key,
    );
    if ("duplicate" in outcome) return this.duplicate(key, outcome.duplicate);
    if (outcome.record) this.sent.set(key, outcome.record);
    return outcome.result;
  }

  private remember(key: string, result: EmailSendResult): EmailSendResult {
    if (result.success && result.provider && result.messageId)
      this.sent.set(key, { provider: result.provider, messageId: result.messageId });
    return result;
  }

  private duplicate(key: string, record: SentRecord): EmailSendResult {
    const { provider, messageId } = record;
    this.logger.info("email already sent for this idempotency key; not sending again", {
      provider,
      messageId,
    });
    this.sent.set(key, record);
    return {
      success: true,
      provider,
      messageId,
      error: null,
      attempts: 0,
      deduplicated: true,
      ...(record.resentAfterExpiredClaim ? { resentAfterExpiredClaim: true } : {}),
    };
  }

  private async sendThroughChain(message: OutgoingEmail): Promise<EmailSendResult> {
    const chain = this.config.failover ? this.transports : this.transports.slice(0, 1);
    let attempts = 0;
    const failures: string[] = [];
    let last: EmailSendError | undefined;
    for (const transport of chain) {
      let tries = 0;
      try {
        const { value } = await retry(
          this.policy,
          async () => {
            attempts++;
            tries++;
            return transport.send(message);
          },
          (err) => classifyError(err, transport.name).retriable,
          (err, attempt, delayMs) =>
            this.logger.warn("email attempt failed; retrying", {
              provider: transport.name,
              attempt,
              delayMs,
              errorCode: (err as { code?: unknown }).code,
              error: this.scrub((err as Error).message ?? String(err)),
            }),
        );
        this.logger.info("email sent", { provider: transport.name, messageId: value.messageId, attempts });
        return {
          success: true,
          provider: transport.name,
          messageId: value.messageId,
          error: null,
          attempts,
          ...deliveryReport(message),
        };
      } catch (err) {
        last = classifyError(err, transport.name);
        const what = `${transport.name}: ${last.message} (${tries} attempt${tries === 1 ? "" : "s"}${last.retriable ? "" : ", not retriable"})`;
        failures.push(this.scrub(what));
        this.logger.warn("email provider failed", {
          provider: transport.name,
          errorCode: last.code,
          attempts: tries,
        });
      }
    }
    const error =
      failures.length === 1
        ? `email not sent: ${failures[0]}`
        : `email not sent, all providers failed: ${failures.join("; ")}`;
    this.logger.error("email not sent", { errorCode: last?.code, attempts, error });
    return {
      ...failure({ message: error, code: last?.code }, attempts, chain.at(-1)?.name ?? null),
      ...deliveryReport(message),
    };
  }
}
