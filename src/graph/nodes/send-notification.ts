import type { RunnableConfig } from "@langchain/core/runnables";
import { bookingPlan } from "../booking-data.js";
import type { DepsRef } from "../deps.js";
import { say, withLine } from "../reply.js";
import type { GraphStateType, GraphUpdate, ToolOutcome } from "../state.js";
import { texts } from "../texts.js";
import { runToolStep } from "../tool-step.js";

/**
 * Tells the customer the booking is made: the confirmation email (template appointment_confirmation)
 * and a WhatsApp message, each with its own step key so neither is sent twice. When both went out the
 * booking saga is completed; a failure stops here and the graph rolls the booking back.
 */
export function sendNotificationNode(ref: DepsRef) {
  return async (state: GraphStateType, _config?: RunnableConfig): Promise<GraphUpdate> => {
    const deps = await ref();
    const a = state.sharedContext.appointment;
    if (!a?.booking_ref) throw new Error("send_notification: the appointment has no booking_ref");
    const steps = bookingPlan(state, { ...a, booking_ref: a.booking_ref }, deps.clinicName).slice(1);
    const outcomes: ToolOutcome[] = [];
    for (const step of steps) {
      const { step: _step, actionType: _type, ...call } = step;
      const done = await runToolStep(deps, state, {
        ...call,
        node: "send_notification",
        agentName: "schedule",
        sagaId: state.sagaId,
      });
      outcomes.push(done.outcome);
      if (!done.result.success) return { toolOutcomes: outcomes };
    }
    const saga = state.sagaId && deps.sagas ? await deps.sagas.finishSaga(state.sagaId) : null;
    return {
      ...say(state, withLine(state.reply, texts.booked(a, state.locale))),
      toolOutcomes: outcomes,
      sharedContext: { appointment: { ...a, status: "booked", awaiting_confirmation: false } },
      ...(saga ? { sagaStatus: saga.status } : {}),
    };
  };
}
