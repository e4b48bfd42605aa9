import { join } from "node:path";
import type { AppConfig, TenantConfig } from "../config/index.js";
import {
  type CalendarService,
  GoogleCalendarService,
  LocalCalendarService,
} from "../services/calendar/index.js";
import {
  ChatwootApiService,
  type ChatwootService,
  LocalChatwootService,
} from "../services/chatwoot/index.js";
import type { EmailService } from "../services/email/email-service.js";
import { buildEmailService } from "../services/email/from-config.js";
import {
  type MultimediaService,
  OpenAIMultimediaService,
  UnconfiguredMultimediaService,
} from "../services/multimedia/index.js";
import { ChatwootTicketService, LocalTicketService, type TicketService } from "../services/tickets/index.js";
import type { Logger } from "../util/logger.js";
import { type Closers, closeIfPossible } from "./closers.js";
import type { Stores } from "./stores.js";

/** The services one tenant's tools call. */
export interface TenantServices {
  calendar: CalendarService;
  chatwoot: ChatwootService;
  tickets: TicketService;
  multimedia: MultimediaService;
  email: EmailService;
}

/**
 * Picks each service from the configuration: the production one when its settings are present
 * (Google Calendar, Chatwoot, OpenAI, SMTP/SendGrid/Mailgun), the embedded one under `DATA_DIR`
 * otherwise. Everything that holds a file or a connection is registered with `closers`.
 */
export function buildTenantServices(
  config: AppConfig,
  tenant: TenantConfig,
  deps: { stores: Stores; logger: Logger; closers: Closers; clock?: () => Date },
): TenantServices {
  const env = config.env;
  const { companyId } = tenant;
  const dataFile = (name: string) => join(config.dataDir, name);
  const base = {
    timeZone: tenant.timeZone,
    openingHours: tenant.openingHours,
    locale: tenant.locale,
    ...(deps.clock ? { now: deps.clock } : {}),
  };
  const calendar: CalendarService =
    env.GOOGLE_CALENDAR_ID && (env.GOOGLE_ACCESS_TOKEN || env.GOOGLE_SERVICE_ACCOUNT_JSON)
      ? new GoogleCalendarService({
          ...base,
          calendarId: tenant.calendarId ?? env.GOOGLE_CALENDAR_ID,
          ...(env.GOOGLE_CALENDAR_ROOT_URL ? { rootUrl: env.GOOGLE_CALENDAR_ROOT_URL } : {}),
          auth: env.GOOGLE_SERVICE_ACCOUNT_JSON
            ? { serviceAccountJson: env.GOOGLE_SERVICE_ACCOUNT_JSON }
            : { accessToken: env.GOOGLE_ACCESS_TOKEN as string },
        })
      : new LocalCalendarService({ ...base, companyId, path: dataFile("calendar.db") });
  deps.closers.add(() => calendar.close?.());

  const accountId = tenant.chatwootAccountId ?? env.CHATWOOT_ACCOUNT_ID;
  const chatwoot: ChatwootService =
    env.CHATWOOT_BASE_URL && env.CHATWOOT_API_TOKEN && accountId
      ? new ChatwootApiService({
          baseUrl: env.CHATWOOT_BASE_URL,
          apiToken: env.CHATWOOT_API_TOKEN,
          accountId,
          dedupStore: deps.stores.chatwootDedup(companyId),
        })
      : new LocalChatwootService({ companyId, path: dataFile("conversations.db") });
  deps.closers.add(() => closeIfPossible(chatwoot));

  const tickets: TicketService =
    chatwoot instanceof ChatwootApiService
      ? new ChatwootTicketService({
          companyId,
          chatwoot,
          path: dataFile("tickets.db"),
          locale: tenant.locale,
        })
      : new LocalTicketService({ companyId, path: dataFile("tickets.db") });
  deps.closers.add(() => closeIfPossible(tickets));

  const multimedia: MultimediaService = env.OPENAI_API_KEY
    ? new OpenAIMultimediaService({
        apiKey: env.OPENAI_API_KEY,
        ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
      })
    : new UnconfiguredMultimediaService();

  // Sent emails are remembered by idempotency key across processes and restarts.
  const email = buildEmailService(config, tenant, deps.logger, {
    dedupStore: deps.stores.emailDedup(companyId),
  });
  deps.closers.add(() => email.close());
  return { calendar, chatwoot, tickets, multimedia, email };
}
