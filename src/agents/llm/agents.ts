import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { checkAgentInput } from "../errors.js";
import { detectInjection } from "../offline/injection.js";
import { detectSalesTopic, isGreeting, isThanks } from "../offline/intent.js";
import type { TreatmentCatalogue } from "../offline/treatments.js";
import { promptContext, salesPrompt, supportPrompt } from "../prompts.js";
import { injectionReply } from "../replies.js";
import { type SupportAgent, supportProblem } from "../support.js";
import type { Agent, AgentInput, AgentOutput } from "../types.js";
import { answerFromKnowledge, MAX_TOOL_ROUNDS } from "./knowledge-loop.js";

export interface LlmAnswerAgentOptions {
  /** A chat model with tool calling (e.g. `createChatModel(...)`). */
  model: BaseChatModel;
  catalogue: TreatmentCatalogue;
  /** Rounds of knowledge_base calls before the model must answer. Default 3. */
  maxToolRounds?: number;
}

/**
 * Answers questions on treatments, prices, durations and the clinic with the model, which searches
 * the knowledge base through a `knowledge_base` tool and may quote only the figures it found.
 * Injected instructions get the fixed refusal without a model call. It never changes the shared
 * context. Throws when the model fails or answers ungrounded: wrap it with `withFallback`.
 */
export class LlmSalesAgent implements Agent {
  readonly name = "sales" as const;

  constructor(private readonly options: LlmAnswerAgentOptions) {}

  async run(input: AgentInput): Promise<AgentOutput> {
    checkAgentInput(input);
    if (detectInjection(input.text))
      return { reply: injectionReply(input.locale), intent: "security.injection" };
    const { reply } = await answerFromKnowledge(
      this.options.model,
      salesPrompt(promptContext(input, this.options.catalogue.names("es"))),
      input,
      { step: "sales", maxRounds: this.options.maxToolRounds ?? MAX_TOOL_ROUNDS },
    );
    return { reply, intent: salesIntent(input.text, this.options.catalogue) };
  }
}

function salesIntent(text: string, catalogue: TreatmentCatalogue): string {
  if (isGreeting(text)) return "sales.greeting";
  if (isThanks(text)) return "sales.thanks";
  const topic = detectSalesTopic(text);
  if (topic !== "info") return `sales.${topic}`;
  return catalogue.match(text) ? "sales.treatment_info" : "sales.general";
}

export interface LlmSupportAgentOptions extends LlmAnswerAgentOptions {
  /** The offline support agent: it acknowledges reported problems and requests their tickets. */
  offline: SupportAgent;
}

/**
 * Support with the model for questions (answered from the knowledge base like the sales agent).
 * Tickets are never the model's decision: a complication, complaint, billing error or request
 * for a person is recognised by rules (`supportProblem`) and handled by the offline support agent,
 * which sets the ticket with its reason and priority.
 */
export class LlmSupportAgent implements Agent {
  readonly name = "support" as const;

  constructor(private readonly options: LlmSupportAgentOptions) {}

  async run(input: AgentInput): Promise<AgentOutput> {
    checkAgentInput(input);
    if (detectInjection(input.text))
      return { reply: injectionReply(input.locale), intent: "security.injection" };
    if (supportProblem(input)) return this.options.offline.run(input);
    const { reply } = await answerFromKnowledge(
      this.options.model,
      supportPrompt(promptContext(input, this.options.catalogue.names("es"))),
      input,
      { step: "support", maxRounds: this.options.maxToolRounds ?? MAX_TOOL_ROUNDS },
    );
    return { reply, intent: "support.info" };
  }
}
