import type { ChatwootService } from "../chatwoot/types.js";
import { TicketNotFoundError } from "./errors.js";
import { type StoredTicket, TicketStore, type TicketStoreOptions } from "./ticket-store.js";
import type {
  CloseTicketResult,
  CreateTicketInput,
  CreateTicketResult,
  Ticket,
  TicketPriority,
  TicketService,
} from "./types.js";
import { checkCreateInput, checkReason, checkTicketId, isTicketId, ticketIdFor } from "./validation.js";

export interface ChatwootTicketOptions extends TicketStoreOptions {
  chatwoot: ChatwootService;
  /** Language of the private notes agents read; default `es`. */
  locale?: "es" | "en";
}

const WORDS = {
  es: {
    ticket: "Ticket",
    priority: { low: "baja", medium: "media", high: "alta", urgent: "urgente" },
    priorityLabel: "Prioridad",
    subject: "Asunto",
    customer: "Cliente",
    closed: "cerrado",
    reason: "Motivo",
  },
  en: {
    ticket: "Ticket",
    priority: { low: "low", medium: "medium", high: "high", urgent: "urgent" },
    priorityLabel: "Priority",
    subject: "Subject",
    customer: "Customer",
    closed: "closed",
    reason: "Reason",
  },
} as const;

/**
 * Tickets handled in Chatwoot itself: opening one posts a private note with the subject,
 * description and priority, labels the conversation `ticket` and `priority-<p>`, and sets it
 * `open` so a human agent picks it up; closing posts a note with the reason and resolves the
 * conversation. A local SQLite index remembers each ticket and how far its hand-off got, so a
 * retry after a failure finishes the remaining steps instead of repeating the finished ones.
 *
 * @example
 * const tickets = new ChatwootTicketService({ companyId: "benova", chatwoot, path: ".data/tickets.db" });
 */
export class ChatwootTicketService implements TicketService {
  readonly #store: TicketStore;
  readonly #chatwoot: ChatwootService;
  readonly #words: (typeof WORDS)["es" | "en"];
  /** Work in progress per ticket, so concurrent calls for one ticket do each step once. */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: ChatwootTicketOptions) {
    this.#store = new TicketStore(options);
    this.#chatwoot = options.chatwoot;
    this.#words = WORDS[options.locale ?? "es"];
  }

  async createTicket(
    input: CreateTicketInput,
    opts: { idempotencyKey: string },
  ): Promise<CreateTicketResult> {
    const checked = checkCreateInput(input, opts?.idempotencyKey);
    const ticketId = ticketIdFor(this.#store.companyId, opts.idempotencyKey);
    return this.#serialize(ticketId, async () => {
      const stored = this.#store.insertIfAbsent(ticketId, opts.idempotencyKey, checked);
      const { ticket, inserted } = stored;
      if (!stored.handedOff && ticket.status === "open") await this.#handOff(stored);
      return { ticket_id: ticketId, status: ticket.status, already_existed: !inserted };
    });
  }

  async closeTicket(ticketId: string, reason: string): Promise<CloseTicketResult> {
    checkTicketId(ticketId);
    const why = checkReason(reason);
    return this.#serialize(ticketId, async () => {
      const stored = this.#store.get(ticketId);
      if (!stored) throw new TicketNotFoundError(ticketId);
      if (stored.ticket.status === "closed")
        return { ticket_id: ticketId, status: "closed", already_closed: true };
      const w = this.#words;
      const conversationId = stored.ticket.conversation_id;
      if (stored.closeNoteId === undefined) {
        const note = await this.#chatwoot.sendMessage({
          conversationId,
          content: `${w.ticket} ${ticketId} ${w.closed}. ${w.reason}: ${why}`,
          private: true,
          idempotencyKey: `ticket:${this.#store.companyId}:${ticketId}:closed`,
        });
        this.#store.recordNote(ticketId, "close", note.message_id);
      }
      await this.#chatwoot.toggleStatus(conversationId, "resolved");
      const changed = this.#store.close(ticketId, why);
      return { ticket_id: ticketId, status: "closed", already_closed: !changed };
    });
  }

  async getTicket(ticketId: string): Promise<Ticket | null> {
    if (!isTicketId(ticketId)) return null;
    return this.#store.get(ticketId)?.ticket ?? null;
  }

  /** Closes the index database when this service opened it. */
  close(): void {
    this.#store.closeDb();
  }

  async #handOff(stored: StoredTicket): Promise<void> {
    const { ticket } = stored;
    const w = this.#words;
    const lines = [
      `${w.ticket} ${ticket.ticket_id} · ${w.priorityLabel}: ${w.priority[ticket.priority]}`,
      `${w.subject}: ${ticket.subject}`,
      "",
      ticket.description,
    ];
    const c = ticket.customer;
    if (c) lines.push("", `${w.customer}: ${[c.name, c.phone, c.email].filter(Boolean).join(" · ")}`);
    if (stored.openNoteId === undefined) {
      const note = await this.#chatwoot.sendMessage({
        conversationId: ticket.conversation_id,
        content: lines.join("\n"),
        private: true,
        idempotencyKey: `ticket:${this.#store.companyId}:${ticket.ticket_id}:opened`,
      });
      this.#store.recordNote(ticket.ticket_id, "open", note.message_id);
    }
    await this.#chatwoot.addLabels(ticket.conversation_id, ["ticket", priorityLabel(ticket.priority)]);
    await this.#chatwoot.toggleStatus(ticket.conversation_id, "open");
    this.#store.markHandedOff(ticket.ticket_id);
  }

  async #serialize<T>(ticketId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#inFlight.get(ticketId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.#inFlight.set(ticketId, settled);
    try {
      return await run;
    } finally {
      if (this.#inFlight.get(ticketId) === settled) this.#inFlight.delete(ticketId);
    }
  }
}

function priorityLabel(priority: TicketPriority): string {
  return `priority-${priority}`;
}
