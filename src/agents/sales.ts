import { checkAgentInput } from "./errors.js";
import {
  knowledgeQuery,
  relevantPassage,
  summary,
  topicLines,
  treatmentPassage,
} from "./knowledge-answer.js";
import { capital, say } from "./offline/format.js";
import { detectInjection } from "./offline/injection.js";
import {
  detectSalesTopic,
  isGibberish,
  isGreeting,
  isThanks,
  OFFER_BOOKING_EN,
  OFFER_BOOKING_ES,
} from "./offline/intent.js";
import { normalize } from "./offline/text.js";
import type { TreatmentCatalogue } from "./offline/treatments.js";
import { capabilities, injectionReply, offerPerson } from "./replies.js";
import type { Agent, AgentInput, AgentOutput, Locale } from "./types.js";

export interface SalesAgentOptions {
  catalogue: TreatmentCatalogue;
}

/**
 * Answers questions on treatments, prices, durations and the clinic from the knowledge base
 * (`tools.searchKnowledge`), quoting its lines as written; when the knowledge base has no answer
 * it says so and offers a person. Greetings and unclear messages get what the assistant can do.
 * It never changes the shared context.
 */
export class SalesAgent implements Agent {
  readonly name = "sales" as const;

  constructor(private readonly options: SalesAgentOptions) {}

  /** One customer message; the reply only. */
  async run(input: AgentInput): Promise<AgentOutput> {
    checkAgentInput(input);
    const locale = input.locale;
    if (detectInjection(input.text)) return { reply: injectionReply(locale), intent: "security.injection" };
    if (isGreeting(input.text)) {
      return {
        reply: `${say(locale, "¡Hola!", "Hi!")} ${capabilities(locale, input.clinicName)}`,
        intent: "sales.greeting",
      };
    }
    if (isThanks(input.text)) {
      return {
        reply: say(
          locale,
          "¡Perfecto! Si necesitas algo más, aquí estoy.",
          "Great! I'm here if you need anything else.",
        ),
        intent: "sales.thanks",
      };
    }
    if (isGibberish(input.text)) {
      return {
        reply: `${say(locale, "Perdona, no te he entendido.", "Sorry, I didn't understand that.")} ${capabilities(locale, input.clinicName)}`,
        intent: "sales.unclear",
      };
    }
    // "¿y cuánto cuesta?" in the middle of a booking is about the treatment being booked.
    const topic = detectSalesTopic(input.text);
    const booking = topic === "info" ? undefined : input.sharedContext.appointment?.treatment;
    const treatment =
      this.options.catalogue.match(input.text) ??
      (booking ? this.options.catalogue.byName(booking) : undefined);
    const query = knowledgeQuery(input.text, treatment, topic);
    const passages = await input.tools.searchKnowledge(query, 5);
    if (treatment && topic === "info") {
      // "¿Duele la depilación láser?": a passage on the question itself beats the treatment's description.
      const asked = normalize(input.text).replace(
        new RegExp(`\\b(${treatment.aliases.join("|")})\\b`, "g"),
        " ",
      );
      const specific = relevantPassage(await input.tools.searchKnowledge(input.text, 5), asked);
      if (specific) {
        return {
          reply: `${spanishNote(locale)}${summary(specific.content, 3)}`,
          intent: "sales.treatment_info",
        };
      }
    }
    if (treatment) {
      const passage = treatmentPassage(passages, treatment, topic);
      const lines = passage && topic !== "info" ? topicLines(passage.content, topic, input.text) : [];
      const body =
        lines.length > 0 ? lines.map((l) => `• ${l}`).join("\n") : passage ? summary(passage.content) : "";
      const english = treatment.englishName ?? treatment.name;
      if (body !== "") {
        const lead =
          topic === "price"
            ? say(
                locale,
                `Precios de ${treatment.name}:`,
                `${capital(english)} prices (from our price list):`,
              )
            : topic === "duration"
              ? say(
                  locale,
                  `Duración de ${treatment.name}:`,
                  `${capital(english)} duration (from our information):`,
                )
              : `${treatment.name}:`;
        return {
          reply: `${lead}\n${body}\n${say(locale, OFFER_BOOKING_ES, OFFER_BOOKING_EN)}`,
          intent: `sales.${topic === "info" ? "treatment_info" : topic}`,
        };
      }
    } else {
      const passage = relevantPassage(passages, query);
      if (passage) {
        return {
          reply: `${spanishNote(locale)}${summary(passage.content, 3)}`,
          intent: `sales.${topic === "info" ? "general" : topic}`,
        };
      }
    }
    return {
      reply: `${say(locale, "No tengo ese dato en nuestra información.", "I don't have that in our information.")} ${offerPerson(locale)}`,
      intent: "sales.unknown",
    };
  }
}

/** The knowledge base is Spanish: an English reader is told the quote is. */
function spanishNote(locale: Locale): string {
  return say(locale, "", "From our clinic information (in Spanish):\n");
}
