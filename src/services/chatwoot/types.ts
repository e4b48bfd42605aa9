import type { SendClaimStore } from "../../util/send-claims.js";

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

/**
 * Where sends are claimed and sent idempotency keys remembered (Redis, a SQLite table, or memory),
 * so that of several processes sending one key exactly one posts. Results are SentMessage JSON.
 */
export type ChatwootDedupStore = SendClaimStore;
