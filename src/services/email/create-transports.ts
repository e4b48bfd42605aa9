import { resolve } from "node:path";
import { MailgunTransport } from "./mailgun-transport.js";
import { OutboxTransport } from "./outbox-transport.js";
import { SendGridTransport } from "./sendgrid-transport.js";
import { SmtpTransport } from "./smtp-transport.js";
import type { EmailTransport, ProviderName, ResolvedEmailConfig } from "./types.js";

/** One transport for a provider, from already checked settings. */
export function createTransport(provider: ProviderName, config: ResolvedEmailConfig): EmailTransport {
  switch (provider) {
    case "smtp":
      return new SmtpTransport({
        host: config.smtpHost as string,
        port: config.smtpPort,
        username: config.smtpUsername,
        password: config.smtpPassword,
        useTls: config.useTls,
        tls: config.smtpTls,
        timeoutMs: config.timeoutMs,
      });
    case "sendgrid":
      return new SendGridTransport({
        apiKey: config.sendgridApiKey as string,
        baseUrl: config.sendgridBaseUrl,
        timeoutMs: config.timeoutMs,
      });
    case "mailgun":
      return new MailgunTransport({
        apiKey: config.mailgunApiKey as string,
        domain: config.mailgunDomain as string,
        url: config.mailgunUrl,
        timeoutMs: config.timeoutMs,
      });
    case "outbox":
      return new OutboxTransport({ dir: resolve(config.outboxDir) });
  }
}

/** The transports of `config.providers`, in failover order. */
export function createTransports(config: ResolvedEmailConfig): EmailTransport[] {
  return config.providers.map((p) => createTransport(p, config));
}
