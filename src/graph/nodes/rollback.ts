import { type BaseMessage, isAIMessage, RemoveMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { REMOVE_ALL_MESSAGES } from "@langchain/langgraph";
import { errorText } from "../../saga/errors.js";
import { TERMINAL_SAGA_STATUSES } from "../../saga/types.js";
import type { DepsRef } from "../deps.js";
import { say } from "../reply.js";
import type { GraphStateType, GraphUpdate, ToolOutcome } from "../state.js";
import { texts } from "../texts.js";

const BOOKING_NODES = new Set(["execute_booking", "send_notification"]);

/**
 * Undoes what this turn did, newest first, through `executor.compensate(auditId, reason)` (which
 * also sends the booking's cancellation email), closes the booking saga, answers the customer
 * honestly and answers tool calls left without a result.
 */
export function rollbackNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const failed = state.toolOutcomes.find((o) => !o.success);
    const reason = `${failed?.node ?? "a tool node"} failed: ${failed?.error ?? "unknown error"}`;
    const outcomes: ToolOutcome[] = [];
    const undo = state.toolOutcomes.filter((o) => o.success && o.compensable && o.auditId).reverse();
    let undone = 0;
    for (const o of undo) {
      const res = await deps.executor.compensate(o.auditId as string, reason);
      if (res.success) undone++;
      outcomes.push({
        node: "rollback",
        tool: res.tool || o.tool,
        action: `undo ${o.action}`,
        success: res.success,
        auditId: res.auditId,
        key: `compensate:${o.auditId}`,
        compensable: false,
        ...(res.error ? { error: res.error } : {}),
      });
    }
    const booking = failed ? BOOKING_NODES.has(failed.node) : false;
    const update: GraphUpdate = { toolOutcomes: outcomes };
    if (
      booking &&
      state.sagaId &&
      deps.sagas &&
      !TERMINAL_SAGA_STATUSES.includes(state.sagaStatus ?? "created")
    ) {
      try {
        update.sagaStatus = (await deps.sagas.rollbackSaga(state.sagaId, reason)).status;
      } catch (err) {
        // Already finished elsewhere (recovery after a crash): mirror what the store says.
        const saga = await deps.sagas.getSaga(state.sagaId).catch(() => null);
        update.sagaStatus = saga?.status ?? state.sagaStatus;
        if (!saga) throw new Error(`rollback: saga ${state.sagaId}: ${errorText(err)}`);
      }
    }
    const a = state.sharedContext.appointment;
    if (booking && a) {
      const { event_id: _e, audit_id: _a, ...rest } = a;
      update.sharedContext = { appointment: { ...rest, status: "failed", has_appointment: false } };
    }
    const text =
      failed?.node === "create_ticket"
        ? texts.ticketFailed(state.locale)
        : failed?.node === "cancel_booking"
          ? texts.cancelFailed(state.locale)
          : texts.bookingFailed(state.locale, undone > 0);
    const reply = say(state, text);
    const open = new Set(danglingToolCalls(state.messages));
    if (open.size === 0) return { ...update, ...reply };
    // Each open call is answered right after the message that made it (where a model expects the
    // answer), so the conversation is rewritten in place: remove all, then the same list with answers.
    const rebuilt: BaseMessage[] = [];
    for (const m of state.messages) {
      rebuilt.push(m);
      if (!isAIMessage(m)) continue;
      for (const call of m.tool_calls ?? []) {
        if (call.id && open.has(call.id)) {
          rebuilt.push(
            new ToolMessage({ tool_call_id: call.id, status: "error", content: `not run: ${reason}` }),
          );
        }
      }
    }
    const [answer] = reply.messages as BaseMessage[];
    const at = rebuilt.findIndex((m) => m.id !== undefined && m.id === answer?.id);
    if (answer && at >= 0) rebuilt[at] = answer;
    else if (answer) rebuilt.push(answer);
    return {
      ...update,
      ...reply,
      messages: [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...rebuilt],
    };
  };
}

/** Ids of tool calls that no ToolMessage answers (a crash can leave them; they break the next LLM call). */
export function danglingToolCalls(messages: BaseMessage[]): string[] {
  const answered = new Set(
    messages.filter((m) => m.getType() === "tool").map((m) => (m as ToolMessage).tool_call_id),
  );
  return messages
    .filter(isAIMessage)
    .flatMap((m) => m.tool_calls ?? [])
    .map((c) => c.id)
    .filter((id): id is string => typeof id === "string" && !answered.has(id));
}
