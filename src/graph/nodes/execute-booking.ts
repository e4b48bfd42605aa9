import type { RunnableConfig } from "@langchain/core/runnables";
import { bookingPlan } from "../booking-data.js";
import type { DepsRef } from "../deps.js";
import type { GraphStateType, GraphUpdate } from "../state.js";
import { runToolStep } from "../tool-step.js";

/**
 * Books the confirmed appointment in the calendar (compensable). The step key comes from the thread
 * and the booking reference, so running this node again (resume, retry, crash) finds the event it
 * already made; the undo is appended to state in this same node.
 */
export function executeBookingNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const a = state.sharedContext.appointment;
    if (!a?.booking_ref)
      throw new Error("execute_booking: the appointment has no booking_ref (begin_booking sets it)");
    const [book] = bookingPlan(state, { ...a, booking_ref: a.booking_ref }, deps.clinicName);
    const done = await runToolStep(deps, state, {
      node: "execute_booking",
      agentName: "schedule",
      toolName: book.toolName,
      parameters: book.parameters,
      key: book.key,
      sagaId: state.sagaId,
    });
    const update: GraphUpdate = {
      toolOutcomes: [done.outcome],
      ...(done.compensation ? { compensations: [done.compensation] } : {}),
      ...(state.sagaId && deps.sagas ? { sagaStatus: "running" as const } : {}),
    };
    if (done.result.success) {
      const data = done.result.data as { event_id?: string } | null;
      update.sharedContext = {
        appointment: {
          ...a,
          ...(data?.event_id ? { event_id: data.event_id } : {}),
          ...(done.result.auditId ? { audit_id: done.result.auditId } : {}),
        },
      };
    }
    return update;
  };
}
