import { END } from "@langchain/langgraph";
import type { GraphStateType } from "./state.js";
import { failedThisTurn } from "./tool-step.js";

type End = typeof END;

/** router -> the chosen agent. */
export function routeToAgent(state: GraphStateType): "sales_agent" | "schedule_agent" | "support_agent" {
  if (state.agent === "sales") return "sales_agent";
  if (state.agent === "support") return "support_agent";
  return "schedule_agent";
}

/** schedule_agent -> booking (confirmed, not yet booked), cancellation, or the end of the turn. */
export function routeAfterSchedule(state: GraphStateType): "begin_booking" | "cancel_booking" | End {
  const a = state.sharedContext.appointment;
  if (!a) return END;
  if (a.status === "cancel_requested" || a.status === "reschedule_requested") return "cancel_booking";
  if (a.has_appointment && a.status === "confirmed" && !a.event_id) return "begin_booking";
  return END;
}

/** support_agent -> create_ticket when the agent detected a problem. */
export function routeAfterSupport(state: GraphStateType): "create_ticket" | End {
  return state.sharedContext.ticket?.needs_ticket ? "create_ticket" : END;
}

/** begin_booking -> execute_booking, unless an operator rejected the booking. */
export function routeAfterBegin(state: GraphStateType): "execute_booking" | End {
  return state.sharedContext.appointment?.booking_ref && !failedThisTurn(state, "begin_booking")
    ? "execute_booking"
    : END;
}

export function routeAfterBooking(state: GraphStateType): "send_notification" | "rollback" {
  return failedThisTurn(state, "execute_booking") ? "rollback" : "send_notification";
}

export function routeAfterNotification(state: GraphStateType): "rollback" | End {
  return failedThisTurn(state, "send_notification") ? "rollback" : END;
}

export function routeAfterTicket(state: GraphStateType): "rollback" | End {
  return failedThisTurn(state, "create_ticket") ? "rollback" : END;
}

/** cancel_booking -> rollback on failure; for a reschedule, on to book the new slot. */
export function routeAfterCancel(state: GraphStateType): "rollback" | "begin_booking" | End {
  if (failedThisTurn(state, "cancel_booking")) return "rollback";
  return state.sharedContext.appointment?.status === "confirmed" ? "begin_booking" : END;
}
