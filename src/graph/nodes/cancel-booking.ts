import type { RunnableConfig } from "@langchain/core/runnables";
import type { DepsRef } from "../deps.js";
import { say, withLine } from "../reply.js";
import type { GraphStateType, GraphUpdate, ToolOutcome } from "../state.js";
import { texts } from "../texts.js";

/**
 * Cancels the booked appointment when the customer asks to (cancel_requested), or before booking the
 * new date and time (reschedule_requested): the cancellation is the booking's own compensation,
 * `executor.compensate(auditId)`, which deletes the event, marks the booking compensated and emails the
 * customer; a second run is a no-op.
 */
export function cancelBookingNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const a = state.sharedContext.appointment;
    if (!a) return {};
    const reschedule = a.status === "reschedule_requested";
    const outcomes: ToolOutcome[] = [];
    if (a.audit_id) {
      const res = await deps.executor.compensate(
        a.audit_id,
        reschedule ? "the customer asked to reschedule" : "the customer asked to cancel",
      );
      outcomes.push({
        node: "cancel_booking",
        tool: "google_calendar",
        action: "delete_booking",
        success: res.success,
        auditId: res.auditId,
        key: `compensate:${a.audit_id}`,
        compensable: false,
        ...(res.error ? { error: res.error } : {}),
      });
      if (!res.success) return { toolOutcomes: outcomes };
    }
    const { booking_ref: _ref, event_id: _event, audit_id: _audit, ...rest } = a;
    if (reschedule) {
      // The new date and time are booked as a new booking (new reference, new saga).
      return {
        toolOutcomes: outcomes,
        sharedContext: { appointment: { ...rest, status: "confirmed", has_appointment: true } },
      };
    }
    return {
      ...say(state, withLine(state.reply, texts.cancelled(state.locale))),
      toolOutcomes: outcomes,
      sharedContext: { appointment: { ...rest, status: "cancelled", has_appointment: false } },
    };
  };
}
