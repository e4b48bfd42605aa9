/**
 * Small deterministic agents for the graph tests. Agents are replaceable objects behind the contract
 * of src/agents/types.ts; these read a fixed phrase format instead of understanding language:
 * - "reserva <treatment> el <YYYY-MM-DD> a las <HH:MM> para <name> <email>": a confirmed appointment;
 * - "anula mi cita": cancel; "cambia mi cita al <YYYY-MM-DD> a las <HH:MM>": reschedule;
 * - "queja ...": a complaint the support agent turns into a ticket; anything else goes to sales.
 */
import type { Agent, AgentInput, AgentName, AgentOutput, RouterAgent } from "../../src/agents/types.js";
import type { AgentSet } from "../../src/graph/converse.js";

const BOOK = /reserva (.+?) el (\d{4}-\d{2}-\d{2}) a las (\d{2}:\d{2}) para (.+?) (\S+@\S+)/i;
const MOVE = /cambia mi cita al (\d{4}-\d{2}-\d{2}) a las (\d{2}:\d{2})/i;

export const scriptedRouter: RouterAgent = {
  async route(input) {
    const t = input.text.toLowerCase();
    const agent: AgentName = /reserva|anula|cambia/.test(t)
      ? "schedule"
      : /queja/.test(t)
        ? "support"
        : "sales";
    return { agent, intent: agent, locale: "es" };
  },
};

export const scriptedSchedule: Agent = {
  name: "schedule",
  async run(input: AgentInput): Promise<AgentOutput> {
    const a = input.sharedContext.appointment;
    const book = BOOK.exec(input.text);
    if (book) {
      const [, treatment, date, time, name, email] = book as unknown as string[];
      const free = await input.tools.checkAvailability(date as string);
      if (!free.free.includes(time as string))
        return { reply: `No hay hueco a las ${time}.`, intent: "schedule.book" };
      return {
        reply: `Perfecto, ${name}: reservo ${treatment} el ${date} a las ${time}.`,
        intent: "schedule.book",
        sharedContext: {
          customer: { name, email },
          appointment: {
            treatment,
            date,
            time,
            customer_name: name,
            customer_email: email,
            has_appointment: true,
            status: "confirmed",
          },
        },
      };
    }
    if (/anula mi cita/i.test(input.text) && a) {
      return {
        reply: "De acuerdo, anulo su cita.",
        intent: "schedule.cancel",
        sharedContext: { appointment: { ...a, status: "cancel_requested" } },
      };
    }
    const move = MOVE.exec(input.text);
    if (move && a) {
      return {
        reply: `De acuerdo, cambio su cita al ${move[1]} a las ${move[2]}.`,
        intent: "schedule.reschedule",
        sharedContext: {
          appointment: { ...a, date: move[1], time: move[2], status: "reschedule_requested" },
        },
      };
    }
    return { reply: "¿Para qué tratamiento, día y hora quiere la cita?", intent: "schedule.ask" };
  },
};

export const scriptedSupport: Agent = {
  name: "support",
  async run(input) {
    return {
      reply: "Siento lo ocurrido.",
      intent: "support.complaint",
      sharedContext: {
        ticket: {
          subject: "Queja de un cliente",
          description: input.text,
          priority: "high",
          reason: "complaint",
          needs_ticket: true,
        },
      },
    };
  },
};

export const scriptedSales: Agent = {
  name: "sales",
  async run(input) {
    const passages = await input.tools.searchKnowledge(input.text, 1);
    return { reply: passages[0]?.content.slice(0, 200) ?? "No tengo esa información.", intent: "sales.info" };
  },
};

export const scriptedAgents: AgentSet = {
  routerAgent: scriptedRouter,
  agents: { sales: scriptedSales, schedule: scriptedSchedule, support: scriptedSupport },
};

/** The next Monday at least a week ahead (the clinic is open on Mondays). */
export function nextMonday(weeks = 1): string {
  const d = new Date(Date.now() + weeks * 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
