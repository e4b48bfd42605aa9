import {
  type AgentInput,
  type AgentTools,
  createDefaultAgents,
  type DefaultAgents,
  type DefaultAgentsOptions,
  type Locale,
  type SharedContext,
  type Turn,
} from "../../src/agents/index.js";
import { loadTreatmentCatalogue } from "../../src/agents/offline/treatments.js";
import {
  type BookingData,
  eventIdFor,
  LocalCalendarService,
  type OpeningHours,
} from "../../src/services/calendar/index.js";
import { KnowledgeBase } from "../../src/services/knowledge/index.js";

export const TIME_ZONE = "Europe/Madrid";
export const HOURS: OpeningHours = { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 };

/**
 * The agents' read-only tools over the real services: the knowledge base search and the calendar's
 * availability, as the graph provides them through the audited executor.
 */
export class ServiceTools implements AgentTools {
  constructor(
    private readonly knowledge: KnowledgeBase,
    private readonly calendar: LocalCalendarService,
  ) {}

  async searchKnowledge(query: string, topK?: number) {
    const { results } = await this.knowledge.search(query, topK);
    return results.map((r) => ({ content: r.content, metadata: { ...r.metadata }, score: r.score }));
  }

  async checkAvailability(date: string) {
    const a = await this.calendar.checkAvailability(date);
    return { date: a.date, open: a.open, free: a.slots.map((s) => s.start.slice(11, 16)) };
  }
}

/**
 * A clinic for agent tests: the package's knowledge base, an in-memory calendar, a fixed clock,
 * and a conversation driver that does what the graph does with the agents' output (route, run,
 * merge the shared context; book a confirmed appointment in the calendar).
 */
export class AgentWorld {
  readonly context: SharedContext = { customer: {}, appointment: null, ticket: null };
  readonly history: Turn[] = [];
  locale: Locale = "es";

  private constructor(
    readonly agents: DefaultAgents,
    readonly calendar: LocalCalendarService,
    readonly tools: ServiceTools,
    readonly now: Date,
    readonly conversationId: string,
  ) {}

  static async create(
    now: Date,
    options: {
      confirmBeforeBooking?: boolean;
      conversationId?: string;
      /** Builds other agents than the offline ones (e.g. `createLlmAgents`) from the same settings. */
      agents?: (options: DefaultAgentsOptions) => DefaultAgents;
    } = {},
  ): Promise<AgentWorld> {
    const knowledge = await KnowledgeBase.load();
    const calendar = new LocalCalendarService({
      path: ":memory:",
      companyId: "benova",
      timeZone: TIME_ZONE,
      openingHours: HOURS,
      now: () => now,
    });
    const agents = (options.agents ?? createDefaultAgents)({
      catalogue: await loadTreatmentCatalogue(),
      slotMinutes: HOURS.slotMinutes,
      hours: { open: HOURS.open, close: HOURS.close },
      ...(options.confirmBeforeBooking !== undefined
        ? { confirmBeforeBooking: options.confirmBeforeBooking }
        : {}),
    });
    return new AgentWorld(
      agents,
      calendar,
      new ServiceTools(knowledge, calendar),
      now,
      options.conversationId ?? "conv-1",
    );
  }

  input(text: string): AgentInput {
    return {
      text,
      history: [...this.history],
      sharedContext: structuredClone(this.context),
      companyId: "benova",
      userId: "user-1",
      conversationId: this.conversationId,
      locale: this.locale,
      now: this.now,
      timeZone: TIME_ZONE,
      clinicName: "Clínica Benova",
      tools: this.tools,
    };
  }

  /** One customer message through router and agent; the shared context is merged as the graph does. */
  async say(text: string) {
    const routed = await this.agents.routerAgent.route(this.input(text));
    this.locale = routed.locale;
    const out = await this.agents.agents[routed.agent].run(this.input(text));
    if (out.sharedContext?.customer)
      this.context.customer = { ...this.context.customer, ...out.sharedContext.customer };
    if (out.sharedContext && "appointment" in out.sharedContext)
      this.context.appointment = out.sharedContext.appointment ?? null;
    if (out.sharedContext && "ticket" in out.sharedContext)
      this.context.ticket = out.sharedContext.ticket ?? null;
    this.history.push({ role: "customer", text }, { role: "agent", text: out.reply });
    return { ...routed, ...out };
  }

  /** What execute_booking does with a confirmed appointment: create the event, mark it booked. */
  async book(): Promise<void> {
    const a = this.context.appointment;
    if (!a?.has_appointment || !a.booking_ref) throw new Error("no confirmed appointment to book");
    const data: BookingData = {
      customer_name: a.customer_name ?? "",
      service: a.treatment ?? "",
      date: a.date ?? "",
      time: a.time ?? "",
      ...(a.customer_email ? { customer_email: a.customer_email } : {}),
      ...(a.duration_minutes ? { duration_minutes: a.duration_minutes } : {}),
    };
    const created = await this.calendar.createBooking(data, { eventId: eventIdFor(a.booking_ref) });
    this.context.appointment = { ...a, status: "booked", event_id: created.event_id };
  }

  async close(): Promise<void> {
    await this.calendar.close();
  }
}
