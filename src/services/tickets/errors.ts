import { AgentLedgerError, InputError } from "../../util/errors.js";
/** Input that cannot make a ticket; the message names the field and what is expected. */
export class TicketInputError extends InputError {
  override readonly name = "TicketInputError";
}

/** No ticket with this id exists for the tenant. */
export class TicketNotFoundError extends AgentLedgerError {
  override readonly name = "TicketNotFoundError";
  readonly code = "NOT_FOUND";
  readonly retriable = false;
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} does not exist for this tenant; check the id returned by create_ticket`);
  }
}
