import { loadDefaultAgents } from "../agents/index.js";
import type { Agent, AgentName, RouterAgent } from "../agents/types.js";
import type { TenantRuntime } from "../app/tenant-runtime.js";
import { type AppConfig, type TenantConfig, tenantConfig } from "../config/index.js";
import type { SagaStatus } from "../saga/types.js";
import { createCheckpointer } from "./checkpointer.js";
import { type GraphDeps, threadIdOf } from "./deps.js";
import { MultiAgentOrchestratorGraph } from "./graph.js";
import { customerMessage, customerMessageId, storedTurn } from "./redelivery.js";
import type { CompensationRecord, GraphStateType, ToolOutcome } from "./state.js";

/** The router and the three agents of a tenant. */
export interface AgentSet {
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
}

/** Builds a tenant's agents (the offline NLU, an LLM, or scripted ones in tests). */
export type AgentFactory = (ctx: {
  companyId: string;
  tenant: TenantConfig;
  runtime: TenantRuntime;
}) => AgentSet | Promise<AgentSet>;

export interface ConverseInput {
  companyId?: string;
  conversationId: string | number;
  userId: string;
  text: string;
  /**
   * The channel's id of the message (Chatwoot's message id). A message already taken in by the
   * thread (a redelivery after a crash) runs no second turn: an unfinished turn is finished, a
   * finished one is answered again from the thread's state.
   */
  messageId?: string | number;
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
  const set = await (factory ?? defaultAgentFactory)({ companyId, tenant, runtime });
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

/** The built-in offline agents (src/agents), set to the tenant's opening hours. */
const defaultAgentFactory: AgentFactory = ({ tenant }) =>
  loadDefaultAgents({
    slotMinutes: tenant.openingHours.slotMinutes,
    hours: { open: tenant.openingHours.open, close: tenant.openingHours.close },
  });

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
    if (input.messageId !== undefined) customerMessageId(input.messageId);
    const thread = threadIdOf(companyId, conversationId);
    const previous = this.queues.get(thread) ?? Promise.resolve();
    const turn = previous
      .catch(() => undefined)
      .then(() => this.run(companyId, conversationId, input.userId, input.text, input.messageId));
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

  private async run(
    companyId: string,
    conversationId: string,
    userId: string,
    text: string,
    messageId?: string | number,
  ): Promise<ConverseResult> {
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
    if (messageId !== undefined) {
      // A redelivered message: its turn ran (and was finished just above if it was cut short).
      const after = before.next.length > 0 ? await graph.getState(config) : before;
      const done = storedTurn(after.values as GraphStateType, customerMessageId(messageId));
      if (done) return done;
    }
    const out = await graph.invoke(
      { messages: [customerMessage(text, messageId)], companyId, userId, conversationId },
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
