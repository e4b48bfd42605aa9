import { AIMessage, type BaseMessage, HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conversations } from "../../src/graph/converse.js";
import { MultiAgentOrchestratorGraph } from "../../src/graph/graph.js";
import type { LocalChatwootService } from "../../src/services/chatwoot/index.js";
import { nextMonday, scriptedAgents } from "../support/graph-agents.js";
import { GraphWorld } from "../support/graph-world.js";

describe("the agent graph through app.converse on embedded defaults", () => {
  const world = new GraphWorld();
  const date = nextMonday();
  let conv = 100;
  const book = (time: string) =>
    `Hola, reserva Botox el ${date} a las ${time} para Lucía lucia@example.com por favor`;

  beforeAll(async () => {
    await world.start();
  });
  afterAll(async () => {
    await world.close();
  });

  it("books, emails and messages the customer, mirroring the undo and the saga in state", async () => {
    const conversationId = String(++conv);
    const out = await world.app.converse({ conversationId, userId: "34600111222", text: book("10:00") });
    const rt = await world.tenant();

    expect(out.agent).toBe("schedule");
    expect(out.intent).toBe("schedule.book");
    expect(out.reply).toContain("Perfecto, Lucía");
    expect(out.reply).toContain("✅ Su cita ha sido confirmada: Botox el");
    expect(out.toolOutcomes.map((o) => [o.node, o.tool, o.success])).toEqual([
      ["execute_booking", "google_calendar", true],
      ["send_notification", "send_email", true],
      ["send_notification", "send_whatsapp", true],
    ]);
    const { bookings } = await rt.calendar.listBookings(date);
    const mine = bookings.filter((b) => b.time === "10:00" && b.status === "confirmed");
    expect(mine).toHaveLength(1);
    expect(out.compensations).toEqual([
      {
        seq: 1,
        auditId: out.toolOutcomes[0]?.auditId,
        tool: "google_calendar",
        action: "delete_booking",
        params: { action: "delete_booking", event_id: mine[0]?.event_id },
      },
    ]);
    expect(out.sagaStatus).toBe("completed");
    expect(world.subjects().filter((s) => /confirm/i.test(s))).toHaveLength(1);
    expect(world.smtp.messages[0]?.envelope.rcptTo).toEqual(["lucia@example.com"]);
    const sent = await (rt.chatwoot as LocalChatwootService).listMessages(Number(conversationId));
    expect(sent.map((m) => m.content)).toEqual([expect.stringContaining("cita confirmada para Botox")]);

    const page = await rt.audit.query({ conversationId, limit: 50 });
    const acts = page.entries.filter((e) => e.tags.includes("graph"));
    expect(acts.map((e) => [e.actionName, e.status]).sort()).toEqual([
      ["google_calendar.create_booking", "success"],
      ["send_email.appointment_confirmation", "success"],
      ["send_whatsapp", "success"],
    ]);
    // The agent's availability check went through the executor too.
    expect(page.entries.some((e) => e.actionName === "google_calendar.check_availability")).toBe(true);
    const saga = await rt.sagas.getSaga(acts[0]?.sagaId as string);
    expect(saga?.status).toBe("completed");
    expect(saga?.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("rolls the booking back when the confirmation email fails, and says so", async () => {
    world.smtp.reset();
    const conversationId = String(++conv);
    world.smtp.failNext(1, { responseCode: 550 });
    const out = await world.app.converse({ conversationId, userId: "34600111333", text: book("11:00") });
    const rt = await world.tenant();

    expect(out.reply).toContain("no he podido completar su cita");
    expect(out.reply).not.toContain("✅");
    const booking = out.toolOutcomes.find((o) => o.node === "execute_booking");
    expect(booking?.success).toBe(true);
    expect(out.toolOutcomes.find((o) => o.tool === "send_email")?.success).toBe(false);
    expect(out.toolOutcomes.filter((o) => o.node === "rollback").map((o) => o.success)).toEqual([true]);
    const { bookings } = await rt.calendar.listBookings(date);
    expect(bookings.filter((b) => b.time === "11:00" && b.status === "confirmed")).toHaveLength(0);
    expect(world.subjects().filter((s) => /cancel|anulad/i.test(s))).toHaveLength(1);
    expect((await rt.audit.getEntry(booking?.auditId as string))?.status).toBe("compensated");
    expect(out.sagaStatus).toBe("compensated");
    // No WhatsApp confirmation went out for a booking that does not exist.
    expect(await (rt.chatwoot as LocalChatwootService).listMessages(Number(conversationId))).toEqual([]);
    expect(out.compensations).toHaveLength(1);
  });

  it("opens a ticket for a complaint, with its undo registered", async () => {
    const conversationId = String(++conv);
    const out = await world.app.converse({
      conversationId,
      userId: "34600111444",
      text: "Tengo una queja: me salió una reacción tras el tratamiento",
    });
    const rt = await world.tenant();
    expect(out.agent).toBe("support");
    expect(out.toolOutcomes).toEqual([expect.objectContaining({ node: "create_ticket", success: true })]);
    expect(out.compensations).toEqual([
      expect.objectContaining({ tool: "close_ticket", action: "close_ticket" }),
    ]);
    const ticketId = out.compensations[0]?.params.ticket_id as string;
    expect(out.reply).toContain(`incidencia ${ticketId}`);
    const ticket = await rt.tickets.getTicket(ticketId);
    expect(ticket?.status).toBe("open");
    expect(ticket?.subject).toBe("Queja de un cliente");
  });

  it("cancels a booked appointment through its compensation, and reschedules by cancelling then booking", async () => {
    const conversationId = String(++conv);
    const first = await world.app.converse({ conversationId, userId: "34600111555", text: book("12:00") });
    expect(first.toolOutcomes).toEqual([
      expect.objectContaining({ success: true }),
      expect.objectContaining({ success: true }),
      expect.objectContaining({ success: true }),
    ]);
    expect(first.sagaStatus).toBe("completed");
    const rt = await world.tenant();
    const moved = await world.app.converse({
      conversationId,
      userId: "34600111555",
      text: `cambia mi cita al ${date} a las 13:00`,
    });
    expect(moved.toolOutcomes.map((o) => [o.node, o.success])).toEqual([
      ["cancel_booking", true],
      ["execute_booking", true],
      ["send_notification", true],
      ["send_notification", true],
    ]);
    let { bookings } = await rt.calendar.listBookings(date);
    const live = bookings.filter((b) => b.status === "confirmed" && b.customer_email === "lucia@example.com");
    expect(live.map((b) => b.time)).toContain("13:00");
    expect(live.map((b) => b.time)).not.toContain("12:00");
    expect((await rt.audit.getEntry(first.toolOutcomes[0]?.auditId as string))?.status).toBe("compensated");
    expect(moved.compensations.map((c) => c.seq)).toEqual([1, 2]);

    const cancelled = await world.app.converse({
      conversationId,
      userId: "34600111555",
      text: "anula mi cita",
    });
    expect(cancelled.reply).toContain("Su cita ha sido anulada");
    ({ bookings } = await rt.calendar.listBookings(date));
    expect(bookings.filter((b) => b.status === "confirmed" && b.time === "13:00")).toHaveLength(0);
  });

  it("serializes the turns of one conversation", async () => {
    const conversationId = String(++conv);
    const turns = await Promise.all(
      ["hola", "¿qué tratamientos tienen?", "gracias"].map((text) =>
        world.app.converse({ conversationId, userId: "34600111666", text }),
      ),
    );
    expect(turns.every((t) => t.agent === "sales")).toBe(true);
    const conversations = new Conversations(world.app, () => scriptedAgents);
    const graph = await conversations.graph();
    const state = await graph.getState({ configurable: { thread_id: `benova:${conversationId}` } });
    const said = (state.values.messages as BaseMessage[]).map((m) => [m.getType(), m.content]);
    expect(said.filter(([type]) => type === "human").map(([, text]) => text)).toEqual([
      "hola",
      "¿qué tratamientos tienen?",
      "gracias",
    ]);
    expect(said.map(([type]) => type)).toEqual(["human", "ai", "human", "ai", "human", "ai"]);
    await conversations.close();
  });

  it("rollback answers tool calls a crash left open, so the next model call is valid", async () => {
    world.smtp.reset();
    world.smtp.failNext(1, { responseCode: 550 });
    const rt = await world.tenant();
    const orchestrator = new MultiAgentOrchestratorGraph({
      ...scriptedAgents,
      companyId: "benova",
      toolExecutor: rt.executor,
      sagas: rt.sagas,
      checkpointer: new MemorySaver(),
    });
    const out = await orchestrator.graph.invoke(
      {
        messages: [
          new AIMessage({ content: "", tool_calls: [{ id: "call-1", name: "google_calendar", args: {} }] }),
          new HumanMessage(book("15:00")),
        ],
        companyId: "benova",
        userId: "34600111777",
        conversationId: String(++conv),
      },
      { configurable: { thread_id: `benova:${conv}` }, durability: "sync" },
    );
    expect(out.reply).toContain("no he podido completar su cita");
    // The open call is answered right after the message that made it; the reply stays last.
    expect(out.messages.map((m) => m.getType())).toEqual(["ai", "tool", "human", "ai"]);
    const answer = out.messages[1] as ToolMessage;
    expect(answer.tool_call_id).toBe("call-1");
    expect(answer.status).toBe("error");
    expect(out.messages.at(-1)?.content).toBe(out.reply);
  });

  it("refuses a graph without its agents or with another tenant's executor", async () => {
    const rt = await world.tenant();
    expect(
      () =>
        new MultiAgentOrchestratorGraph({
          routerAgent: scriptedAgents.routerAgent,
          agents: { sales: scriptedAgents.agents.sales } as never,
          companyId: "benova",
          toolExecutor: rt.executor,
        }),
    ).toThrow(/agents: expected \{ sales, schedule, support \}.*missing: schedule, support/);
    expect(
      () =>
        new MultiAgentOrchestratorGraph({ ...scriptedAgents, companyId: "other", toolExecutor: rt.executor }),
    ).toThrow(/toolExecutor: expected the ToolExecutor of company "other"/);
  });

  it("refuses bad input naming the field", async () => {
    await expect(world.app.converse({ conversationId: "", userId: "u", text: "x" })).rejects.toThrow(
      /conversationId/,
    );
    await expect(world.app.converse({ conversationId: "5", userId: "u", text: " " })).rejects.toThrow(/text/);
    await expect(
      world.app.converse({ companyId: "nope", conversationId: "5", userId: "u", text: "x" }),
    ).rejects.toThrow();
  });
});
