import { ChatwootInputError } from "./errors.js";
import type { ConversationStatus, SendMessageInput } from "./types.js";

export const CONVERSATION_STATUSES: readonly ConversationStatus[] = [
  "open",
  "resolved",
  "pending",
  "snoozed",
];
/** Chatwoot rejects longer messages; WhatsApp itself stops at 4096. */
export const MAX_CONTENT_LENGTH = 150_000;
const LABEL = /^[\p{L}\p{N}_-]{1,255}$/u;

export function checkConversationId(id: unknown): number {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    throw new ChatwootInputError("conversationId", "a positive whole number (the conversation's display id)");
  }
  return id;
}

export function checkSendInput(input: SendMessageInput): void {
  checkConversationId(input.conversationId);
  if (typeof input.content !== "string") throw new ChatwootInputError("content", "a string");
  if (input.content.trim() === "" && !input.templateParams) {
    throw new ChatwootInputError(
      "content",
      "a non-empty message (or templateParams for a WhatsApp template)",
    );
  }
  if (input.content.length > MAX_CONTENT_LENGTH) {
    throw new ChatwootInputError("content", `at most ${MAX_CONTENT_LENGTH} characters`);
  }
  const t = input.templateParams;
  if (t) {
    for (const key of ["name", "category", "language"] as const) {
      if (typeof t[key] !== "string" || t[key].trim() === "") {
        throw new ChatwootInputError(`templateParams.${key}`, "a non-empty string");
      }
    }
    const body = t.processed_params?.body;
    if (typeof body !== "object" || body === null || Object.values(body).some((v) => typeof v !== "string")) {
      throw new ChatwootInputError(
        "templateParams.processed_params.body",
        'an object of strings such as {"1": "Ana"}',
      );
    }
  }
  if (
    input.idempotencyKey !== undefined &&
    (typeof input.idempotencyKey !== "string" || input.idempotencyKey === "")
  ) {
    throw new ChatwootInputError("idempotencyKey", "a non-empty string");
  }
}

export function checkLabels(labels: unknown): string[] {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new ChatwootInputError("labels", "a non-empty list of label names");
  }
  for (const label of labels) {
    if (typeof label !== "string" || !LABEL.test(label)) {
      throw new ChatwootInputError(
        "labels",
        `names of letters, digits, - or _ (got ${JSON.stringify(label)})`,
      );
    }
  }
  return [...new Set(labels as string[])];
}

export function checkStatus(status: unknown): ConversationStatus {
  if (!CONVERSATION_STATUSES.includes(status as ConversationStatus)) {
    throw new ChatwootInputError("status", `one of ${CONVERSATION_STATUSES.join(", ")}`);
  }
  return status as ConversationStatus;
}
