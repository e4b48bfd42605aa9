import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, START, StateGraph } from "@langchain/langgraph";
import type { Agent, AgentName, RouterAgent } from "../agents/types.js";
import type { CompensationOrchestrator } from "../saga/orchestrator.js";
import type { ToolExecutor } from "../tools/tool-executor.js";
import type { DepsRef, GraphDeps } from "./deps.js";
import { agentNode } from "./nodes/agent.js";
import { beginBookingNode } from "./nodes/begin-booking.js";
import { cancelBookingNode } from "./nodes/cancel-booking.js";
import { createTicketNode } from "./nodes/create-ticket.js";
import { executeBookingNode } from "./nodes/execute-booking.js";
import { rollbackNode } from "./nodes/rollback.js";
import { type IdentityFill, routerNode } from "./nodes/router.js";
import { sendNotificationNode } from "./nodes/send-notification.js";
import {
  routeAfterBegin,
  routeAfterBooking,
  routeAfterCancel,
  routeAfterNotification,
  routeAfterSchedule,
  routeAfterSupport,
  routeAfterTicket,
  routeToAgent,
} from "./routes.js";
import { GraphState } from "./state.js";

export interface MultiAgentOrchestratorGraphOptions {
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
  companyId: string;
  toolExecutor: ToolExecutor;
  /** Each confirmed booking becomes one durable saga recorded by the tool nodes. */
  sagas?: CompensationOrchestrator;
  /** Where turns are checkpointed (thread `{companyId}:{conversationId}`); none: in memory of one run. */
  checkpointer?: BaseCheckpointSaver;
  /** Pause with `interrupt()` before each compensable action (booking, ticket) for an operator. */
  requireApproval?: boolean;
  /** The clock agents see (default: the system clock). */
  clock?: () => Date;
  /** IANA time zone of the tenant (default Europe/Madrid). */
  timeZone?: string;
  /** Clinic name used in replies and confirmations (default "Clínica"). */
  clinicName?: string;
}

/**
 * The uncompiled graph: START -> router -> agent -> tool nodes -> END (see README, "The agent graph").
 * `options.fillIdentity` lets the router complete an input without companyId/userId/conversationId.
 */
export function buildGraph(source: GraphDeps | DepsRef, options: { fillIdentity?: IdentityFill } = {}) {
  const deps: DepsRef = typeof source === "function" ? source : () => Promise.resolve(source);
  return new StateGraph(GraphState)
    .addNode("router", routerNode(deps, options.fillIdentity))
    .addNode("sales_agent", agentNode(deps, "sales"))
    .addNode("schedule_agent", agentNode(deps, "schedule"))
    .addNode("support_agent", agentNode(deps, "support"))
    .addNode("begin_booking", beginBookingNode(deps))
    .addNode("execute_booking", executeBookingNode(deps))
    .addNode("send_notification", sendNotificationNode(deps))
    .addNode("cancel_booking", cancelBookingNode(deps))
    .addNode("create_ticket", createTicketNode(deps))
    .addNode("rollback", rollbackNode(deps))
    .addEdge(START, "router")
    .addConditionalEdges("router", routeToAgent, ["sales_agent", "schedule_agent", "support_agent"])
    .addEdge("sales_agent", END)
    .addConditionalEdges("schedule_agent", routeAfterSchedule, ["begin_booking", "cancel_booking", END])
    .addConditionalEdges("support_agent", routeAfterSupport, ["create_ticket", END])
    .addConditionalEdges("begin_booking", routeAfterBegin, ["execute_booking", END])
    .addConditionalEdges("execute_booking", routeAfterBooking, ["send_notification", "rollback"])
    .addConditionalEdges("send_notification", routeAfterNotification, ["rollback", END])
    .addConditionalEdges("create_ticket", routeAfterTicket, ["rollback", END])
    .addConditionalEdges("cancel_booking", routeAfterCancel, ["rollback", "begin_booking", END])
    .addEdge("rollback", END);
}

/**
 * The clinic's customer-service graph (the seed's `MultiAgentOrchestratorGraph`): a router picks the
 * sales, schedule or support agent; tool nodes then act through the audited ToolExecutor (book,
 * notify, open a ticket, cancel) and any failure rolls back what the turn did.
 *
 * @example
 * const orchestrator = new MultiAgentOrchestratorGraph({ routerAgent, agents: { sales, schedule, support },
 *   companyId: "benova", toolExecutor, sagas, checkpointer });
 * const out = await orchestrator.graph.invoke(
 *   { messages: [new HumanMessage("Quiero una cita")], companyId: "benova", userId: "346...", conversationId: "42" },
 *   { configurable: { thread_id: "benova:42" }, durability: "sync" });
 */
export class MultiAgentOrchestratorGraph {
  readonly companyId: string;
  private readonly deps: GraphDeps;
  private readonly checkpointer: BaseCheckpointSaver | undefined;
  private compiled: ReturnType<MultiAgentOrchestratorGraph["compileNow"]> | null = null;

  constructor(options: MultiAgentOrchestratorGraphOptions) {
    const missing = (["sales", "schedule", "support"] as const).filter(
      (n) => typeof options?.agents?.[n]?.run !== "function",
    );
    if (missing.length > 0) {
      throw new Error(
        `agents: expected { sales, schedule, support } with a run() method (missing: ${missing.join(", ")})`,
      );
    }
    if (typeof options.routerAgent?.route !== "function") {
      throw new Error("routerAgent: expected an object with a route() method");
    }
    if (options.toolExecutor?.companyId !== options.companyId) {
      throw new Error(
        `toolExecutor: expected the ToolExecutor of company "${options.companyId}" (got "${options.toolExecutor?.companyId}")`,
      );
    }
    if (options.sagas && options.sagas.companyId !== options.companyId) {
      throw new Error(`sagas: expected the CompensationOrchestrator of company "${options.companyId}"`);
    }
    this.companyId = options.companyId;
    this.checkpointer = options.checkpointer;
    this.deps = {
      companyId: options.companyId,
      routerAgent: options.routerAgent,
      agents: options.agents,
      executor: options.toolExecutor,
      sagas: options.sagas ?? null,
      requireApproval: options.requireApproval ?? false,
      clock: options.clock ?? (() => new Date()),
      timeZone: options.timeZone ?? "Europe/Madrid",
      clinicName: options.clinicName ?? "Clínica",
    };
  }

  /** The compiled graph (compiled once, with the checkpointer given). */
  compile() {
    this.compiled ??= this.compileNow();
    return this.compiled;
  }

  /** The seed's entry point: the compiled graph. */
  get graph() {
    return this.compile();
  }

  private compileNow() {
    return buildGraph(this.deps).compile(this.checkpointer ? { checkpointer: this.checkpointer } : {});
  }
}
