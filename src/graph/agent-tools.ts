import type { AgentInput, AgentTools, KnowledgePassage, Turn } from "../agents/types.js";
import { executeTyped } from "../tools/execute-typed.js";
import type { ToolExecutor } from "../tools/tool-executor.js";
import type { GraphDeps } from "./deps.js";
import type { GraphStateType } from "./state.js";

/** Read-only tools for the agents, each call audited through the executor. */
export function agentTools(
  executor: ToolExecutor,
  who: { userId: string; conversationId: string; agentName: string },
): AgentTools {
  const context = { userId: who.userId, conversationId: who.conversationId, agentName: who.agentName };
  return {
    async searchKnowledge(query: string, topK = 3): Promise<KnowledgePassage[]> {
      const res = await executeTyped(executor, {
        ...context,
        toolName: "knowledge_base",
        parameters: { query, top_k: topK },
      });
      if (!res.success) throw new Error(`knowledge_base failed: ${res.error}`);
      return (res.data?.results ?? []).map((r) => ({
        content: r.content,
        metadata: { ...r.metadata },
        score: r.score,
      }));
    },
    async checkAvailability(date: string) {
      const res = await executeTyped(executor, {
        ...context,
        toolName: "google_calendar",
        parameters: { action: "check_availability", date },
      });
      if (!res.success) throw new Error(`check_availability failed: ${res.error}`);
      const data = res.data && "slots" in res.data ? res.data : null;
      // Slot starts are zoned ISO times (2030-07-01T10:00:00+02:00): the wall-clock HH:MM is at 11..16.
      return { date, open: data?.open ?? false, free: (data?.slots ?? []).map((s) => s.start.slice(11, 16)) };
    },
  };
}

/** What an agent sees of the conversation: the latest customer text, the earlier turns, the context. */
export function agentInput(state: GraphStateType, deps: GraphDeps, agentName: string): AgentInput {
  const turns: Turn[] = [];
  for (const m of state.messages) {
    const type = m.getType();
    if (type !== "human" && type !== "ai") continue;
    const text = typeof m.content === "string" ? m.content : JSON.stringify(m.content);
    turns.push({ role: type === "human" ? "customer" : "agent", text });
  }
  let last = -1;
  for (let i = turns.length - 1; i >= 0; i--) {
    if (turns[i]?.role === "customer") {
      last = i;
      break;
    }
  }
  const text = last >= 0 ? (turns[last]?.text ?? "") : "";
  return {
    text,
    history: last >= 0 ? turns.slice(0, last) : turns,
    sharedContext: state.sharedContext,
    companyId: state.companyId,
    userId: state.userId,
    conversationId: state.conversationId,
    locale: state.locale,
    now: deps.clock(),
    timeZone: deps.timeZone,
    clinicName: deps.clinicName,
    tools: agentTools(deps.executor, {
      userId: state.userId,
      conversationId: state.conversationId,
      agentName,
    }),
  };
}
