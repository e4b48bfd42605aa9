import { Command } from "@langchain/langgraph";
import type { AgentName } from "../agents/types.js";
import type { TenantRuntime } from "../app/tenant-runtime.js";
import { type AppConfig, tenantConfig } from "../config/index.js";
import type { SagaStatus } from "../saga/types.js";
import type { Logger } from "../util/logger.js";
import { type AgentFactory, createAgentFactory } from "./agent-factory.js";
import type { ApprovalRequest } from "./approval.js";
import {
  type ApprovalResolution,
  auditedDecision,
  checkResolution,
  newReplyText,
  pendingApprovalOf,
  type ResolveApprovalInput,
} from "./approval-decision.js";
import { createCheckpointer } from "./checkpointer.js";
import { type GraphDeps, threadIdOf } from "./deps.js";
import { MultiAgentOrchestratorGraph } from "./graph.js";
import { customerMessage, customerMessageId, storedTurn } from "./redelivery.js";
import { withLine } from "./reply.js";
import type { CompensationRecord, GraphStateType, ToolOutcome } from "./state.js";
import { texts } from "./texts.js";

export type { AgentFactory, AgentFactoryOptions, AgentSet } from "./agent-factory.js";

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
  pendingApproval?: ApprovalRequest;
}

/** What conversations need of the composition root (the App): its config and each tenant's runtime. */
export interface ConverseHost {
  readonly config: AppConfig;
  /** Where the agents log; optional. */
  readonly logger?: Logger;
  tenant(companyId: string): Promise<TenantRuntime>;
}

/**
 * The graph's dependencies for a tenant of the app, with the agents the factory builds. Approval is
 * required when the tenant's `requireApproval` says so, unless `options.requireApproval` decides for
 * every tenant.
 */
export async function graphDepsFor(
  app: ConverseHost,
  companyId: string,
  factory?: AgentFactory,
  clock: () => Date = () => new Date(),
  options: { requireApproval?: boolean } = {},
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
    requireApproval: options.requireApproval ?? tenant.requireApproval,
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
    /** Whether turns pause for an operator's approval (default: each tenant's `requireApproval`). */
    private readonly requireApproval?: boolean,
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
    return this.enqueue(threadIdOf(companyId, conversationId), () =>
      this.run(companyId, conversationId, input.userId, input.text, input.messageId),
    );
  }

  /**
   * An operator's decision on a turn that paused for approval: the thread resumes with it (on the
   * same per-thread queue as `converse`) and the result is that turn's. On approve the booking or
   * ticket is made and notified; on reject nothing is made and the customer is told so. The decision
   * is audited (actionType `approval`, the operator as user). Throws when nothing waits for approval.
   */
  async resolveApproval(input: ResolveApprovalInput): Promise<ConverseResult> {
    const decision = checkResolution(input, this.app.config.defaultCompanyId);
    tenantConfig(this.app.config, decision.companyId);
    return this.enqueue(threadIdOf(decision.companyId, decision.conversationId), () => this.resume(decision));
  }

  /** Runs `job` after the thread's earlier turns (whatever their outcome). */
  private enqueue<T>(thread: string, job: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(thread) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(job);
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
      const pending = pendingApprovalOf(before);
      if (pending) {
        // The message is not run: the customer learns the request still waits for the clinic.
        const values = before.values as GraphStateType;
        return {
          ...resultOf({ ...values, toolOutcomes: [] }),
          reply: texts.stillAwaitingApproval(values.locale),
          pendingApproval: pending,
        };
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
    return resultOf(out);
  }

  private async resume(decision: ApprovalResolution): Promise<ConverseResult> {
    // A graph that asks for approval even if the setting was turned off since the turn paused: only
    // its nodes read the decision (one that does not ask would go ahead whatever was decided).
    const graph = (await this.graphFor(decision.companyId, true)).graph;
    const config = {
      configurable: { thread_id: threadIdOf(decision.companyId, decision.conversationId) },
      durability: "sync" as const,
    };
    const paused = await graph.getState(config);
    const request = pendingApprovalOf(paused);
    if (!request) {
      throw new Error(
        `conversationId: conversation ${decision.conversationId} has no turn waiting for an operator's approval`,
      );
    }
    const { audit } = await this.app.tenant(decision.companyId);
    const out = await auditedDecision(
      audit,
      decision,
      request,
      () =>
        graph.invoke(
          new Command({
            resume: {
              approved: decision.decision === "approve",
              ...(decision.reason ? { reason: decision.reason } : {}),
            },
          }),
          config,
        ),
      (o) => ({
        toolOutcomes: o.toolOutcomes.map((t) => `${t.node}:${t.tool}:${t.success}`),
        sagaStatus: o.sagaStatus,
      }),
    );
    const result = resultOf(out);
    return { ...result, reply: newReplyText((paused.values as GraphStateType).reply, result.reply) };
  }

  /** The tenant's compiled, checkpointed graph (e.g. to read a thread's state or resume an approval). */
  async graph(companyId: string = this.app.config.defaultCompanyId) {
    return (await this.graphFor(companyId)).graph;
  }

  private graphFor(companyId: string, askApproval = false): Promise<MultiAgentOrchestratorGraph> {
    const key = askApproval ? `${companyId}\u0000approval` : companyId;
    let g = this.graphs.get(key);
    if (!g) {
      g = (async () => {
        this.checkpointer ??= createCheckpointer({
          dataDir: this.app.config.dataDir,
          databaseUrl: this.app.config.env.DATABASE_URL,
        });
        const { saver } = await this.checkpointer;
        const requireApproval = askApproval ? true : this.requireApproval;
        const deps = await graphDepsFor(this.app, companyId, this.factory, this.clock, {
          ...(requireApproval !== undefined ? { requireApproval } : {}),
        });
        return new MultiAgentOrchestratorGraph({
          ...deps,
          toolExecutor: deps.executor,
          sagas: deps.sagas ?? undefined,
          checkpointer: saver,
        });
      })();
      g.catch(() => this.graphs.delete(key));
      this.graphs.set(key, g);
    }
    return g;
  }
}

/** A turn's result from the graph's output; a turn that paused says so in its reply. */
function resultOf(out: GraphStateType & { __interrupt__?: { value: unknown }[] }): ConverseResult {
  const pending = out.__interrupt__?.[0]?.value as ApprovalRequest | undefined;
  return {
    reply: pending === undefined ? out.reply : withLine(out.reply, texts.awaitingApproval(out.locale)),
    agent: out.agent,
    intent: out.intent,
    toolOutcomes: out.toolOutcomes,
    compensations: out.compensations,
    sagaStatus: out.sagaStatus,
    ...(pending === undefined ? {} : { pendingApproval: pending }),
  };
}
