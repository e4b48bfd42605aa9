import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { z } from "zod";
import { AgentLedgerError } from "../../util/errors.js";
import type { AgentInput } from "../types.js";

/** The model answered something the agents cannot use (bad shape, ungrounded figures, no answer). */
export class ModelOutputError extends AgentLedgerError {
  override readonly name = "ModelOutputError";
  readonly code = "MODEL_BAD_OUTPUT";
  readonly retriable = false;
  constructor(
    /** Which step: router, extraction, sales, support. */
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
  }
}

/** Earlier turns the model sees besides the latest message. */
export const HISTORY_TURNS = 6;

/**
 * The messages of one model call: the instructions, the last turns of the conversation and the
 * customer's latest message, each in its own role (the customer's text is never spliced into the
 * instructions).
 */
export function conversationMessages(
  system: string,
  input: AgentInput,
  turns = HISTORY_TURNS,
): BaseMessage[] {
  const history = input.history
    .slice(-turns)
    .map((t) => (t.role === "customer" ? new HumanMessage(t.text) : new AIMessage(t.text)));
  return [new SystemMessage(system), ...history, new HumanMessage(input.text)];
}

/** The model's answer checked against `schema`; a mismatch names the step and the fields. */
export function validated<T>(step: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`);
  throw new ModelOutputError(step, `unusable answer (${fields.join("; ")})`);
}

/** The text of a model message (string content, or the text parts of a list). */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === "string") return content.trim();
  return content
    .map((part) => (typeof part === "string" ? part : part.type === "text" ? String(part.text) : ""))
    .join("")
    .trim();
}
