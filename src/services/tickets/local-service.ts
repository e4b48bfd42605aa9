import { TicketNotFoundError } from "./errors.js";
import { TicketStore, type TicketStoreOptions } from "./ticket-store.js";
import type {
  CloseTicketResult,
  CreateTicketInput,
  CreateTicketResult,
  Ticket,
  TicketService,
} from "./types.js";
import { checkCreateInput, checkReason, checkTicketId, isTicketId, ticketIdFor } from "./validation.js";

/**
 * Tickets kept in the embedded SQLite database (the default when no helpdesk is configured).
 *
 * @example
 * const tickets = new LocalTicketService({ companyId: "benova", path: ".data/tickets.db" });
 * const { ticket_id } = await tickets.createTicket(
 *   { conversation_id: 42, subject: "Factura duplicada", description: "...", priority: "high" },
 *   { idempotencyKey: "benova:thread-42:create_ticket" },
 * );
 * await tickets.closeTicket(ticket_id, "resuelto por teléfono");
 */
export class LocalTicketService implements TicketService {
  readonly #store: TicketStore;

  constructor(options: TicketStoreOptions) {
    this.#store = new TicketStore(options);
  }

  async createTicket(
    input: CreateTicketInput,
    opts: { idempotencyKey: string },
  ): Promise<CreateTicketResult> {
    const checked = checkCreateInput(input, opts?.idempotencyKey);
    const ticketId = ticketIdFor(this.#store.companyId, opts.idempotencyKey);
    const { ticket, inserted } = this.#store.insertIfAbsent(ticketId, opts.idempotencyKey, checked);
    return { ticket_id: ticketId, status: ticket.status, already_existed: !inserted };
  }

  async closeTicket(ticketId: string, reason: string): Promise<CloseTicketResult> {
    checkTicketId(ticketId);
    const why = checkReason(reason);
    if (!this.#store.get(ticketId)) throw new TicketNotFoundError(ticketId);
    const changed = this.#store.close(ticketId, why);
    return { ticket_id: ticketId, status: "closed", already_closed: !changed };
  }

  async getTicket(ticketId: string): Promise<Ticket | null> {
    if (!isTicketId(ticketId)) return null;
    return this.#store.get(ticketId)?.ticket ?? null;
  }

  /** Closes the database when this service opened it. */
  close(): void {
    this.#store.closeDb();
  }
}
