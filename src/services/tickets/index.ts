export { type ChatwootTicketOptions, ChatwootTicketService } from "./chatwoot-service.js";
export { TicketInputError, TicketNotFoundError } from "./errors.js";
export { LocalTicketService } from "./local-service.js";
export type { TicketStoreOptions } from "./ticket-store.js";
export type {
  CloseTicketResult,
  CreateTicketInput,
  CreateTicketResult,
  Ticket,
  TicketCustomer,
  TicketPriority,
  TicketService,
  TicketStatus,
} from "./types.js";
export { TICKET_PRIORITIES, ticketIdFor } from "./validation.js";
