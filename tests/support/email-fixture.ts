import { afterAll, afterEach, beforeAll } from "vitest";
import { EmailService } from "../../src/services/email/index.js";
import { SmtpStandIn } from "./smtp-stand-in.js";

type EmailConfigInput = Partial<ConstructorParameters<typeof EmailService>[0]>;

/**
 * An SMTP stand-in for the enclosing `describe`, and a factory of EmailServices pointed at it.
 * The stand-in is reset and the services are closed after each test.
 */
export function useSmtpEmail(defaults: EmailConfigInput = {}) {
  const smtp = new SmtpStandIn();
  const services: EmailService[] = [];
  const service = (extra: EmailConfigInput = {}) => {
    const s = new EmailService({
      companyId: "benova",
      fromEmail: "citas@benova.example",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      useTls: false,
      maxRetries: 0,
      retryDelay: 0.01,
      ...defaults,
      ...extra,
    });
    services.push(s);
    return s;
  };
  beforeAll(async () => {
    await smtp.start();
  });
  afterEach(async () => {
    smtp.reset();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await smtp.close();
  });
  return { smtp, service };
}
