import type { IncomingTurn } from "../queue/types.js";
import { firstIssue, type MessageCreated, MessageCreatedSchema } from "./payload.js";

/** Why a well-formed delivery is not work for the bot (bounded: these are also metric labels). */
export type IgnoredCode =
  | "other_event"
  | "private_note"
  | "not_incoming"
  | "not_from_contact"
  | "empty_message"
  | "human_handling";

export type Triage =
  | { kind: "invalid"; reason: string }
  | { kind: "ignored"; code: IgnoredCode; reason: string }
  | { kind: "work"; message: MessageCreated };

/**
 * Sorts a parsed delivery: invalid (400), not work (200 ignored, with the reason) or an incoming
 * contact message for the bot. Only `incoming`, non-private messages from a contact, with text or
 * an attachment, in a conversation no person has (status not `open`, no assignee) are work.
 */
export function triage(body: unknown): Triage {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { kind: "invalid", reason: "body: expected a JSON object" };
  const event = (body as { event?: unknown }).event;
  if (typeof event !== "string")
    return {
      kind: "invalid",
      reason: event === undefined ? "event: missing, expected a string" : "event: expected a string",
    };
  if (event !== "message_created")
    return { kind: "ignored", code: "other_event", reason: `event ${clip(event)} is not a new message` };
  const parsed = MessageCreatedSchema.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: firstIssue(parsed.error) };
  const message = parsed.data;
  if (message.private === true) return { kind: "ignored", code: "private_note", reason: "private note" };
  if (message.message_type !== "incoming")
    return {
      kind: "ignored",
      code: "not_incoming",
      reason: `${clip(message.message_type)} message, not incoming`,
    };
  if (message.sender.type !== "contact")
    return {
      kind: "ignored",
      code: "not_from_contact",
      reason: `sender is ${clip(message.sender.type)}, not a contact`,
    };
  if ((message.content ?? "").trim() === "" && attachmentsOf(message).length === 0)
    return { kind: "ignored", code: "empty_message", reason: "no text and no attachment" };
  if (message.conversation.status === "open")
    return { kind: "ignored", code: "human_handling", reason: "conversation is open: a person has it" };
  if (message.conversation.meta?.assignee)
    return { kind: "ignored", code: "human_handling", reason: "conversation has a human assignee" };
  return { kind: "work", message };
}

/** The queue's turn for an incoming contact message. */
export function toTurn(
  message: MessageCreated,
  companyId: string,
  deliveryId: string | null,
  receivedAt: number,
): IncomingTurn {
  const phone = message.sender.phone_number?.trim();
  const name = message.sender.name?.trim();
  return {
    companyId,
    accountId: message.account.id,
    conversationId: message.conversation.id,
    messageId: message.id,
    deliveryId,
    userId: phone ? phone : `contact:${message.sender.id}`,
    senderName: name ? name : null,
    text: message.content ?? "",
    attachments: attachmentsOf(message),
    receivedAt,
  };
}

function attachmentsOf(message: MessageCreated): IncomingTurn["attachments"] {
  return (message.attachments ?? []).flatMap((a) =>
    a.data_url ? [{ fileType: a.file_type, dataUrl: a.data_url, extension: a.extension ?? null }] : [],
  );
}

function clip(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
