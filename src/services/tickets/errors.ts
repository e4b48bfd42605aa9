/** Input that cannot make a ticket; the message names the field and what is expected. */
export class TicketInputError extends Error {
  override readonly name = "TicketInputError";
  readonly code = "INVALID_INPUT";
  readonly retriable = false;
  constructor(
    readonly field: string,
    expected: string,
  ) {
    super(`invalid ${field}: expected ${expected}`);
  }
}

/** No ticket with this id exists for the tenant. */
export class TicketNotFoundError extends Error {
  override readonly name = "TicketNotFoundError";
  readonly code = "NOT_FOUND";
  readonly retriable = false;
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} does not exist for this tenant; check the id returned by create_ticket`);
  }
}
