import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { END } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { AppointmentState } from "../../src/agents/types.js";
import { danglingToolCalls } from "../../src/graph/nodes/rollback.js";
import { routeAfterCancel, routeAfterSchedule, routeToAgent } from "../../src/graph/routes.js";
import {
  appendCompensations,
  EMPTY_CONTEXT,
  type GraphStateType,
  mergeSharedContext,
} from "../../src/graph/state.js";

const appointment = (over: Partial<AppointmentState>): AppointmentState => ({
  has_appointment: false,
  status: "draft",
  ...over,
});
const stateWith = (over: Partial<GraphStateType>) => ({
  ...({} as GraphStateType),
  toolOutcomes: [],
  ...over,
});

describe("graph state reducers", () => {
  it("merges the customer and replaces appointment and ticket", () => {
    const a = mergeSharedContext(
      { ...EMPTY_CONTEXT, customer: { name: "Eva" }, appointment: appointment({ date: "2030-01-07" }) },
      { customer: { email: "eva@example.com" }, appointment: appointment({ time: "10:00" }) },
    );
    expect(a.customer).toEqual({ name: "Eva", email: "eva@example.com" });
    expect(a.appointment).toEqual(appointment({ time: "10:00" }));
    expect(mergeSharedContext(a, { ticket: null }).appointment).toEqual(a.appointment);
  });

  it("appends compensations in order, numbered, never listing one audit id twice", () => {
    const one = {
      auditId: "A",
      tool: "google_calendar",
      action: "delete_booking",
      params: { event_id: "e1" },
    };
    const two = { auditId: "B", tool: "close_ticket", action: "close_ticket", params: { ticket_id: "t1" } };
    const list = appendCompensations(appendCompensations([], [one]), [one, two]);
    expect(list.map((c) => [c.seq, c.auditId])).toEqual([
      [1, "A"],
      [2, "B"],
    ]);
  });

  it("finds tool calls no ToolMessage answers", () => {
    const messages = [
      new HumanMessage("hola"),
      new AIMessage({
        content: "",
        tool_calls: [
          { id: "c1", name: "google_calendar", args: {} },
          { id: "c2", name: "send_email", args: {} },
        ],
      }),
      new ToolMessage({ tool_call_id: "c1", content: "ok" }),
    ];
    expect(danglingToolCalls(messages)).toEqual(["c2"]);
  });
});

describe("graph routers", () => {
  it("route to the agent, to booking only when confirmed and not booked, and to cancellation", () => {
    expect(routeToAgent(stateWith({ agent: "support" }))).toBe("support_agent");
    const ctx = (a: AppointmentState) => stateWith({ sharedContext: { ...EMPTY_CONTEXT, appointment: a } });
    expect(routeAfterSchedule(ctx(appointment({ has_appointment: true, status: "confirmed" })))).toBe(
      "begin_booking",
    );
    expect(
      routeAfterSchedule(ctx(appointment({ has_appointment: true, status: "confirmed", event_id: "e1" }))),
    ).toBe(END);
    expect(routeAfterSchedule(ctx(appointment({ status: "draft" })))).toBe(END);
    expect(routeAfterSchedule(ctx(appointment({ status: "reschedule_requested" })))).toBe("cancel_booking");
    expect(routeAfterCancel(ctx(appointment({ status: "confirmed", has_appointment: true })))).toBe(
      "begin_booking",
    );
    expect(routeAfterCancel(ctx(appointment({ status: "cancelled" })))).toBe(END);
  });
});
