import { z } from "zod";
import {
  type CloseTicketResult,
  type CreateTicketResult,
  ticketIdFor,
} from "../../services/tickets/index.js";
import { defineTool } from "../define-tool.js";
import { ConversationId } from "../schemas.js";

const createSchema = z.object({
  conversation_id: ConversationId,
  subject: z.string().trim().min(3, "expected a short subject").max(200),
  description: z.string().trim().min(1, "expected a description of the problem").max(5000),
  priority: z
    .enum(["low", "medium", "high", "urgent"], { message: "expected low, medium, high or urgent" })
    .default("medium"),
  customer_name: z.string().optional(),
  customer_phone: z.string().optional(),
  customer_email: z.string().optional(),
});
/** Opens a support ticket and hands the conversation to a human. */
export const createTicketTool = defineTool({
  name: "create_ticket",
  description:
    "Open a support ticket for a customer's problem (complaint, adverse reaction, billing issue) and hand the conversation to a human agent.",
  actionType: "ticket",
  service: "tickets",
  schema: createSchema,
  compensation: () => ({
    toolName: "close_ticket",
    parameters: (result: CreateTicketResult) => ({ ticket_id: result.ticket_id, reason: "rolled back" }),
  }),
  run: (p, s, ctx): Promise<CreateTicketResult> => {
    const customer = { name: p.customer_name, phone: p.customer_phone, email: p.customer_email };
    const hasCustomer = Object.values(customer).some(Boolean);
    return s.tickets.createTicket(
      {
        conversation_id: p.conversation_id,
        subject: p.subject,
        description: p.description,
        priority: p.priority,
        ...(hasCustomer ? { customer } : {}),
      },
      { idempotencyKey: ctx.idempotencyKey },
    );
  },
  async reconcile(_p, s, idempotencyKey, companyId) {
    // Ticket ids are derived from the tenant and the idempotency key, so the ticket a lost call
    // would have opened can be looked up.
    const ticket = await s.tickets.getTicket(ticketIdFor(companyId, idempotencyKey));
    return ticket
      ? {
          happened: true,
          result: { ticket_id: ticket.ticket_id, status: ticket.status, already_existed: true },
        }
      : { happened: false };
  },
});

const closeSchema = z.object({
  ticket_id: z.string().trim().min(1, "expected the ticket id"),
  reason: z.string().trim().min(1, "expected a reason").max(1000).default("closed"),
});
/** Closes a ticket; the compensation of create_ticket. */
export const closeTicketTool = defineTool({
  name: "close_ticket",
  description: "Close a support ticket (used to undo create_ticket).",
  actionType: "ticket",
  service: "tickets",
  schema: closeSchema,
  run: (p, s): Promise<CloseTicketResult> => s.tickets.closeTicket(p.ticket_id, p.reason),
});
