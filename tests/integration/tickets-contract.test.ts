import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatwootApiService, LocalChatwootService } from "../../src/services/chatwoot/index.js";
import {
  ChatwootTicketService,
  LocalTicketService,
  TicketInputError,
  TicketNotFoundError,
  type TicketService,
  ticketIdFor,
} from "../../src/services/tickets/index.js";
import { ChatwootStandIn } from "../support/chatwoot-stand-in.js";

/** One ticket backend under test: `make` opens a service for a tenant on the test's database file. */
interface Backend {
  name: string;
  make(companyId: string, path: string): { tickets: TicketService; close(): void };
}

let standIn: ChatwootStandIn;
let standInUrl: string;
beforeAll(async () => {
  standIn = new ChatwootStandIn();
  standInUrl = await standIn.start();
  standIn.addConversation({ id: 42 });
  standIn.addConversation({ id: 43 });
});
afterAll(async () => {
  await standIn.close();
});

const backends: Backend[] = [
  {
    name: "LocalTicketService",
    make: (companyId, path) => {
      const tickets = new LocalTicketService({ companyId, path });
      return { tickets, close: () => tickets.close() };
    },
  },
  {
    name: "ChatwootTicketService on the embedded Chatwoot",
    make: (companyId, path) => {
      const chatwoot = new LocalChatwootService({ companyId, path });
      const tickets = new ChatwootTicketService({ companyId, path, chatwoot });
      return {
        tickets,
        close: () => {
          tickets.close();
          chatwoot.close();
        },
      };
    },
  },
  {
    name: "ChatwootTicketService on the Chatwoot REST API",
    make: (companyId, path) => {
      const chatwoot = new ChatwootApiService({
        baseUrl: standInUrl,
        apiToken: standIn.apiToken,
        accountId: 1,
      });
      const tickets = new ChatwootTicketService({ companyId, path, chatwoot });
      return { tickets, close: () => tickets.close() };
    },
  },
];

const input = {
  conversation_id: 42,
  subject: "Cobro duplicado",
  description: "La clienta ve dos cargos por la misma limpieza dental.",
  priority: "high" as const,
  customer: { name: "Ana García", phone: "+34600111222", email: "ana@example.com" },
};

describe.each(backends)("TicketService contract: $name", (backend) => {
  let dir: string;
  let path: string;
  const opened: { close(): void }[] = [];
  const open = (companyId = "benova") => {
    const { tickets, close } = backend.make(companyId, path);
    opened.push({ close });
    return tickets;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tickets-"));
    path = join(dir, "data.db");
  });
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("opens a ticket that can be read back with what was reported", async () => {
    const tickets = open();
    const created = await tickets.createTicket(input, { idempotencyKey: "benova:t1:create_ticket" });
    expect(created).toEqual({
      ticket_id: expect.stringMatching(/^tkt_[0-9a-f]{24}$/),
      status: "open",
      already_existed: false,
    });
    expect(await tickets.getTicket(created.ticket_id)).toMatchObject({
      ...input,
      status: "open",
      ticket_id: created.ticket_id,
    });
  });

  it("never opens two tickets for one idempotency key: retried, concurrent or after a restart", async () => {
    const tickets = open();
    const key = "benova:t2:create_ticket";
    const [a, b] = await Promise.all([
      tickets.createTicket(input, { idempotencyKey: key }),
      tickets.createTicket(input, { idempotencyKey: key }),
    ]);
    expect(a.ticket_id).toBe(b.ticket_id);
    expect([a.already_existed, b.already_existed].sort()).toEqual([false, true]);
    const changed = { ...input, subject: "Otro asunto" };
    const later = await open().createTicket(changed, { idempotencyKey: key });
    expect(later).toEqual({ ticket_id: a.ticket_id, status: "open", already_existed: true });
    expect((await tickets.getTicket(a.ticket_id))?.subject).toBe("Cobro duplicado");
    const other = await tickets.createTicket(
      { ...input, conversation_id: 43 },
      { idempotencyKey: "benova:t3:create_ticket" },
    );
    expect(other.ticket_id).not.toBe(a.ticket_id);
  });

  it("closes a ticket once; closing again is a no-op that says so", async () => {
    const tickets = open();
    const { ticket_id } = await tickets.createTicket(input, { idempotencyKey: "benova:t4:create_ticket" });
    expect(await tickets.closeTicket(ticket_id, "Reserva cancelada")).toEqual({
      ticket_id,
      status: "closed",
      already_closed: false,
    });
    expect(await tickets.closeTicket(ticket_id, "otra vez")).toEqual({
      ticket_id,
      status: "closed",
      already_closed: true,
    });
    const ticket = await tickets.getTicket(ticket_id);
    expect(ticket).toMatchObject({ status: "closed", close_reason: "Reserva cancelada" });
    expect(Date.parse(ticket?.closed_at ?? "")).not.toBeNaN();
    const replay = await tickets.createTicket(input, { idempotencyKey: "benova:t4:create_ticket" });
    expect(replay).toEqual({ ticket_id, status: "closed", already_existed: true });
  });

  it("rejects unknown and malformed ticket ids clearly", async () => {
    const tickets = open();
    const unknown = ticketIdFor("benova", "never-used");
    await expect(tickets.closeTicket(unknown, "x")).rejects.toBeInstanceOf(TicketNotFoundError);
    await expect(tickets.closeTicket("42", "x")).rejects.toThrow(
      /ticket_id: expected an id returned by create_ticket/,
    );
    expect(await tickets.getTicket(unknown)).toBeNull();
    expect(await tickets.getTicket("not-a-ticket")).toBeNull();
  });

  it("validates input before storing anything", async () => {
    const tickets = open();
    const key = { idempotencyKey: "benova:t5:create_ticket" };
    await expect(tickets.createTicket({ ...input, priority: "critical" as "high" }, key)).rejects.toThrow(
      /priority: expected one of low, medium, high, urgent/,
    );
    await expect(tickets.createTicket({ ...input, subject: " " }, key)).rejects.toThrow(/subject/);
    await expect(tickets.createTicket({ ...input, conversation_id: 0 }, key)).rejects.toThrow(
      /conversation_id/,
    );
    await expect(tickets.createTicket({ ...input, customer: { email: "no-at" } }, key)).rejects.toThrow(
      /customer.email/,
    );
    await expect(tickets.createTicket(input, { idempotencyKey: "" })).rejects.toBeInstanceOf(
      TicketInputError,
    );
    await expect(tickets.closeTicket(ticketIdFor("benova", "x"), "")).rejects.toThrow(/reason/);
    expect(await tickets.getTicket(ticketIdFor("benova", key.idempotencyKey))).toBeNull();
  });

  it("keeps tenants apart: another clinic can neither see nor close the ticket", async () => {
    const benova = open("benova");
    const other = open("otra-clinica");
    const { ticket_id } = await benova.createTicket(input, { idempotencyKey: "shared-key" });
    expect(await other.getTicket(ticket_id)).toBeNull();
    await expect(other.closeTicket(ticket_id, "intento ajeno")).rejects.toBeInstanceOf(TicketNotFoundError);
    expect((await benova.getTicket(ticket_id))?.status).toBe("open");
    const theirs = await other.createTicket(input, { idempotencyKey: "shared-key" });
    expect(theirs.ticket_id).not.toBe(ticket_id);
    expect(theirs.already_existed).toBe(false);
  });
});
