import type Database from "better-sqlite3";
import { openSqlite } from "../../util/sqlite.js";
import { ChatwootInputError } from "./errors.js";
import type {
  ChatwootService,
  ChatwootTemplateParams,
  ConversationStatus,
  SendMessageInput,
  SentMessage,
} from "./types.js";
import { checkConversationId, checkLabels, checkSendInput, checkStatus } from "./validation.js";

export interface LocalChatwootOptions {
  companyId: string;
  /** SQLite file, or `:memory:` (the default). Ignored when `database` is given. */
  path?: string;
  /** An open connection to share with other embedded stores. */
  database?: Database.Database;
}

/** A message as the embedded store keeps it. */
export interface StoredMessage {
  message_id: number;
  conversation_id: number;
  content: string;
  private: boolean;
  message_type: "outgoing";
  template_params?: ChatwootTemplateParams;
  idempotency_key?: string;
  created_at: string;
}

interface MessageRow {
  id: number;
  conversation_id: number;
  content: string;
  private: number;
  template_params: string | null;
  idempotency_key: string | null;
  created_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chatwoot_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  company_id TEXT NOT NULL,
  conversation_id INTEGER NOT NULL,
  content TEXT NOT NULL,
  private INTEGER NOT NULL,
  template_params TEXT,
  idempotency_key TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chatwoot_messages_conv ON chatwoot_messages (company_id, conversation_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS chatwoot_messages_key ON chatwoot_messages (company_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS chatwoot_labels (
  company_id TEXT NOT NULL,
  conversation_id INTEGER NOT NULL,
  label TEXT NOT NULL,
  added_at TEXT NOT NULL,
  PRIMARY KEY (company_id, conversation_id, label)
);
CREATE TABLE IF NOT EXISTS chatwoot_conversations (
  company_id TEXT NOT NULL,
  conversation_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (company_id, conversation_id)
);`;

/**
 * The embedded stand-in for Chatwoot: outgoing messages, labels and statuses go to SQLite instead
 * of a live Chatwoot, so the demo and tests can see what would have been sent. Every row belongs
 * to one tenant (`company_id`); one tenant never sees another's conversations.
 *
 * @example
 * const chatwoot = new LocalChatwootService({ companyId: "benova", path: ".data/chatwoot.db" });
 * await chatwoot.sendMessage({ conversationId: 7, content: "Hola" });
 * await chatwoot.listMessages(7); // [{ content: "Hola", ... }]
 */
export class LocalChatwootService implements ChatwootService {
  readonly #db: Database.Database;
  readonly #ownsDb: boolean;
  readonly #companyId: string;

  constructor(options: LocalChatwootOptions) {
    if (typeof options.companyId !== "string" || options.companyId === "") {
      throw new ChatwootInputError("companyId", "the tenant id, e.g. benova");
    }
    this.#companyId = options.companyId;
    this.#ownsDb = options.database === undefined;
    this.#db = options.database ?? openSqlite(options.path ?? ":memory:");
    this.#db.exec(SCHEMA);
  }

  async sendMessage(input: SendMessageInput): Promise<SentMessage> {
    checkSendInput(input);
    const key = input.idempotencyKey ?? null;
    const insert = this.#db.transaction((): number => {
      if (key !== null) {
        const first = this.#db
          .prepare("SELECT id FROM chatwoot_messages WHERE company_id = ? AND idempotency_key = ?")
          .get(this.#companyId, key) as { id: number } | undefined;
        if (first) return first.id;
      }
      const result = this.#db
        .prepare(
          `INSERT INTO chatwoot_messages (company_id, conversation_id, content, private, template_params, idempotency_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.#companyId,
          input.conversationId,
          input.content,
          input.private ? 1 : 0,
          input.templateParams ? JSON.stringify(input.templateParams) : null,
          key,
          new Date().toISOString(),
        );
      return Number(result.lastInsertRowid);
    });
    const id = insert.immediate();
    const row = this.#db.prepare("SELECT conversation_id FROM chatwoot_messages WHERE id = ?").get(id) as {
      conversation_id: number;
    };
    return { message_id: id, conversation_id: row.conversation_id };
  }

  async addLabels(conversationId: number, labels: string[]): Promise<{ labels: string[] }> {
    checkConversationId(conversationId);
    const wanted = checkLabels(labels);
    const now = new Date().toISOString();
    const add = this.#db.prepare(
      "INSERT OR IGNORE INTO chatwoot_labels (company_id, conversation_id, label, added_at) VALUES (?, ?, ?, ?)",
    );
    this.#db.transaction(() => {
      for (const label of wanted) add.run(this.#companyId, conversationId, label, now);
    })();
    return { labels: await this.getLabels(conversationId) };
  }

  async toggleStatus(conversationId: number, status: ConversationStatus): Promise<{ status: string }> {
    checkConversationId(conversationId);
    checkStatus(status);
    this.#db
      .prepare(
        `INSERT INTO chatwoot_conversations (company_id, conversation_id, status, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (company_id, conversation_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      )
      .run(this.#companyId, conversationId, status, new Date().toISOString());
    return { status };
  }

  /** The messages sent to a conversation, oldest first. */
  async listMessages(conversationId: number): Promise<StoredMessage[]> {
    checkConversationId(conversationId);
    const rows = this.#db
      .prepare("SELECT * FROM chatwoot_messages WHERE company_id = ? AND conversation_id = ? ORDER BY id")
      .all(this.#companyId, conversationId) as MessageRow[];
    return rows.map((r) => ({
      message_id: r.id,
      conversation_id: r.conversation_id,
      content: r.content,
      private: r.private === 1,
      message_type: "outgoing",
      ...(r.template_params
        ? { template_params: JSON.parse(r.template_params) as ChatwootTemplateParams }
        : {}),
      ...(r.idempotency_key ? { idempotency_key: r.idempotency_key } : {}),
      created_at: r.created_at,
    }));
  }

  /** The conversation's labels in the order they were added. */
  async getLabels(conversationId: number): Promise<string[]> {
    const rows = this.#db
      .prepare(
        "SELECT label FROM chatwoot_labels WHERE company_id = ? AND conversation_id = ? ORDER BY added_at, rowid",
      )
      .all(this.#companyId, conversationId) as { label: string }[];
    return rows.map((r) => r.label);
  }

  /** The last status set, or undefined when the conversation was never toggled here. */
  async getStatus(conversationId: number): Promise<ConversationStatus | undefined> {
    const row = this.#db
      .prepare("SELECT status FROM chatwoot_conversations WHERE company_id = ? AND conversation_id = ?")
      .get(this.#companyId, conversationId) as { status: ConversationStatus } | undefined;
    return row?.status;
  }

  /** Closes the connection when this service opened it. */
  close(): void {
    if (this.#ownsDb) this.#db.close();
  }
}
