import { createHmac, randomUUID } from "node:crypto";

/** Builders for Chatwoot webhook deliveries (body and signed headers), as Chatwoot sends them. */

/** Chatwoot's message_type enum, as integers appear in API answers and nested webhook messages. */
export const MESSAGE_TYPE_INT = { incoming: 0, outgoing: 1, activity: 2, template: 3 } as const;

type ConversationStatus = "open" | "resolved" | "pending" | "snoozed";

/** The `X-Chatwoot-Signature` value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** The headers of one signed delivery; keep `deliveryId` to imitate a retry of the same delivery. */
export function webhookHeaders(
  secret: string,
  body: string,
  opts: { timestamp?: number; deliveryId?: string } = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    "content-type": "application/json",
    "x-chatwoot-signature": signWebhook(secret, body, timestamp),
    "x-chatwoot-timestamp": String(timestamp),
    "x-chatwoot-delivery": opts.deliveryId ?? randomUUID(),
  };
}

export interface WebhookAttachmentInput {
  id?: number;
  file_type: "image" | "audio" | "video" | "file" | "location" | "fallback";
  data_url: string;
  thumb_url?: string;
  file_size?: number;
  extension?: string | null;
}

export interface MessageCreatedInput {
  messageId?: number;
  content?: string | null;
  messageType?: "incoming" | "outgoing" | "template";
  private?: boolean;
  senderType?: "contact" | "user" | "agent_bot";
  contact?: { id?: number; name?: string; phone_number?: string; email?: string | null };
  conversationId?: number;
  conversationStatus?: ConversationStatus;
  labels?: string[];
  accountId?: number;
  accountName?: string;
  inboxId?: number;
  inboxName?: string;
  attachments?: WebhookAttachmentInput[];
  createdAt?: Date;
  sourceId?: string;
}

/** A `message_created` webhook body shaped like the ones Chatwoot delivers for a WhatsApp inbox. */
export function messageCreatedPayload(input: MessageCreatedInput = {}): Record<string, unknown> {
  const messageId = input.messageId ?? 5001;
  const accountId = input.accountId ?? 1;
  const inboxId = input.inboxId ?? 3;
  const conversationId = input.conversationId ?? 42;
  const created = input.createdAt ?? new Date();
  const messageType = input.messageType ?? "incoming";
  const phone = input.contact?.phone_number ?? "+34600111222";
  const contact = {
    id: input.contact?.id ?? 77,
    name: input.contact?.name ?? "Ana García",
    avatar: "",
    type: "contact",
    identifier: null,
    phone_number: phone,
    email: input.contact?.email ?? null,
    thumbnail: "",
    additional_attributes: {},
    custom_attributes: {},
  };
  const senderType = input.senderType ?? (messageType === "incoming" ? "contact" : "agent_bot");
  const sender =
    senderType === "contact"
      ? contact
      : senderType === "agent_bot"
        ? { id: 2, name: "Clinic bot", avatar_url: "", type: "agent_bot" }
        : {
            id: 5,
            name: "Laura (recepción)",
            available_name: "Laura",
            avatar_url: "",
            email: "laura@clinic.example",
            type: "user",
          };
  const sourceId = input.sourceId ?? `wamid.HBgL${messageId}`;
  const content = input.content === undefined ? "Hola, quisiera pedir una cita" : input.content;
  const attachments = (input.attachments ?? []).map((a, i) => ({
    id: a.id ?? 900 + i,
    message_id: messageId,
    file_type: a.file_type,
    account_id: accountId,
    extension: a.extension ?? null,
    data_url: a.data_url,
    thumb_url: a.thumb_url ?? "",
    file_size: a.file_size ?? 0,
    width: null,
    height: null,
  }));
  const unix = Math.floor(created.getTime() / 1000);
  const nested = {
    id: messageId,
    content,
    account_id: accountId,
    inbox_id: inboxId,
    conversation_id: conversationId,
    message_type: MESSAGE_TYPE_INT[messageType],
    created_at: unix,
    updated_at: created.toISOString(),
    private: input.private ?? false,
    status: "sent",
    source_id: sourceId,
    content_type: "text",
    content_attributes: {},
    sender_type: senderType === "contact" ? "Contact" : senderType === "agent_bot" ? "AgentBot" : "User",
    sender_id: sender.id,
    external_source_ids: {},
    additional_attributes: {},
    processed_message_content: content,
    sentiment: {},
    conversation: {
      assignee_id: null,
      unread_count: 1,
      last_activity_at: unix,
      contact_inbox: { source_id: phone.replace("+", "") },
    },
    ...(attachments.length > 0 ? { attachments } : {}),
    sender,
  };
  return {
    account: { id: accountId, name: input.accountName ?? "Benova Clínica" },
    additional_attributes: {},
    content_attributes: {},
    content_type: "text",
    content,
    conversation: {
      additional_attributes: {},
      can_reply: true,
      channel: "Channel::Whatsapp",
      contact_inbox: {
        id: 61,
        contact_id: contact.id,
        inbox_id: inboxId,
        source_id: phone.replace("+", ""),
        created_at: created.toISOString(),
        updated_at: created.toISOString(),
        hmac_verified: false,
        pubsub_token: "pX1a2b3c4d5e6f",
      },
      id: conversationId,
      inbox_id: inboxId,
      messages: [nested],
      labels: input.labels ?? [],
      meta: { sender: contact, assignee: null, team: null, hmac_verified: false },
      status: input.conversationStatus ?? "pending",
      custom_attributes: {},
      snoozed_until: null,
      unread_count: 1,
      first_reply_created_at: null,
      priority: null,
      waiting_since: unix,
      agent_last_seen_at: 0,
      contact_last_seen_at: 0,
      last_activity_at: unix,
      timestamp: unix,
      created_at: unix,
      updated_at: unix,
    },
    created_at: created.toISOString(),
    id: messageId,
    inbox: { id: inboxId, name: input.inboxName ?? "WhatsApp Benova" },
    message_type: messageType,
    private: input.private ?? false,
    sender,
    source_id: sourceId,
    event: "message_created",
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

/** One delivery as Chatwoot sends it: the raw JSON text and its headers (signed when a secret is given). */
export function chatwootDelivery(
  payload: unknown,
  opts: { secret?: string; timestamp?: number; deliveryId?: string } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const headers = opts.secret
    ? webhookHeaders(opts.secret, body, opts)
    : { "content-type": "application/json", "x-chatwoot-delivery": opts.deliveryId ?? randomUUID() };
  return { body, headers };
}

/** A webhook event other than `message_created` (e.g. `conversation_status_changed`). */
export function conversationEventPayload(
  event: string,
  input: { accountId?: number; conversationId?: number; status?: ConversationStatus } = {},
): Record<string, unknown> {
  return {
    event,
    account: { id: input.accountId ?? 1, name: "Benova Clínica" },
    id: input.conversationId ?? 42,
    status: input.status ?? "open",
    inbox_id: 3,
    meta: { assignee: null },
    changed_attributes: [{ status: { previous_value: "pending", current_value: input.status ?? "open" } }],
  };
}
