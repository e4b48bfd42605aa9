export { classifyError, classifyHttpError, classifySmtpError } from "./classify.js";
export { composeMessage, idempotencyDigest } from "./compose.js";
export { configuredProviders, resolveEmailConfig } from "./config.js";
export { createTransport, createTransports } from "./create-transports.js";
export {
  RedisEmailDedupStore,
  type RedisEmailDedupStoreOptions,
  SqliteEmailDedupStore,
} from "./dedup-store.js";
export { EmailService, type EmailServiceDeps } from "./email-service.js";
export {
  EmailConfigError,
  EmailDedupError,
  type EmailErrorCode,
  EmailSendError,
  type EmailSendErrorCode,
  EmailTemplateError,
  EmailValidationError,
  isEmailSendError,
  scrubSecrets,
} from "./errors.js";
export { buildEmailService, emailConfigForTenant } from "./from-config.js";
export { MailgunTransport, type MailgunTransportOptions } from "./mailgun-transport.js";
export { OutboxTransport, type OutboxTransportOptions } from "./outbox-transport.js";
export { htmlToText } from "./plain-text.js";
export { SendGridTransport, type SendGridTransportOptions } from "./sendgrid-transport.js";
export { SmtpTransport, type SmtpTransportOptions } from "./smtp-transport.js";
export {
  escapeHtml,
  listTemplates,
  type RenderedTemplate,
  resolveTemplatesDir,
  type TemplateInfo,
  TemplateLibrary,
} from "./templates.js";
export {
  type EmailConfig,
  type EmailDedupStore,
  type EmailLocale,
  type EmailSendResult,
  type EmailTransport,
  LOCALES as EMAIL_LOCALES,
  type OutgoingEmail,
  PROVIDER_NAMES as EMAIL_PROVIDERS,
  type ProviderName as EmailProviderName,
  type RecipientKind,
  type RefusedRecipient,
  type ResolvedEmailConfig,
  type SendEmailInput,
  type SendTemplateEmailInput,
  type TemplateVars,
} from "./types.js";
export { isEmailAddress } from "./validation.js";
