import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { checkAgentInput } from "../errors.js";
import { detectInjection } from "../offline/injection.js";
import { detectLanguage } from "../offline/language.js";
import type { TreatmentCatalogue } from "../offline/treatments.js";
import { promptContext, routerPrompt } from "../prompts.js";
import type { AgentInput, AgentName, Locale, RouterAgent } from "../types.js";
import { conversationMessages, validated } from "./messages.js";
import { RouteSchema } from "./schemas.js";

export interface LlmRouterOptions {
  /** A chat model with structured output (e.g. `createChatModel(...)`). */
  model: BaseChatModel;
  catalogue: TreatmentCatalogue;
}

/**
 * Picks the agent with the model's structured output (`{agent, intent, locale}`, validated with
 * zod). Injected instructions are recognised by rules first and go to the sales agent, which never
 * acts, without asking the model. Throws when the model fails or answers out of shape: wrap it with
 * `routerWithFallback` and the offline router.
 */
export class LlmRouterAgent implements RouterAgent {
  private readonly structured;

  constructor(private readonly options: LlmRouterOptions) {
    this.structured = options.model.withStructuredOutput(RouteSchema, { name: "route" });
  }

  async route(input: AgentInput): Promise<{ agent: AgentName; intent: string; locale: Locale }> {
    checkAgentInput(input);
    if (detectInjection(input.text)) {
      return {
        agent: "sales",
        intent: "security.injection",
        locale: detectLanguage(input.text, input.locale).locale,
      };
    }
    const prompt = routerPrompt(
      promptContext(input, this.options.catalogue.names("es")),
      input.sharedContext.appointment,
    );
    const answer = await this.structured.invoke(conversationMessages(prompt, input));
    return validated("router", RouteSchema, answer);
  }
}
