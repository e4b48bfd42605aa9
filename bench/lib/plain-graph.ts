import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, START, StateGraph } from "@langchain/langgraph";
import type { AgentTools } from "../../src/agents/types.js";
import type { TenantRuntime } from "../../src/app/tenant-runtime.js";
import { agentInput } from "../../src/graph/agent-tools.js";
import { bookingData, confirmationEmail } from "../../src/graph/booking-data.js";
import { bookingKey, type GraphDeps } from "../../src/graph/deps.js";
import { say, withLine } from "../../src/graph/reply.js";
import { GraphState, type GraphStateType, type GraphUpdate } from "../../src/graph/state.js";
import { texts } from "../../src/graph/texts.js";
import { eventIdFor } from "../../src/services/calendar/event-id.js";
import type { BookingData } from "../../src/services/calendar/types.js";
import { newId } from "../../src/util/ids.js";

/**
 * The baseline of the graph benchmark: router -> schedule agent -> book -> notify with the same
 * offline agents and the same service objects, called directly (no executor, audit or saga).
 * The agents' read-only tools call the calendar directly too.
 */
export function plainBookingGraph(deps: GraphDeps, rt: TenantRuntime, checkpointer: BaseCheckpointSaver) {
  const tools: AgentTools = {
    async searchKnowledge() {
      return [];
    },
    async checkAvailability(date: string) {
      const res = await rt.calendar.checkAvailability(date);
      return { date, open: res.open, free: res.slots.map((s) => s.start.slice(11, 16)) };
    },
  };
  const input = (state: GraphStateType, name: string) => ({ ...agentInput(state, deps, name), tools });
  const router = async (state: GraphStateType): Promise<GraphUpdate> => {
    const d = await deps.routerAgent.route(input(state, "router"));
    return { agent: d.agent, intent: d.intent, locale: d.locale, toolOutcomes: null, reply: "" };
  };
  const schedule = async (state: GraphStateType): Promise<GraphUpdate> => {
    const out = await deps.agents.schedule.run(input(state, "schedule"));
    return {
      ...say(state, out.reply),
      ...(out.sharedContext ? { sharedContext: out.sharedContext } : {}),
      ...(out.intent ? { intent: out.intent } : {}),
    };
  };
  const book = async (state: GraphStateType): Promise<GraphUpdate> => {
    const a = state.sharedContext.appointment;
    if (!a) throw new Error("book: no appointment");
    const ref = a.booking_ref ?? newId().toLowerCase();
    const created = await rt.calendar.createBooking(
      bookingData(a, state.sharedContext.customer) as unknown as BookingData, // the calendar validates it
      {
        eventId: eventIdFor(bookingKey(state, ref, "book")),
      },
    );
    return { sharedContext: { appointment: { ...a, booking_ref: ref, event_id: created.event_id } } };
  };
  const notify = async (state: GraphStateType): Promise<GraphUpdate> => {
    const a = state.sharedContext.appointment;
    if (!a?.booking_ref) throw new Error("notify: no booking");
    const email = confirmationEmail(a, state.sharedContext.customer, deps.clinicName, state.locale);
    if (email) {
      const sent = await rt.email.sendTemplateEmail({
        toEmail: String(email.to_email),
        templateName: "appointment_confirmation",
        templateVars: Object.fromEntries(
          Object.entries(email.template_vars as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        ),
        locale: state.locale,
        idempotencyKey: bookingKey(state, a.booking_ref, "confirmation-email"),
      });
      if (!sent.success) throw new Error(`notify: email failed: ${sent.error}`);
    }
    await rt.chatwoot.sendMessage({
      conversationId: Number(state.conversationId),
      content: texts.whatsapp(a, deps.clinicName, state.locale),
      idempotencyKey: bookingKey(state, a.booking_ref, "whatsapp"),
    });
    return {
      ...say(state, withLine(state.reply, texts.booked(a, state.locale))),
      sharedContext: { appointment: { ...a, status: "booked", awaiting_confirmation: false } },
    };
  };
  return new StateGraph(GraphState)
    .addNode("router", router)
    .addNode("schedule_agent", schedule)
    .addNode("book", book)
    .addNode("notify", notify)
    .addEdge(START, "router")
    .addEdge("router", "schedule_agent")
    .addConditionalEdges(
      "schedule_agent",
      (s: GraphStateType) => {
        const a = s.sharedContext.appointment;
        return a?.has_appointment && a.status === "confirmed" && !a.event_id ? "book" : END;
      },
      ["book", END],
    )
    .addEdge("book", "notify")
    .addEdge("notify", END)
    .compile({ checkpointer });
}
