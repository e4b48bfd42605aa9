import { createHash } from "node:crypto";
import { TicketInputError } from "./errors.js";
import type { CreateTicketInput, TicketPriority } from "./types.js";

export const TICKET_PRIORITIES: readonly TicketPriority[] = ["low", "medium", "high", "urgent"];
const TICKET_ID = /^tkt_[0-9a-f]{24}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The ticket id is derived from the tenant and the idempotency key, so a retry, a resumed graph
 * or a redelivered webhook computes the same id and cannot open a second ticket.
 */
export function ticketIdFor(companyId: string, idempotencyKey: string): string {
  return `tkt_${createHash("sha256").update(`${companyId}\n${idempotencyKey}`).digest("hex").slice(0, 24)}`;
}

function text(field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new TicketInputError(field, "a non-empty string");
  if (value.length > max) throw new TicketInputError(field, `at most ${max} characters`);
  return value.trim();
}

/** Checks and trims the input; the result is what gets stored. */
export function checkCreateInput(input: CreateTicketInput, idempotencyKey: unknown): CreateTicketInput {
  if (typeof input !== "object" || input === null) throw new TicketInputError("input", "an object");
  const id = input.conversation_id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    throw new TicketInputError("conversation_id", "a positive whole number (the Chatwoot conversation id)");
  }
  if (!TICKET_PRIORITIES.includes(input.priority)) {
    throw new TicketInputError("priority", `one of ${TICKET_PRIORITIES.join(", ")}`);
  }
  text("idempotencyKey", idempotencyKey, 500);
  const out: CreateTicketInput = {
    conversation_id: id,
    subject: text("subject", input.subject, 255),
    description: text("description", input.description, 10_000),
    priority: input.priority,
  };
  const c = input.customer;
  if (c !== undefined) {
    if (typeof c !== "object" || c === null)
      throw new TicketInputError("customer", "an object {name?, phone?, email?}");
    const customer: NonNullable<CreateTicketInput["customer"]> = {};
    if (c.name !== undefined) customer.name = text("customer.name", c.name, 255);
    if (c.phone !== undefined) customer.phone = text("customer.phone", c.phone, 40);
    if (c.email !== undefined) {
      if (typeof c.email !== "string" || !EMAIL.test(c.email)) {
        throw new TicketInputError("customer.email", "an email address such as ana@example.com");
      }
      customer.email = c.email;
    }
    if (Object.keys(customer).length > 0) out.customer = customer;
  }
  return out;
}

export function isTicketId(value: unknown): value is string {
  return typeof value === "string" && TICKET_ID.test(value);
}

export function checkTicketId(ticketId: unknown): string {
  if (typeof ticketId !== "string" || !TICKET_ID.test(ticketId)) {
    throw new TicketInputError(
      "ticket_id",
      "an id returned by create_ticket, such as tkt_0123456789abcdef01234567",
    );
  }
  return ticketId;
}

export function checkReason(reason: unknown): string {
  return text("reason", reason, 2_000);
}
