import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatwootApiError, ChatwootApiService } from "../../src/services/chatwoot/index.js";
import { ChatwootTicketService } from "../../src/services/tickets/index.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";

let chatwoot: ChatwootStandIn;
let baseUrl: string;
let dir: string;
const opened: ChatwootTicketService[] = [];

/** A fresh process's view: a new API client (empty in-memory dedup) and the ticket index on disk. */
function tickets(locale?: "es" | "en"): ChatwootTicketService {
  const api = new ChatwootApiService({ baseUrl, apiToken: chatwoot.apiToken, accountId: 1 });
  const service = new ChatwootTicketService({
    companyId: "benova",
    path: join(dir, "tickets.db"),
    chatwoot: api,
    locale,
  });
  opened.push(service);
  return service;
}

const input = {
  conversation_id: 42,
  subject: "Dolor tras la extracción",
  description: "Paciente con dolor intenso 3 días después de la extracción de una muela.",
  priority: "urgent" as const,
  customer: { name: "Luis Pérez", phone: "+34600999888" },
};

beforeEach(async () => {
  chatwoot = new ChatwootStandIn();
  baseUrl = await chatwoot.start();
  chatwoot.addConversation({ id: 42, status: "pending", labels: ["vip"] });
  dir = mkdtempSync(join(tmpdir(), "tickets-chatwoot-"));
});

afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  await chatwoot.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ChatwootTicketService hand-off", () => {
  it("opens a ticket as a private note, labels and an open conversation for a human agent", async () => {
    const { ticket_id } = await tickets().createTicket(input, { idempotencyKey: "benova:t1:create_ticket" });

    const notes = chatwoot.messages(42);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.private).toBe(true);
    expect(notes[0]?.content).toContain(ticket_id);
    expect(notes[0]?.content).toContain("Prioridad: urgente");
    expect(notes[0]?.content).toContain("Asunto: Dolor tras la extracción");
    expect(notes[0]?.content).toContain(input.description);
    expect(notes[0]?.content).toContain("Luis Pérez · +34600999888");
    expect(chatwoot.conversation(42)?.labels).toEqual(["vip", "ticket", "priority-urgent"]);
    expect(chatwoot.conversation(42)?.status).toBe("open");
  });

  it("finishes an interrupted hand-off on retry without a second note, even after a restart", async () => {
    // The note is sent, then reading the labels fails: the call fails as retriable.
    chatwoot.failNext(1, 503, { method: "GET", path: /\/labels$/ });
    const key = { idempotencyKey: "benova:t2:create_ticket" };
    const err = await tickets()
      .createTicket(input, key)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatwootApiError);
    expect((err as ChatwootApiError).retriable).toBe(true);
    expect(chatwoot.messages(42)).toHaveLength(1);
    expect(chatwoot.conversation(42)?.status).toBe("pending");

    const retried = await tickets().createTicket(input, key);
    expect(retried.already_existed).toBe(true);
    expect(chatwoot.messages(42)).toHaveLength(1);
    expect(chatwoot.conversation(42)?.labels).toEqual(["vip", "ticket", "priority-urgent"]);
    expect(chatwoot.conversation(42)?.status).toBe("open");
  });

  it("closes with a note giving the reason and resolves the conversation, once", async () => {
    const service = tickets();
    const { ticket_id } = await service.createTicket(input, { idempotencyKey: "benova:t3:create_ticket" });
    chatwoot.failNext(1, 500);
    await expect(service.closeTicket(ticket_id, "Reserva anulada por rollback")).rejects.toMatchObject({
      retriable: true,
    });
    expect((await service.getTicket(ticket_id))?.status).toBe("open");

    expect(await tickets().closeTicket(ticket_id, "Reserva anulada por rollback")).toMatchObject({
      already_closed: false,
    });
    expect(await tickets().closeTicket(ticket_id, "Reserva anulada por rollback")).toMatchObject({
      already_closed: true,
    });
    const notes = chatwoot.messages(42);
    expect(notes.map((n) => n.private)).toEqual([true, true]);
    expect(notes[1]?.content).toBe(`Ticket ${ticket_id} cerrado. Motivo: Reserva anulada por rollback`);
    expect(chatwoot.conversation(42)?.status).toBe("resolved");
  });

  it("writes the notes in English when the tenant's locale is en", async () => {
    await tickets("en").createTicket(
      { ...input, priority: "low" },
      { idempotencyKey: "benova:t4:create_ticket" },
    );
    expect(chatwoot.messages(42)[0]?.content).toMatch(/Priority: low[\s\S]*Subject: Dolor/);
    expect(chatwoot.conversation(42)?.labels).toContain("priority-low");
  });

  it("reports an unknown conversation as a final error and hands nothing off", async () => {
    const err = await tickets()
      .createTicket({ ...input, conversation_id: 404 }, { idempotencyKey: "benova:t5:create_ticket" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "NOT_FOUND", retriable: false });
    expect(chatwoot.messages(42)).toHaveLength(0);
  });
});
