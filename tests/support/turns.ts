import type { IncomingTurn } from "../../src/server/queue/types.js";

let nextMessageId = 5000;

/** An incoming customer message as the webhook would enqueue it (a fresh message id unless given). */
export function incomingTurn(over: Partial<IncomingTurn> & { conversationId: number }): IncomingTurn {
  const messageId = over.messageId ?? nextMessageId++;
  return {
    companyId: "benova",
    accountId: 1,
    messageId,
    deliveryId: null,
    userId: `34600${String(over.conversationId).padStart(6, "0")}`,
    senderName: "Cliente",
    text: `mensaje ${messageId}`,
    attachments: [],
    receivedAt: Date.now(),
    ...over,
  };
}

/** Resolves when `check` holds, polling every 25 ms; rejects after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
