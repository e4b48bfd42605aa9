import type { z } from "zod";
import type { CalendarService } from "../services/calendar/index.js";
import type { ChatwootService } from "../services/chatwoot/index.js";
import type { EmailService } from "../services/email/index.js";
import type { VectorstoreService } from "../services/knowledge/index.js";
import type { MultimediaService } from "../services/multimedia/index.js";
import type { TicketService } from "../services/tickets/index.js";

/** The services a tool may need, each injected through its `set...Service` call. */
export interface ToolServices {
  vectorstore?: VectorstoreService;
  calendar?: CalendarService;
  email?: EmailService;
  chatwoot?: ChatwootService;
  multimedia?: MultimediaService;
  tickets?: TicketService;
}
export type ServiceName = keyof ToolServices;

/** Who is acting, for the audit trail. */
export interface ToolContext {
  userId?: string | null;
  agentName?: string | null;
  conversationId?: string | null;
  sagaId?: string | null;
  /** A stable key for this step (tenant + thread + step, or a business key): a repeat never acts twice. */
  idempotencyKey?: string | null;
  tags?: string[];
}

export interface ExecuteToolInput extends ToolContext {
  toolName: string;
  parameters: Record<string, unknown>;
}

/** What every execution returns; tool failures are reported here, never thrown. */
export interface ToolResult<T = unknown> {
  success: boolean;
  tool: string;
  data: T | null;
  error: string | null;
  /** The audit entry of this execution (null only when the audit write itself failed). */
  auditId: string | null;
  /**
   * Stable error code: UNKNOWN_TOOL, INVALID_PARAMETERS, SERVICE_NOT_CONFIGURED, AUDIT_UNAVAILABLE,
   * ALREADY_COMPENSATED, OUTCOME_UNKNOWN, LEASE_LOST, NOT_FOUND, NOT_COMPENSABLE, ILLEGAL_STATE, or
   * the failure's own (ETIMEDOUT, HTTP_503, a service's code, TOOL_FAILED).
   */
  errorCode?: string;
  /**
   * Whether running the same call again later may succeed (a store outage, a time-out, a 5xx): callers
   * decide on retries from this, never from lists of codes. Always false on success and for final
   * refusals (bad input, unknown tool, nothing to undo, or an outcome still unknown).
   */
  retriable: boolean;
  attempts?: number;
  /** True when an earlier successful execution with the same idempotency key was returned. */
  replayed?: boolean;
}

/** The durable form of an undo: a tool call that can be stored and run by any process. */
export interface CompensationPlan {
  toolName: string;
  parameters: Record<string, unknown>;
}

/** The tenant's settings that customer-facing follow-ups (e.g. the cancellation email) use. */
export interface TenantInfo {
  /** Shown as the clinic's name; when unset the email service's own setting applies. */
  clinicName?: string;
  /** Shown as the clinic's phone number, when set. */
  clinicPhone?: string;
  locale: string;
}

/** What a tool handler receives besides its parameters. */
export interface ToolRunContext {
  companyId: string;
  /** Always set: the caller's key, or one derived from the audit id. */
  idempotencyKey: string;
  signal: AbortSignal;
  attempt: number;
  context: ToolContext;
}

/** One registry entry: schema, handler and compensation of a tool. */
export interface ToolDefinition<P extends Record<string, unknown> = Record<string, unknown>, R = unknown> {
  name: string;
  description: string;
  /** Audit action type (booking, notification, ticket, rag_search, api_call, ...). */
  actionType: string;
  service: ServiceName;
  schema: z.ZodType<P>;
  /** The audit action name for these parameters, e.g. `google_calendar.create_booking`. */
  actionName?(params: P): string;
  /** The undo for this call: known before it runs (name) and completed from the result (parameters). */
  compensation?(params: P): { toolName: string; parameters(result: R): Record<string, unknown> } | null;
  run(params: P, services: Required<ToolServices>, ctx: ToolRunContext): Promise<R>;
  /**
   * Calls to make once this call was undone (e.g. tell the customer the booking was cancelled).
   * Each runs as its own audited execution; a failure there does not undo the compensation.
   */
  afterCompensation?(params: P, result: R, tenant: TenantInfo): CompensationPlan[];
  /**
   * After a crash: whether the effect of a call left `pending` happened, where the tool can tell
   * (e.g. the calendar event with the id derived from the idempotency key exists).
   */
  reconcile?(
    params: P,
    services: Required<ToolServices>,
    idempotencyKey: string,
    companyId: string,
  ): Promise<{ happened: boolean; result?: R } | null>;
}

/** How `getToolInfo` describes a tool. */
export interface ToolInfo {
  name: string;
  description: string;
  actionType: string;
  compensable: boolean;
  compensationTool: string | null;
  service: ServiceName;
  serviceSetter: string;
  serviceInjected: boolean;
  parameters: Record<string, unknown>;
}
