/** WhatsApp template for a message outside the 24-hour customer-care window. */
export interface ChatwootTemplateParams {
  name: string;
  category: string;
  language: string;
  processed_params: { body: Record<string, string> };
}

export interface SendMessageInput {
  /** The conversation's display id (the one in Chatwoot URLs). */
  conversationId: number;
  content: string;
  /** A private note is seen by agents only, never by the customer. */
  private?: boolean;
  templateParams?: ChatwootTemplateParams;
  /** The same key never sends twice: the first result is returned again. */
  idempotencyKey?: string;
}

export interface SentMessage {
  message_id: number;
  conversation_id: number;
}

export type ConversationStatus = "open" | "resolved" | "pending" | "snoozed";

/** What the `send_whatsapp` tool and the ticket service need from Chatwoot. */
export interface ChatwootService {
  sendMessage(input: SendMessageInput): Promise<SentMessage>;
  /** Adds labels to the conversation, keeping the ones it already has; returns the full set. */
  addLabels(conversationId: number, labels: string[]): Promise<{ labels: string[] }>;
  toggleStatus(conversationId: number, status: ConversationStatus): Promise<{ status: string }>;
}

/** Where sent idempotency keys are remembered (a Redis hash, a SQLite table, or memory). */
export interface ChatwootDedupStore {
  get(key: string): Promise<SentMessage | undefined>;
  set(key: string, value: SentMessage): Promise<void>;
}
