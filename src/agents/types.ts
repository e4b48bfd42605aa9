/**
 * The contract between the agent graph (src/graph) and the agents (src/agents). Agents are
 * replaceable objects: the graph only calls `route` on the router and `run` on the chosen agent, and
 * acts on the world itself (tool nodes) from what the agents leave in the shared context.
 */

/** The three agents the router can choose. */
export type AgentName = "sales" | "schedule" | "support";

/** Languages the replies are written in. */
export type Locale = "es" | "en";

/** What is known about the customer. */
export interface CustomerInfo {
  name?: string;
  email?: string;
  phone?: string;
}

/**
 * The appointment being arranged in this conversation. The schedule agent fills it over several
 * turns; `has_appointment` becomes true only once the customer confirmed it, and then the graph books
 * it (execute_booking -> send_notification). Field names follow the booking data of the
 * google_calendar tool (`treatment`, `date`, `time`, ...).
 */
export interface AppointmentState {
  treatment?: string;
  /** YYYY-MM-DD in the tenant's time zone. */
  date?: string;
  /** HH:MM (24 h) in the tenant's time zone. */
  time?: string;
  duration_minutes?: number;
  customer_name?: string;
  customer_email?: string;
  /** The agent asked "shall I book ...?" and waits for a yes or no. */
  awaiting_confirmation?: boolean;
  /** Confirmed by the customer: the graph books it. */
  has_appointment: boolean;
  /**
   * - `draft`: being filled; `confirmed`: has_appointment, not booked yet; `booked`: event created
   *   and notified; `cancel_requested`: the customer asked to cancel the booked appointment (the graph
   *   compensates it); `reschedule_requested`: cancel the booked one, then book the new date/time;
   *   `cancelled`; `failed`: the booking flow was rolled back.
   */
  status:
    | "draft"
    | "confirmed"
    | "booked"
    | "cancel_requested"
    | "reschedule_requested"
    | "cancelled"
    | "failed";
  /** Stable reference of this booking within the thread; step idempotency keys derive from it. */
  booking_ref?: string;
  /** The calendar event, once booked. */
  event_id?: string;
  /** The audit id of the booking (its compensation undoes it). */
  audit_id?: string;
  /**
   * The booked date and time being changed: set while a reschedule waits for the customer's yes
   * (status still `booked`, `date`/`time` holding the proposal) and kept with
   * `reschedule_requested`, so a "no" can restore the booking as it was.
   */
  rescheduled_from?: { date: string; time: string };
}

/** A support ticket the support agent wants opened (the create_ticket tool node opens it). */
export interface TicketState {
  subject: string;
  description: string;
  priority: "low" | "medium" | "high" | "urgent";
  /** complication | complaint | billing | human */
  reason: "complication" | "complaint" | "billing" | "human";
  /** True until the create_ticket node opened it. */
  needs_ticket: boolean;
  ticket_id?: string;
}

export interface SharedContext {
  customer: CustomerInfo;
  appointment: AppointmentState | null;
  ticket: TicketState | null;
}

/** One line of the conversation as agents see it. */
export interface Turn {
  role: "customer" | "agent";
  text: string;
}

/** A knowledge base passage (the knowledge_base tool's result items). */
export interface KnowledgePassage {
  content: string;
  metadata: Record<string, unknown>;
  score: number;
}

/**
 * Read-only helpers an agent may call while deciding. The graph implements them through the audited
 * ToolExecutor (knowledge_base, google_calendar check_availability), so they are audited too.
 */
export interface AgentTools {
  searchKnowledge(query: string, topK?: number): Promise<KnowledgePassage[]>;
  /** Free slot start times (HH:MM) of a date in the tenant's time zone; `open` false on a closed day. */
  checkAvailability(date: string): Promise<{ date: string; open: boolean; free: string[] }>;
}

export interface AgentInput {
  /** The customer's latest message. */
  text: string;
  /** Earlier turns of this conversation, oldest first (without `text`). */
  history: Turn[];
  sharedContext: SharedContext;
  companyId: string;
  userId: string;
  conversationId: string;
  locale: Locale;
  /** The clock of this turn (injected, so scripted conversations are reproducible). */
  now: Date;
  /** IANA time zone of the tenant. */
  timeZone: string;
  /** Clinic name used in replies. */
  clinicName: string;
  tools: AgentTools;
}

export interface AgentOutput {
  /** The answer to send the customer (the graph may append the outcome of tool nodes). */
  reply: string;
  /** Changes to the shared context; `customer` is merged, `appointment` and `ticket` replace. */
  sharedContext?: Partial<SharedContext>;
  /** A finer intent for the record, e.g. `schedule.book`, `schedule.cancel`, `sales.price`. */
  intent?: string;
}

/** A sales, schedule or support agent. */
export interface Agent {
  readonly name: AgentName;
  run(input: AgentInput): Promise<AgentOutput>;
}

/** Chooses the agent for a message. */
export interface RouterAgent {
  route(input: AgentInput): Promise<{ agent: AgentName; intent: string; locale: Locale }>;
}
