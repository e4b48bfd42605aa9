import { join } from "node:path";
import { Redis } from "ioredis";
import { AuditManager } from "./audit/audit-manager.js";
import { RedisAuditStore } from "./audit/redis/redis-audit-store.js";
import { SqliteAuditStore } from "./audit/sqlite/sqlite-audit-store.js";
import type { AuditStore } from "./audit/store.js";
import { type AppConfig, tenantConfig } from "./config/index.js";
import type { AgentFactory, Conversations, ConverseInput, ConverseResult } from "./graph/converse.js";
import { CompensationOrchestrator } from "./saga/orchestrator.js";
import { RedisSagaStore } from "./saga/redis/redis-saga-store.js";
import { SqliteSagaStore } from "./saga/sqlite/sqlite-saga-store.js";
import type { SagaStore } from "./saga/store.js";
import {
  type CalendarService,
  GoogleCalendarService,
  LocalCalendarService,
} from "./services/calendar/index.js";
import {
  ChatwootApiService,
  type ChatwootService,
  LocalChatwootService,
  RedisChatwootDedupStore,
  SqliteChatwootDedupStore,
} from "./services/chatwoot/index.js";
import { RedisEmailDedupStore, SqliteEmailDedupStore } from "./services/email/dedup-store.js";
import type { EmailService } from "./services/email/email-service.js";
import { buildEmailService } from "./services/email/from-config.js";
import { KnowledgeBase, OpenAIEmbeddings, type VectorstoreService } from "./services/knowledge/index.js";
import {
  type MultimediaService,
  OpenAIMultimediaService,
  UnconfiguredMultimediaService,
} from "./services/multimedia/index.js";
import { ChatwootTicketService, LocalTicketService, type TicketService } from "./services/tickets/index.js";
import { ToolExecutor } from "./tools/tool-executor.js";
import { createLogger, type Logger } from "./util/logger.js";

/** Everything one tenant's work needs, built once. */
export interface TenantRuntime {
  companyId: string;
  audit: AuditManager;
  executor: ToolExecutor;
  sagas: CompensationOrchestrator;
  email: EmailService;
  calendar: CalendarService;
  chatwoot: ChatwootService;
  tickets: TicketService;
}

/**
 * The composition root: config -> stores -> services -> executor, per tenant. Unset settings fall
 * back to embedded defaults under DATA_DIR (SQLite audit store, local calendar, outbox email, local
 * Chatwoot and tickets), so the project runs with no keys and no services.
 */
export class App {
  readonly logger: Logger;
  readonly redis: Redis | null;
  readonly auditStore: AuditStore;
  readonly sagaStore: SagaStore;
  private readonly runtimes = new Map<string, Promise<TenantRuntime>>();
  private knowledge: Promise<VectorstoreService> | null = null;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private conversations: Promise<Conversations> | null = null;

  /** `options.agents` builds each tenant's agents for `converse` (default: the offline agents of src/agents). */
  constructor(
    readonly config: AppConfig,
    private readonly options: { agents?: AgentFactory } = {},
  ) {
    this.logger = createLogger(config.env.LOG_LEVEL, {}, undefined, { secretValues: config.secretValues });
    if (config.env.REDIS_URL) {
      this.redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
      this.auditStore = new RedisAuditStore({ redis: this.redis });
      this.sagaStore = new RedisSagaStore({ redis: this.redis, ttlDays: config.env.AUDIT_TTL_DAYS });
      this.closers.push(() => void this.redis?.disconnect());
    } else {
      this.redis = null;
      const store = new SqliteAuditStore({ path: join(config.dataDir, "audit.db") });
      this.auditStore = store;
      const sagas = new SqliteSagaStore({
        path: join(config.dataDir, "sagas.db"),
        ttlDays: config.env.AUDIT_TTL_DAYS,
      });
      this.sagaStore = sagas;
      this.closers.push(
        () => store.close(),
        () => sagas.close(),
      );
    }
  }

  /** The audit manager of a tenant. */
  auditFor(companyId: string = this.config.defaultCompanyId): AuditManager {
    tenantConfig(this.config, companyId);
    return new AuditManager({
      companyId,
      store: this.auditStore,
      ttlDays: this.config.env.AUDIT_TTL_DAYS,
      signingKey: this.config.env.AUDIT_SIGNING_KEY ?? null,
      redact: { piiKeys: this.config.piiKeys, secretValues: this.config.secretValues },
      logger: this.logger.child({ companyId }),
    });
  }

  /** The tenant's executor with every service injected. */
  tenant(companyId: string = this.config.defaultCompanyId): Promise<TenantRuntime> {
    let runtime = this.runtimes.get(companyId);
    if (!runtime) {
      runtime = this.buildTenant(companyId);
      this.runtimes.set(companyId, runtime);
    }
    return runtime;
  }

