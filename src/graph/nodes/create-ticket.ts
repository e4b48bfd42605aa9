import type { RunnableConfig } from "@langchain/core/runnables";
import type { ToolParams } from "../../tools/tool-map.js";
import { askApproval } from "../approval.js";
import { type DepsRef, threadIdOf, turnIdOf } from "../deps.js";
import { say, withLine } from "../reply.js";
import type { GraphStateType, GraphUpdate } from "../state.js";
import { texts } from "../texts.js";
import { runToolStep } from "../tool-step.js";

/** Opens the support ticket the support agent asked for (compensable: close_ticket undoes it). */
export function createTicketNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const t = state.sharedContext.ticket;
    if (!t?.needs_ticket) return {};
    const c = state.sharedContext.customer;
    const parameters: ToolParams<"create_ticket"> = {
      conversation_id: state.conversationId,
      subject: t.subject,
      description: t.description,
      priority: t.priority,
      ...(c.name ? { customer_name: c.name } : {}),
      ...(c.phone ? { customer_phone: c.phone } : {}),
      ...(c.email ? { customer_email: c.email } : {}),
    };
    if (deps.requireApproval && !askApproval("create_ticket", parameters)) {
      return {
        ...say(state, texts.rejected(state.locale)),
        sharedContext: { ticket: { ...t, needs_ticket: false } },
      };
    }
    // One ticket per customer message: the key is the thread plus the message this turn answers.
    const key = `${threadIdOf(state.companyId, state.conversationId)}:${turnIdOf(state)}:ticket`;
    const done = await runToolStep(deps, state, {
      node: "create_ticket",
      agentName: "support",
      toolName: "create_ticket",
      parameters,
      key,
    });
    const update: GraphUpdate = {
      toolOutcomes: [done.outcome],
      ...(done.compensation ? { compensations: [done.compensation] } : {}),
    };
    if (!done.result.success) return update;
    const id = String((done.result.data as { ticket_id?: string } | null)?.ticket_id ?? "");
    return {
      ...update,
      ...say(state, withLine(state.reply, texts.ticketOpened(id, state.locale))),
      sharedContext: { ticket: { ...t, needs_ticket: false, ticket_id: id } },
    };
  };
}
