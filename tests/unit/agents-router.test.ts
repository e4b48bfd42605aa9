import { beforeAll, describe, expect, it } from "vitest";
import {
  type Agent,
  type AgentInput,
  type AgentOutput,
  InvalidAgentInputError,
  OfflineRouterAgent,
  type RouterAgent,
  routerWithFallback,
  ScheduleAgent,
  withFallback,
} from "../../src/agents/index.js";
import { loadTreatmentCatalogue, type TreatmentCatalogue } from "../../src/agents/offline/treatments.js";

const input = (text: string, over: Partial<AgentInput> = {}): AgentInput => ({
  text,
  history: [],
  sharedContext: { customer: {}, appointment: null, ticket: null },
  companyId: "benova",
  userId: "u1",
  conversationId: "c1",
  locale: "es",
  now: new Date("2027-01-12T09:00:00Z"),
  timeZone: "Europe/Madrid",
  clinicName: "Clínica Benova",
  tools: {
    searchKnowledge: async () => [],
    checkAvailability: async (date) => ({ date, open: false, free: [] }),
  },
  ...over,
});

describe("OfflineRouterAgent", () => {
  let router: OfflineRouterAgent;
  beforeAll(async () => {
    router = new OfflineRouterAgent({ catalogue: await loadTreatmentCatalogue() });
  });

  it("sends a yes to the sales agent's offer of an appointment to the schedule agent", async () => {
    const history = [
      { role: "customer" as const, text: "¿Cuánto cuesta el botox?" },
      {
        role: "agent" as const,
        text: "Precios de Bótox:\n• Una zona: 250 €.\n¿Quieres que te reserve una cita?",
      },
    ];
    expect(await router.route(input("sí", { history }))).toEqual({
      agent: "schedule",
      intent: "schedule.book",
      locale: "es",
    });
    // Without the offer, a bare yes is not a booking.
    expect((await router.route(input("sí", { history: history.slice(0, 1) }))).agent).not.toBe("schedule");
  });

  it("routes the seed's message to the schedule agent in Spanish", async () => {
    expect(await router.route(input("Quiero agendar una cita para botox el 20 de enero a las 10am"))).toEqual(
      {
        agent: "schedule",
        intent: "schedule.book",
        locale: "es",
      },
    );
  });

  it("switches to English when the customer writes English and keeps the language for a bare 'ok'", async () => {
    expect((await router.route(input("How much is botox?"))).locale).toBe("en");
    expect((await router.route(input("ok", { locale: "en" }))).locale).toBe("en");
    expect((await router.route(input("ok", { locale: "es" }))).locale).toBe("es");
  });

  it("keeps a bare time with the schedule agent only while a booking is in progress", async () => {
    const draft = {
      has_appointment: false,
      status: "draft" as const,
      treatment: "Bótox",
      date: "2027-01-20",
    };
    expect(
      (
        await router.route(
          input("a las 11", { sharedContext: { customer: {}, appointment: draft, ticket: null } }),
        )
      ).agent,
    ).toBe("schedule");
    expect((await router.route(input("vale"))).agent).toBe("sales");
  });
});

/** A model-backed agent that is down: what the fallback exists for. */
class UnavailableAgent implements Agent {
  readonly name = "sales" as const;
  calls = 0;
  async run(): Promise<AgentOutput> {
    this.calls++;
    throw new Error("model unreachable");
  }
}

describe("withFallback", () => {
  it("answers with the offline agent when the primary throws, and reports why", async () => {
    const primary = new UnavailableAgent();
    const offline: Agent = { name: "sales", run: async (i) => ({ reply: `offline: ${i.text}` }) };
    const errors: string[] = [];
    const agent = withFallback(primary, offline, (err) => errors.push((err as Error).message));
    expect(await agent.run(input("hola"))).toEqual({ reply: "offline: hola" });
    expect(primary.calls).toBe(1);
    expect(errors).toEqual(["model unreachable"]);
  });

  it("uses the primary's answer when it works", async () => {
    const primary: Agent = { name: "sales", run: async () => ({ reply: "primary" }) };
    const offline: Agent = { name: "sales", run: async () => ({ reply: "offline" }) };
    expect(await withFallback(primary, offline).run(input("hola"))).toEqual({ reply: "primary" });
  });

  it("refuses to pair agents of different names", () => {
    const sales: Agent = { name: "sales", run: async () => ({ reply: "" }) };
    const schedule: Agent = { name: "schedule", run: async () => ({ reply: "" }) };
    expect(() => withFallback(sales, schedule)).toThrow(
      /primary is the sales agent but fallback is the schedule agent/,
    );
  });

  it("falls back for the router too", async () => {
    const down: RouterAgent = {
      route: async () => {
        throw new Error("timeout");
      },
    };
    const router = routerWithFallback(down, new OfflineRouterAgent());
    expect(await router.route(input("Necesito cancelar mi cita"))).toEqual({
      agent: "schedule",
      intent: "schedule.cancel",
      locale: "es",
    });
  });
});

describe("bad settings and inputs", () => {
  it("names the schedule agent option that is wrong", async () => {
    const catalogue = await loadTreatmentCatalogue();
    expect(() => new ScheduleAgent({ catalogue, slotMinutes: 0 })).toThrow(
      /invalid slotMinutes: expected a whole number/,
    );
    expect(() => new ScheduleAgent({ catalogue, hours: { open: "20:00", close: "09:00" } })).toThrow(
      /invalid hours/,
    );
    expect(() => new ScheduleAgent({ catalogue, horizonDays: 365 })).toThrow(InvalidAgentInputError);
    expect(() => new ScheduleAgent({ catalogue: {} as TreatmentCatalogue })).toThrow(/invalid catalogue/);
  });

  it("names the input field that is wrong before doing anything", async () => {
    const router = new OfflineRouterAgent();
    await expect(router.route(input("hola", { now: new Date("nope") }))).rejects.toThrow(/invalid now/);
    await expect(router.route(input("hola", { timeZone: "Mars/Olympus" }))).rejects.toThrow(
      /invalid timeZone/,
    );
    await expect(router.route(input("hola", { locale: "fr" as "es" }))).rejects.toThrow(/invalid locale/);
  });
});
