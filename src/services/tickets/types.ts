export type TicketPriority = "low" | "medium" | "high" | "urgent";
export type TicketStatus = "open" | "closed";

export interface TicketCustomer {
  name?: string;
  phone?: string;
  email?: string;
}

export interface CreateTicketInput {
  /** The Chatwoot conversation (display id) the problem came from. */
  conversation_id: number;
  subject: string;
  description: string;
  priority: TicketPriority;
  customer?: TicketCustomer;
}

export interface Ticket {
  ticket_id: string;
  conversation_id: number;
  subject: string;
  description: string;
  priority: TicketPriority;
  customer?: TicketCustomer;
  status: TicketStatus;
  created_at: string;
  closed_at?: string;
  close_reason?: string;
}

export interface CreateTicketResult {
  ticket_id: string;
  /**
   * `open` for a new ticket. A retry with the key of a ticket that was closed meanwhile (say, by a
   * compensation) answers `closed`: the ticket is reported as it is, never reopened behind the user's back.
   */
  status: TicketStatus;
  /** True when the idempotency key had already opened this ticket: nothing new was created. */
  already_existed: boolean;
}

export interface CloseTicketResult {
  ticket_id: string;
  status: "closed";
  /** True when the ticket was closed before this call: nothing changed. */
  already_closed: boolean;
}

/** Support tickets, as the `create_ticket` tool and its `close_ticket` compensation use them. */
export interface TicketService {
  createTicket(input: CreateTicketInput, opts: { idempotencyKey: string }): Promise<CreateTicketResult>;
  closeTicket(ticketId: string, reason: string): Promise<CloseTicketResult>;
  getTicket(ticketId: string): Promise<Ticket | null>;
}
