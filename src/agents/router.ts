import { checkAgentInput } from "./errors.js";
import { classifyIntent } from "./offline/intent.js";
import { detectLanguage } from "./offline/language.js";
import type { TreatmentCatalogue } from "./offline/treatments.js";
import type { AgentInput, AgentName, Locale, RouterAgent } from "./types.js";

export interface OfflineRouterOptions {
  /** Lets a treatment name alone ("botox") count as a booking detail while a booking is in progress. */
  catalogue?: TreatmentCatalogue;
}

/**
 * Picks the agent by rules (see `classifyIntent`) and the reply language from the message,
 * keeping the conversation's language for messages that give no evidence ("ok", "10:30").
 * Short answers in the middle of a booking stay with the schedule agent.
 */
export class OfflineRouterAgent implements RouterAgent {
  constructor(private readonly options: OfflineRouterOptions = {}) {}

  /** The agent, the finer intent and the locale for this message. */
  async route(input: AgentInput): Promise<{ agent: AgentName; intent: string; locale: Locale }> {
    checkAgentInput(input);
    const { locale } = detectLanguage(input.text, input.locale);
    const lastAgentTurn = [...input.history].reverse().find((t) => t.role === "agent")?.text;
    const { agent, intent } = classifyIntent(input.text, {
      appointment: input.sharedContext.appointment,
      ...(this.options.catalogue ? { catalogue: this.options.catalogue } : {}),
      ...(lastAgentTurn !== undefined ? { lastAgentTurn } : {}),
    });
    return { agent, intent, locale };
  }
}
