import type { RunnableConfig } from "@langchain/core/runnables";
import { newId } from "../../util/ids.js";
import { askApproval } from "../approval.js";
import { bookingData, bookingPlan } from "../booking-data.js";
import type { DepsRef } from "../deps.js";
import { say } from "../reply.js";
import type { GraphStateType, GraphUpdate } from "../state.js";
import { texts } from "../texts.js";

/**
 * Starts the booking of a confirmed appointment: asks an operator first when approval is required,
 * gives the booking its reference (the step keys derive from it) and opens its saga with the steps
 * planned. It runs in its own step before any side effect, so a crash here leaves at most an empty
 * saga, which recovery closes as never started.
 */
export function beginBookingNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const a = state.sharedContext.appointment;
    if (!a) return {};
    const booking = bookingData(a, state.sharedContext.customer);
    if (deps.requireApproval && !askApproval("google_calendar.create_booking", { booking_data: booking })) {
      return {
        ...say(state, texts.rejected(state.locale)),
        sharedContext: { appointment: { ...a, has_appointment: false, status: "draft" } },
        toolOutcomes: [
          {
            node: "begin_booking",
            tool: "google_calendar",
            action: "create_booking",
            success: false,
            auditId: null,
            key: null,
            compensable: false,
            error: "rejected by an operator",
          },
        ],
      };
    }
    const bookingRef = a.booking_ref ?? newId().toLowerCase();
    const appointment = { ...a, booking_ref: bookingRef };
    if (!deps.sagas) return { sharedContext: { appointment }, sagaId: null, sagaStatus: null };
    const sagaId = await deps.sagas.openDrivenSaga({
      userId: state.userId,
      sagaName: "complete_booking_flow",
      conversationId: state.conversationId,
      steps: bookingPlan(state, appointment, deps.clinicName).map(({ step: _step, ...s }) => s),
    });
    return { sharedContext: { appointment }, sagaId, sagaStatus: "created" };
  };
}
