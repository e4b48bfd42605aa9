import type { Redis } from "ioredis";
import { Closers } from "./app/closers.js";
import { Stores } from "./app/stores.js";
import { buildAuditManager, buildTenantRuntime, type TenantRuntime } from "./app/tenant-runtime.js";
import type { TenantServices } from "./app/tenant-services.js";
import type { AuditManager } from "./audit/audit-manager.js";
import type { AuditStore } from "./audit/store.js";
import { type AppConfig, tenantConfig } from "./config/index.js";
import type { ResolveApprovalInput } from "./graph/approval-decision.js";
import type { AgentFactory, Conversations, ConverseInput, ConverseResult } from "./graph/converse.js";
import type { SagaStore } from "./saga/store.js";
import { KnowledgeBase, OpenAIEmbeddings, type VectorstoreService } from "./services/knowledge/index.js";
import { createLogger, type Logger } from "./util/logger.js";

export { RedisUnavailableError } from "./app/redis.js";
export type { TenantRuntime } from "./app/tenant-runtime.js";
export type { TenantServices } from "./app/tenant-services.js";

export interface AppOptions {
  /**
   * Where the app's log lines go (each one JSON, without its newline); default stderr. The lines
   * are scrubbed of the configured secrets either way.
   */
  logWrite?: (line: string) => void;
  /** Builds each tenant's agents for `converse` (default: the offline agents of src/agents). */
  agents?: AgentFactory;
  /**
   * The clock of conversations and of the calendar's "is it in the past" checks (default the
   * system clock); scripted conversation tests fix it.
   */
  clock?: () => Date;
  /**
   * Wraps each tenant's services once they are built, before the executor gets them: the seam
   * where tests inject failures of a real service (a decorator that throws for some calls).
   */
  decorateServices?: (companyId: string, services: TenantServices) => TenantServices;
  /**
   * Whether conversations pause for an operator's approval before each booking and ticket, for every
   * tenant (default: each tenant's `requireApproval` setting). Resume with `resolveApproval`.
   */
  requireApproval?: boolean;
}

export interface AppStartOptions {
  /** How long start-up waits for Redis to answer (ms). Default 3000. */
  redisTimeoutMs?: number;
}

/**
 * The composition root: config -> stores (src/app/stores.ts) -> per-tenant services and runtime
 * (src/app/tenant-services.ts, tenant-runtime.ts). Unset settings fall back to embedded defaults
 * under DATA_DIR (SQLite audit and saga stores, local calendar, outbox email, local Chatwoot and
 * tickets), so the project runs with no keys and no services.
 *
 * Entry points (the CLI, the demo, the webhook server and workers) use `App.create()`, which checks
 * that Redis answers before anything else happens and fails with one line naming the URL and the
 * reason when it does not.
 *
 * @example
 * const app = await App.create(loadConfig());
 * const { executor, sagas } = await app.tenant("benova");
 * // ...
 * await app.close();
 */
export class App {
  readonly logger: Logger;
  readonly stores: Stores;
  private readonly runtimes = new Map<string, Promise<TenantRuntime>>();
  private knowledge: Promise<VectorstoreService> | null = null;
  private readonly closers = new Closers();
  private conversations: Promise<Conversations> | null = null;

  /** Builds the app without touching the network; call `start()` (or use `App.create`) before use. */
  constructor(
    readonly config: AppConfig,
    private readonly options: AppOptions = {},
  ) {
    this.logger = createLogger(config.env.LOG_LEVEL, {}, options.logWrite, {
      secretValues: config.secretValues,
    });
    this.stores = new Stores(config, this.logger);
  }

  /** Builds and starts an app; on a failed start everything opened is closed again. */
  static async create(config: AppConfig, options: AppOptions & AppStartOptions = {}): Promise<App> {
    const app = new App(config, options);
    try {
      await app.start(options);
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    return app;
  }

  /** Checks the stores are reachable (a PING to Redis with a short deadline). */
  async start(options: AppStartOptions = {}): Promise<void> {
    await this.stores.check(options.redisTimeoutMs);
  }

  /** The shared ioredis client, or null on the embedded SQLite stores. */
  get redis(): Redis | null {
    return this.stores.redisClient;
  }

  get auditStore(): AuditStore {
    return this.stores.audit;
  }

  get sagaStore(): SagaStore {
    return this.stores.sagas;
  }

  /** The audit manager of a tenant (for readers such as `audit list`; the runtime has its own). */
  auditFor(companyId: string = this.config.defaultCompanyId): AuditManager {
    tenantConfig(this.config, companyId);
    const audit = buildAuditManager(this.config, companyId, {
      stores: this.stores,
      logger: this.logger.child({ companyId }),
    });
    this.closers.add(() => audit.close());
    return audit;
  }

  /** The tenant's executor, sagas and services, built once per tenant. */
  tenant(companyId: string = this.config.defaultCompanyId): Promise<TenantRuntime> {
    let runtime = this.runtimes.get(companyId);
    if (!runtime) {
      runtime = this.buildTenant(companyId);
      this.runtimes.set(companyId, runtime);
    }
    return runtime;
  }

  private async buildTenant(companyId: string): Promise<TenantRuntime> {
    const tenant = tenantConfig(this.config, companyId);
    return buildTenantRuntime(this.config, tenant, {
      stores: this.stores,
      logger: this.logger.child({ companyId }),
      closers: this.closers,
      knowledge: await this.knowledgeBase(),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.decorateServices ? { decorateServices: this.options.decorateServices } : {}),
    });
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
    return (await this.conversationsNow()).converse(input);
  }

  /**
   * An operator approves or rejects the turn a conversation paused on (see `requireApproval`): the
   * turn resumes and its result is returned, as `converse` returns one. The decision is audited.
   *
   * @example
   * const res = await app.resolveApproval({ conversationId: "42", decision: "approve", operator: "marta" });
   */
  async resolveApproval(input: ResolveApprovalInput): Promise<ConverseResult> {
    return (await this.conversationsNow()).resolveApproval(input);
  }

  private conversationsNow(): Promise<Conversations> {
    // Loaded on first use: the CLI's audit and saga commands start without LangGraph.
    this.conversations ??= import("./graph/converse.js").then(({ Conversations }) => {
      const conversations = new Conversations(
        this,
        this.options.agents,
        this.options.clock,
        this.options.requireApproval,
      );
      this.closers.add(() => conversations.close());
      return conversations;
    });
    return this.conversations;
  }

  /** Closes every tenant's services, then the stores (and the Redis connection). */
  async close(): Promise<void> {
    try {
      await this.closers.run();
    } finally {
      await this.stores.close();
    }
  }
}
