import { HumanMessage } from "@langchain/core/messages";
import type { AgentName } from "../agents/types.js";
import type { TenantRuntime } from "../app/tenant-runtime.js";
import { type AppConfig, tenantConfig } from "../config/index.js";
import type { SagaStatus } from "../saga/types.js";
import type { Logger } from "../util/logger.js";
import { type AgentFactory, createAgentFactory } from "./agent-factory.js";
import { createCheckpointer } from "./checkpointer.js";
import { type GraphDeps, threadIdOf } from "./deps.js";
import { MultiAgentOrchestratorGraph } from "./graph.js";
import type { CompensationRecord, ToolOutcome } from "./state.js";

export type { AgentFactory, AgentFactoryOptions, AgentSet } from "./agent-factory.js";

export interface ConverseInput {
  companyId?: string;
  conversationId: string | number;
  userId: string;
  text: string;
}

export interface ConverseResult {
  reply: string;
  agent: AgentName | null;
  intent: string | null;
  toolOutcomes: ToolOutcome[];
  compensations: CompensationRecord[];
  sagaStatus: SagaStatus | null;
  /** Set when the turn stopped for an operator's approval (see `requireApproval`). */
  pendingApproval?: unknown;
}

/** What conversations need of the composition root (the App): its config and each tenant's runtime. */
export interface ConverseHost {
  readonly config: AppConfig;
  /** Where the agents log; optional. */
  readonly logger?: Logger;
  tenant(companyId: string): Promise<TenantRuntime>;
}

/** The graph's dependencies for a tenant of the app, with the agents the factory builds. */
export async function graphDepsFor(
  app: ConverseHost,
  companyId: string,
  factory?: AgentFactory,
  clock: () => Date = () => new Date(),
): Promise<GraphDeps> {
  const tenant = tenantConfig(app.config, companyId);
  const runtime = await app.tenant(companyId);
  const set = await (factory ?? defaultAgentFactory)({
    companyId,
    tenant,
    runtime,
    config: app.config,
    ...(app.logger ? { logger: app.logger } : {}),
  });
  return {
    companyId,
    routerAgent: set.routerAgent,
    agents: set.agents,
    executor: runtime.executor,
    sagas: runtime.sagas,
    requireApproval: false,
    clock,
    timeZone: tenant.timeZone,
    clinicName: tenant.name,
  };
}

/** The built-in agents (src/agents): model-backed with `OPENAI_API_KEY`, offline otherwise. */
const defaultAgentFactory: AgentFactory = createAgentFactory();

/**
 * Runs customer messages through each tenant's compiled, checkpointed graph. Turns of one
 * conversation run one after another (a per-thread queue), since concurrent runs on one thread race.
 */
export class Conversations {
  private readonly graphs = new Map<string, Promise<MultiAgentOrchestratorGraph>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private checkpointer: ReturnType<typeof createCheckpointer> | null = null;

  constructor(
    private readonly app: ConverseHost,
    private readonly factory?: AgentFactory,
    /** The clock of every turn (default the system clock). */
    private readonly clock?: () => Date,
  ) {}

  /** One customer message through the tenant's graph; resolves with the answer and what was done. */
  async converse(input: ConverseInput): Promise<ConverseResult> {
    const companyId = input?.companyId ?? this.app.config.defaultCompanyId;
    const conversationId = String(input?.conversationId ?? "").trim();
    if (!conversationId) throw new Error("conversationId: expected the Chatwoot conversation id");
    if (typeof input.userId !== "string" || input.userId.trim() === "") {
      throw new Error("userId: expected the customer's id (e.g. the phone number)");
    }
    if (typeof input.text !== "string" || input.text.trim() === "") {
      throw new Error("text: expected the customer's message");
    }
    tenantConfig(this.app.config, companyId);
    const thread = threadIdOf(companyId, conversationId);
    const previous = this.queues.get(thread) ?? Promise.resolve();
    const turn = previous
      .catch(() => undefined)
      .then(() => this.run(companyId, conversationId, input.userId, input.text));
    this.queues.set(thread, turn);
    void turn
      .finally(() => {
        if (this.queues.get(thread) === turn) this.queues.delete(thread);
      })
      .catch(() => undefined);
    return turn;
  }

  /** Closes the checkpointer connection. */
  async close(): Promise<void> {
    if (this.checkpointer) await (await this.checkpointer).close();
  }

  private async run(companyId: string, conversationId: string, userId: string, text: string) {
    const graph = (await this.graphFor(companyId)).graph;
    const config = {
      configurable: { thread_id: threadIdOf(companyId, conversationId) },
      durability: "sync" as const,
    };
    const before = await graph.getState(config);
    if (before.next.length > 0) {
      if (before.tasks.some((t) => t.interrupts.length > 0)) {
        throw new Error(
          `conversation ${conversationId} is waiting for an operator's approval; resume it with Command({ resume }) first`,
        );
      }
      // A turn cut short by a crash: finish it (its steps repeat nothing) before the new message.
      await graph.invoke(null, config);
    }
    const out = await graph.invoke(
      { messages: [new HumanMessage(text)], companyId, userId, conversationId },
      config,
    );
    const interrupts = (out as { __interrupt__?: { value: unknown }[] }).__interrupt__;
    return {
      reply: out.reply,
      agent: out.agent,
      intent: out.intent,
      toolOutcomes: out.toolOutcomes,
      compensations: out.compensations,
      sagaStatus: out.sagaStatus,
      ...(interrupts?.length ? { pendingApproval: interrupts[0]?.value } : {}),
    };
  }

  /** The tenant's compiled, checkpointed graph (e.g. to read a thread's state or resume an approval). */
  async graph(companyId: string = this.app.config.defaultCompanyId) {
    return (await this.graphFor(companyId)).graph;
  }

  private graphFor(companyId: string): Promise<MultiAgentOrchestratorGraph> {
    let g = this.graphs.get(companyId);
    if (!g) {
      g = (async () => {
        this.checkpointer ??= createCheckpointer({
          dataDir: this.app.config.dataDir,
          databaseUrl: this.app.config.env.DATABASE_URL,
        });
        const { saver } = await this.checkpointer;
        const deps = await graphDepsFor(this.app, companyId, this.factory, this.clock);
        return new MultiAgentOrchestratorGraph({
          ...deps,
          toolExecutor: deps.executor,
          sagas: deps.sagas ?? undefined,
          checkpointer: saver,
        });
      })();
      g.catch(() => this.graphs.delete(companyId));
      this.graphs.set(companyId, g);
    }
    return g;
  }
}
