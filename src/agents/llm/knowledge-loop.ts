import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { AgentInput, KnowledgePassage } from "../types.js";
import { ungroundedFigures } from "./grounding.js";
import { conversationMessages, ModelOutputError, textOf } from "./messages.js";
import { KnowledgeSearchSchema } from "./schemas.js";

/** Rounds of tool calls a model may make before it must answer. */
export const MAX_TOOL_ROUNDS = 3;

/** The passages a model read, numbered, with where each comes from. */
export function formatPassages(passages: KnowledgePassage[]): string {
  if (passages.length === 0) return "Sin resultados en la base de conocimiento.";
  return passages
    .map((p, i) => {
      const where = [p.metadata.source, p.metadata.heading].filter((v) => typeof v === "string").join(" > ");
      return `[${i + 1}] ${where}\n${p.content}`;
    })
    .join("\n\n");
}

/**
 * One answer of a model that may search the knowledge base: the model is offered a `knowledge_base`
 * tool (each search goes through `input.tools.searchKnowledge`, so it is audited), its tool calls
 * are answered with the passages, and the loop ends when it answers without tool calls, after at
 * most `maxRounds` rounds of calls. The answer must quote only figures the passages (or the
 * customer's message) carry (`ungroundedFigures`); otherwise, or with no answer, it throws
 * `ModelOutputError`.
 */
export async function answerFromKnowledge(
  model: BaseChatModel,
  system: string,
  input: AgentInput,
  options: { step: string; maxRounds?: number },
): Promise<{ reply: string; passages: KnowledgePassage[]; searches: number }> {
  const maxRounds = options.maxRounds ?? MAX_TOOL_ROUNDS;
  if (!model.bindTools) throw new ModelOutputError(options.step, "the model does not support tool calling");
  const passages: KnowledgePassage[] = [];
  let searches = 0;
  const knowledgeBase = tool(
    async ({ query, top_k }) => {
      searches += 1;
      const found = await input.tools.searchKnowledge(query, top_k ?? 4);
      passages.push(...found);
      return formatPassages(found);
    },
    {
      name: "knowledge_base",
      description:
        "Busca en la base de conocimiento de la clínica (tratamientos, precios, duraciones, cuidados, horarios, pagos, normas). Devuelve pasajes literales.",
      schema: KnowledgeSearchSchema,
    },
  );
  const bound = model.bindTools([knowledgeBase]);
  const messages: BaseMessage[] = conversationMessages(system, input);
  for (let round = 0; ; round++) {
    const ai = (await bound.invoke(messages)) as AIMessage;
    messages.push(ai);
    const calls = ai.tool_calls ?? [];
    if (calls.length === 0) {
      const reply = textOf(ai);
      if (reply === "") throw new ModelOutputError(options.step, "empty answer");
      const ungrounded = ungroundedFigures(reply, passages, [input.text]);
      if (ungrounded.length > 0) {
        throw new ModelOutputError(
          options.step,
          `answer quotes figures no retrieved passage carries (${ungrounded.join(", ")})`,
        );
      }
      return { reply, passages, searches };
    }
    if (round >= maxRounds) {
      throw new ModelOutputError(options.step, `still calling tools after ${maxRounds} rounds`);
    }
    for (const call of calls) {
      const id = call.id ?? "";
      if (call.name !== knowledgeBase.name) {
        messages.push(
          new ToolMessage({ tool_call_id: id, status: "error", content: `unknown tool ${call.name}` }),
        );
        continue;
      }
      const args = KnowledgeSearchSchema.safeParse(call.args);
      if (!args.success) {
        messages.push(
          new ToolMessage({
            tool_call_id: id,
            status: "error",
            content: `invalid arguments: ${args.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
          }),
        );
        continue;
      }
      const content = await knowledgeBase.invoke(args.data);
      messages.push(new ToolMessage({ tool_call_id: id, content: String(content) }));
    }
  }
}
