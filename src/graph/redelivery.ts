import { HumanMessage } from "@langchain/core/messages";
import type { GraphStateType } from "./state.js";

/**
 * What a redelivered customer message needs: the same message (Chatwoot's message id) must not run
 * a second turn. Its HumanMessage carries a stable id derived from that id, so a thread's state tells
 * whether the message was already taken in.
 */

/** The id of the HumanMessage of a channel message: `cw-<messageId>`. */
export function customerMessageId(messageId: string | number): string {
  const id = String(messageId).trim();
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) {
    throw new Error(
      `messageId: expected the channel's message id (letters, digits, '_', '.', '-'; got ${JSON.stringify(messageId)})`,
    );
  }
  return `cw-${id}`;
}

/** The customer's message, with the stable id when the channel gave one. */
export function customerMessage(text: string, messageId?: string | number): HumanMessage {
  return messageId === undefined || messageId === null
    ? new HumanMessage(text)
    : new HumanMessage({ id: customerMessageId(messageId), content: text });
}

/** A finished turn as the thread's state holds it (the fields of ConverseResult). */
export interface StoredTurn {
  reply: string;
  agent: GraphStateType["agent"];
  intent: string | null;
  toolOutcomes: GraphStateType["toolOutcomes"];
  compensations: GraphStateType["compensations"];
  sagaStatus: GraphStateType["sagaStatus"];
}

/**
 * The turn that answered the message with HumanMessage id `humanId`, when the thread already has it
 * (null otherwise). For the thread's latest turn everything is returned as state holds it; for an
 * older one only its reply is known (a turn's tool outcomes are replaced by the next turn's).
 */
export function storedTurn(values: GraphStateType | undefined, humanId: string): StoredTurn | null {
  const messages = values?.messages ?? [];
  const index = messages.findIndex((m) => m.id === humanId && m.getType() === "human");
  if (index < 0 || !values) return null;
  const latest = !messages.slice(index + 1).some((m) => m.getType() === "human");
  if (latest) {
    return {
      reply: values.reply,
      agent: values.agent,
      intent: values.intent,
      toolOutcomes: values.toolOutcomes,
      compensations: values.compensations,
      sagaStatus: values.sagaStatus,
    };
  }
  const answer = messages.find((m) => m.id === `${humanId}:reply`);
  return {
    reply: typeof answer?.content === "string" ? answer.content : "",
    agent: null,
    intent: null,
    toolOutcomes: [],
    compensations: values.compensations,
    sagaStatus: null,
  };
}
