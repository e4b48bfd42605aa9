import { AIMessage } from "@langchain/core/messages";
import { turnIdOf } from "./deps.js";
import type { GraphStateType, GraphUpdate } from "./state.js";

/**
 * The turn's answer. Every node that changes it writes the same message id, so the messages reducer
 * replaces the earlier version: the conversation holds one answer per customer message.
 */
export function say(state: Pick<GraphStateType, "messages">, text: string): GraphUpdate {
  return {
    reply: text,
    messages: [new AIMessage({ id: `${turnIdOf(state)}:reply`, content: text })],
  };
}

/** The reply so far plus a line a tool node adds. */
export function withLine(reply: string, line: string): string {
  return reply.trim() === "" ? line : `${reply}\n\n${line}`;
}
