import type Database from "better-sqlite3";
import { openSqlite } from "../../util/sqlite.js";
import { TicketInputError } from "./errors.js";
import type { CreateTicketInput, Ticket, TicketCustomer, TicketPriority, TicketStatus } from "./types.js";

export interface TicketStoreOptions {
  companyId: string;
  /** SQLite file, or `:memory:` (the default). Ignored when `database` is given. */
  path?: string;
  /** An open connection to share with other embedded stores. */
  database?: Database.Database;
}

interface Row {
  ticket_id: string;
  conversation_id: number;
  subject: string;
  description: string;
  priority: TicketPriority;
  customer: string | null;
  status: TicketStatus;
  created_at: string;
  closed_at: string | null;
  close_reason: string | null;
  handed_off_at: string | null;
  open_note_id: number | null;
  close_note_id: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tickets (
  company_id TEXT NOT NULL,
  ticket_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  conversation_id INTEGER NOT NULL,
  subject TEXT NOT NULL,
  description TEXT NOT NULL,
  priority TEXT NOT NULL,
  customer TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  created_at TEXT NOT NULL,
  closed_at TEXT,
  close_reason TEXT,
  handed_off_at TEXT,
  open_note_id INTEGER,
  close_note_id INTEGER,
  PRIMARY KEY (company_id, ticket_id)
);
CREATE INDEX IF NOT EXISTS tickets_conversation ON tickets (company_id, conversation_id);`;

/** A stored ticket plus how far its hand-off to the helpdesk got. */
export interface StoredTicket {
  ticket: Ticket;
  handedOff: boolean;
  /** The helpdesk message that announced the ticket, once sent. */
  openNoteId?: number;
  /** The helpdesk message that gave the closing reason, once sent. */
  closeNoteId?: number;
}

/**
 * The tickets of one tenant in SQLite. Rows are keyed by (company_id, ticket_id), and every
 * statement filters by company_id, so one tenant can neither read nor close another's tickets.
 */
export class TicketStore {
  readonly #db: Database.Database;
  readonly #ownsDb: boolean;
  readonly companyId: string;

  constructor(options: TicketStoreOptions) {
    if (typeof options.companyId !== "string" || options.companyId === "") {
      throw new TicketInputError("companyId", "the tenant id, e.g. benova");
    }
    this.companyId = options.companyId;
    this.#ownsDb = options.database === undefined;
    this.#db = options.database ?? openSqlite(options.path ?? ":memory:");
    this.#db.exec(SCHEMA);
  }

  /** Inserts the ticket unless its id exists; either way returns the stored row. */
  insertIfAbsent(
    ticketId: string,
    key: string,
    input: CreateTicketInput,
  ): StoredTicket & { inserted: boolean } {
    const result = this.#db
      .prepare(
        `INSERT INTO tickets (company_id, ticket_id, idempotency_key, conversation_id, subject, description, priority, customer, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT (company_id, ticket_id) DO NOTHING`,
      )
      .run(
        this.companyId,
        ticketId,
        key,
        input.conversation_id,
        input.subject,
        input.description,
        input.priority,
        input.customer ? JSON.stringify(input.customer) : null,
        new Date().toISOString(),
      );
    const stored = this.get(ticketId);
    if (!stored) throw new Error(`ticket ${ticketId} vanished right after insert`);
    return { ...stored, inserted: result.changes === 1 };
  }

  get(ticketId: string): StoredTicket | null {
    const row = this.#db
      .prepare("SELECT * FROM tickets WHERE company_id = ? AND ticket_id = ?")
      .get(this.companyId, ticketId) as Row | undefined;
    if (!row) return null;
    return {
      ticket: toTicket(row),
      handedOff: row.handed_off_at !== null,
      ...(row.open_note_id !== null ? { openNoteId: row.open_note_id } : {}),
      ...(row.close_note_id !== null ? { closeNoteId: row.close_note_id } : {}),
    };
  }

  markHandedOff(ticketId: string): void {
    this.#db
      .prepare(
        "UPDATE tickets SET handed_off_at = ? WHERE company_id = ? AND ticket_id = ? AND handed_off_at IS NULL",
      )
      .run(new Date().toISOString(), this.companyId, ticketId);
  }

  /** Records the helpdesk message that announced (`open`) or closed (`close`) the ticket. */
  recordNote(ticketId: string, which: "open" | "close", messageId: number): void {
    const column = which === "open" ? "open_note_id" : "close_note_id";
    this.#db
      .prepare(`UPDATE tickets SET ${column} = ? WHERE company_id = ? AND ticket_id = ?`)
      .run(messageId, this.companyId, ticketId);
  }

  /** Closes an open ticket; false when it was already closed (or does not exist). */
  close(ticketId: string, reason: string): boolean {
    const result = this.#db
      .prepare(
        "UPDATE tickets SET status = 'closed', closed_at = ?, close_reason = ? WHERE company_id = ? AND ticket_id = ? AND status = 'open'",
      )
      .run(new Date().toISOString(), reason, this.companyId, ticketId);
    return result.changes === 1;
  }

  /** Closes the connection when this store opened it. */
  closeDb(): void {
    if (this.#ownsDb) this.#db.close();
  }
}

function toTicket(row: Row): Ticket {
  return {
    ticket_id: row.ticket_id,
    conversation_id: row.conversation_id,
    subject: row.subject,
    description: row.description,
    priority: row.priority,
    ...(row.customer ? { customer: JSON.parse(row.customer) as TicketCustomer } : {}),
    status: row.status,
    created_at: row.created_at,
    ...(row.closed_at ? { closed_at: row.closed_at } : {}),
    ...(row.close_reason ? { close_reason: row.close_reason } : {}),
  };
}
