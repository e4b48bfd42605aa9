import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MultiAgentOrchestratorGraph } from "../../src/graph/graph.js";
import { nextMonday, scriptedAgents } from "../support/graph-agents.js";
import { GraphWorld } from "../support/graph-world.js";

/** The pending interrupts an invoke returned with (LangGraph adds `__interrupt__` to the result). */
const interruptsOf = (out: object) => (out as { __interrupt__?: { value: unknown }[] }).__interrupt__;

describe("requireApproval: the graph pauses before a compensable action", () => {
  const world = new GraphWorld();
  const date = nextMonday(2);
  let saver: SqliteSaver;
  let orchestrator: MultiAgentOrchestratorGraph;

  beforeAll(async () => {
    await world.start();
    const rt = await world.tenant();
    saver = SqliteSaver.fromConnString(join(world.dir, "approval-checkpoints.db"));
    orchestrator = new MultiAgentOrchestratorGraph({
      ...scriptedAgents,
      companyId: "benova",
      toolExecutor: rt.executor,
      sagas: rt.sagas,
      checkpointer: saver,
      requireApproval: true,
      clinicName: "Clínica Benova",
    });
  });
  afterAll(async () => {
    saver.db.close();
    await world.close();
  });

  const start = (conversationId: string, time: string) =>
    orchestrator.graph.invoke(
      {
        messages: [new HumanMessage(`reserva Botox el ${date} a las ${time} para Ana ana@example.com`)],
        companyId: "benova",
        userId: "34600222000",
        conversationId,
      },
      { configurable: { thread_id: `benova:${conversationId}` }, durability: "sync" },
    );
  const bookedAt = async (time: string) => {
    const { bookings } = await (await world.tenant()).calendar.listBookings(date);
    return bookings.filter((b) => b.time === time && b.status === "confirmed");
  };

  it("books only after an operator approves", async () => {
    const paused = await start("301", "10:00");
    expect(interruptsOf(paused)?.[0]?.value).toMatchObject({
      type: "approval",
      action: "google_calendar.create_booking",
      parameters: { booking_data: { treatment: "Botox", date, time: "10:00" } },
    });
    expect(await bookedAt("10:00")).toHaveLength(0);
    const config = { configurable: { thread_id: "benova:301" }, durability: "sync" as const };
    expect((await orchestrator.graph.getState(config)).next).toEqual(["begin_booking"]);

    const done = await orchestrator.graph.invoke(new Command({ resume: "approve" }), config);
    expect(done.reply).toContain("✅ Su cita ha sido confirmada");
    expect(done.sagaStatus).toBe("completed");
    expect(await bookedAt("10:00")).toHaveLength(1);
  });

  it("books nothing when the operator rejects, and tells the customer", async () => {
    const paused = await start("302", "11:00");
    expect(interruptsOf(paused)).toHaveLength(1);
    const config = { configurable: { thread_id: "benova:302" }, durability: "sync" as const };
    const done = await orchestrator.graph.invoke(new Command({ resume: { approved: false } }), config);
    expect(done.reply).toContain("no se ha reservado ni cambiado nada");
    expect(done.sharedContext.appointment).toMatchObject({ has_appointment: false, status: "draft" });
    expect(done.toolOutcomes.some((o) => o.node === "execute_booking")).toBe(false);
    expect(done.sagaId).toBeNull();
    expect(await bookedAt("11:00")).toHaveLength(0);
    const audit = await (await world.tenant()).audit.query({ conversationId: "302", limit: 50 });
    expect(audit.entries.some((e) => e.actionName === "google_calendar.create_booking")).toBe(false);
  });

  it("asks before opening a ticket too", async () => {
    const config = { configurable: { thread_id: "benova:303" }, durability: "sync" as const };
    const paused = await orchestrator.graph.invoke(
      {
        messages: [new HumanMessage("queja: nadie me atendió")],
        companyId: "benova",
        userId: "34600222001",
        conversationId: "303",
      },
      config,
    );
    expect(interruptsOf(paused)?.[0]?.value).toMatchObject({ type: "approval", action: "create_ticket" });
    const done = await orchestrator.graph.invoke(new Command({ resume: "approve" }), config);
    expect(done.toolOutcomes).toEqual([expect.objectContaining({ node: "create_ticket", success: true })]);
  });
});