  private async buildTenant(companyId: string): Promise<TenantRuntime> {
    const env = this.config.env;
    const t = tenantConfig(this.config, companyId);
    const logger = this.logger.child({ companyId });
    const audit = this.auditFor(companyId);
    const base = { timeZone: t.timeZone, openingHours: t.openingHours, locale: t.locale };
    const calendar: CalendarService =
      env.GOOGLE_CALENDAR_ID && (env.GOOGLE_ACCESS_TOKEN || env.GOOGLE_SERVICE_ACCOUNT_JSON)
        ? new GoogleCalendarService({
            ...base,
            calendarId: t.calendarId ?? env.GOOGLE_CALENDAR_ID,
            ...(env.GOOGLE_CALENDAR_ROOT_URL ? { rootUrl: env.GOOGLE_CALENDAR_ROOT_URL } : {}),
            auth: env.GOOGLE_SERVICE_ACCOUNT_JSON
              ? { serviceAccountJson: env.GOOGLE_SERVICE_ACCOUNT_JSON }
              : { accessToken: env.GOOGLE_ACCESS_TOKEN as string },
          })
        : new LocalCalendarService({ ...base, companyId, path: join(this.config.dataDir, "calendar.db") });
    const embedded = join(this.config.dataDir, "conversations.db");
    const accountId = t.chatwootAccountId ?? env.CHATWOOT_ACCOUNT_ID;
    let chatwoot: ChatwootService;
    if (env.CHATWOOT_BASE_URL && env.CHATWOOT_API_TOKEN && accountId) {
      const sent = this.redis
        ? new RedisChatwootDedupStore({ redis: this.redis, companyId })
        : new SqliteChatwootDedupStore({ companyId, path: join(this.config.dataDir, "chatwoot-sent.db") });
      this.closers.push(() => closeIfPossible(sent));
      chatwoot = new ChatwootApiService({
        baseUrl: env.CHATWOOT_BASE_URL,
        apiToken: env.CHATWOOT_API_TOKEN,
        accountId,
        dedupStore: sent,
      });
    } else {
      chatwoot = new LocalChatwootService({ companyId, path: embedded });
    }
    const tickets: TicketService =
      chatwoot instanceof ChatwootApiService
        ? new ChatwootTicketService({
            companyId,
            chatwoot,
            path: join(this.config.dataDir, "tickets.db"),
            locale: t.locale,
          })
        : new LocalTicketService({ companyId, path: join(this.config.dataDir, "tickets.db") });
    const multimedia: MultimediaService = env.OPENAI_API_KEY
      ? new OpenAIMultimediaService({
          apiKey: env.OPENAI_API_KEY,
          ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
        })
      : new UnconfiguredMultimediaService();
    // Sent emails are remembered by idempotency key across processes and restarts.
    const dedupStore = this.redis
      ? new RedisEmailDedupStore({ redis: this.redis, companyId })
      : new SqliteEmailDedupStore({ companyId, path: join(this.config.dataDir, "email-sent.db") });
    const email = buildEmailService(this.config, t, logger, { dedupStore });
    const executor = new ToolExecutor({
      companyId,
      auditManager: audit,
      logger,
      tenant: { clinicName: t.name, clinicPhone: t.phone, locale: t.locale },
    });
    executor
      .setCalendarService(calendar)
      .setChatwootService(chatwoot)
      .setTicketService(tickets)
      .setMultimediaService(multimedia)
      .setEmailService(email)
      .setVectorstoreService(await this.knowledgeBase());
    const sagas = new CompensationOrchestrator({
      companyId,
      auditManager: audit,
      store: this.sagaStore,
      toolExecutor: executor,
      logger,
    });
    this.closers.push(
      () => audit.close(),
      () => email.close(),
      () => closeIfPossible(dedupStore),
      () => calendar.close?.(),
      () => closeIfPossible(chatwoot),
      () => closeIfPossible(tickets),
    );
    return { companyId, audit, executor, sagas, email, calendar, chatwoot, tickets };
  }

  private knowledgeBase(): Promise<VectorstoreService> {
    if (!this.knowledge) {
      const env = this.config.env;
      const embeddings = env.OPENAI_API_KEY
        ? new OpenAIEmbeddings({
            apiKey: env.OPENAI_API_KEY,
            ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
          })
        : undefined;
      this.knowledge = KnowledgeBase.load({ ...(embeddings ? { embeddings } : {}), logger: this.logger });
    }
    return this.knowledge;
  }

  /** One customer message through the tenant's compiled, checkpointed graph (src/graph/converse.ts). */
  async converse(input: ConverseInput): Promise<ConverseResult> {
    // Loaded on first use: the CLI's audit and saga commands start without LangGraph.
    this.conversations ??= import("./graph/converse.js").then(({ Conversations }) => {
      const conversations = new Conversations(this, this.options.agents);
      this.closers.push(() => conversations.close());
      return conversations;
    });
    return (await this.conversations).converse(input);
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close();
  }
}

/** Closes a service that holds a connection or a file, when it has a `close()`. */
async function closeIfPossible(service: object): Promise<void> {
  const close = (service as { close?: () => unknown }).close;
  if (typeof close === "function") await close.call(service);
}
