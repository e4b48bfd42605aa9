/**
 * A process that runs one booking turn of the agent graph and dies with SIGKILL at a chosen point:
 * - `after-create-booking`: inside execute_booking, right after the calendar made the event (before
 *   the executor recorded it);
 * - `between-nodes`: after execute_booking's checkpoint, before send_notification.
 * Started by the graph crash tests with `fork(..., { execArgv: ["--import", "tsx"] })`; its settings
 * come as JSON in GRAPH_CHILD.
 */
import { HumanMessage } from "@langchain/core/messages";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createCheckpointer } from "../../src/graph/checkpointer.js";
import { MultiAgentOrchestratorGraph } from "../../src/graph/graph.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { scriptedAgents } from "./graph-agents.js";
import type { GraphWorldEnv } from "./graph-world.js";
import { KillSwitch, withKillPoints } from "./saga-kill-switch.js";

export interface GraphChildConfig {
  env: GraphWorldEnv;
  conversationId: string;
  userId: string;
  text: string;
  kill: "after-create-booking" | "between-nodes";
  leaseMs: number;
}

const cfg = JSON.parse(process.env.GRAPH_CHILD ?? "null") as GraphChildConfig | null;
if (!cfg) throw new Error("GRAPH_CHILD is not set: this file is started by the graph crash tests");
const app = new App(loadConfig({ ...cfg.env }));
const rt = await app.tenant("benova");
if (cfg.kill === "after-create-booking") {
  // Kill point 1 is just before createBooking, 2 just after it returned: die at 2.
  rt.executor.setCalendarService(withKillPoints(rt.calendar, ["createBooking"], new KillSwitch(2)));
}
const sagas = new CompensationOrchestrator({
  companyId: "benova",
  auditManager: rt.audit,
  store: app.sagaStore,
  toolExecutor: rt.executor,
  leaseMs: cfg.leaseMs,
  owner: "graph-child",
});
const { saver } = await createCheckpointer({
  dataDir: app.config.dataDir,
  databaseUrl: cfg.env.DATABASE_URL,
});
const orchestrator = new MultiAgentOrchestratorGraph({
  ...scriptedAgents,
  companyId: "benova",
  toolExecutor: rt.executor,
  sagas,
  checkpointer: saver,
  clinicName: "Clínica Benova",
});
await orchestrator.graph.invoke(
  {
    messages: [new HumanMessage(cfg.text)],
    companyId: "benova",
    userId: cfg.userId,
    conversationId: cfg.conversationId,
  },
  {
    configurable: { thread_id: `benova:${cfg.conversationId}` },
    durability: "sync",
    ...(cfg.kill === "between-nodes" ? { interruptBefore: ["send_notification" as const] } : {}),
  },
);
if (cfg.kill === "between-nodes") process.kill(process.pid, "SIGKILL");
process.stderr.write("graph child: the turn finished without reaching its kill point\n");
process.exit(3);
