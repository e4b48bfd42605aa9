import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { DateTimeAmbiguity, DateTimeExtraction } from "../offline/date-time.js";
import type { TreatmentCatalogue } from "../offline/treatments.js";
import { extractionPrompt, promptContext } from "../prompts.js";
import {
  type ExtractionContext,
  type MessageDetails,
  OfflineSlotExtractor,
  type SlotExtractor,
} from "../schedule-details.js";
import type { AgentInput } from "../types.js";
import { conversationMessages, validated } from "./messages.js";
import { type Extraction, ExtractionRequestSchema, ExtractionSchema } from "./schemas.js";

export interface LlmSlotExtractorOptions {
  /** A chat model with structured output (e.g. `createChatModel(...)`). */
  model: BaseChatModel;
  catalogue: TreatmentCatalogue;
  /** Opening hours, told to the model and to the offline reader ("a las 5" is 17:00). */
  hours?: { open: string; close: string };
  /** Told when the model's reading failed or was invalid and the offline reading was used alone. */
  onFallback?: (error: unknown, input: AgentInput) => void;
}

/**
 * Reads a message with the model's structured output (treatment, date, time, name, email, yes/no,
 * book/cancel/reschedule), validates it with zod and combines it with the offline reading
 * (`combineReadings`). The model only reads: the schedule agent decides and the graph books. A
 * failed call or an invalid answer leaves the offline reading alone, so this never throws for the
 * model's sake.
 */
export class LlmSlotExtractor implements SlotExtractor {
  private readonly offline: OfflineSlotExtractor;
  private readonly structured;

  constructor(private readonly options: LlmSlotExtractorOptions) {
    this.offline = new OfflineSlotExtractor({
      catalogue: options.catalogue,
      ...(options.hours ? { hours: options.hours } : {}),
    });
    this.structured = options.model.withStructuredOutput(ExtractionRequestSchema, {
      name: "appointment_details",
    });
  }

  async extract(input: AgentInput, context: ExtractionContext): Promise<MessageDetails> {
    const rules = this.offline.read(input, context);
    let reading: Extraction;
    try {
      const prompt = extractionPrompt(
        promptContext(input, this.options.catalogue.names("es"), this.options.hours),
        context.appointment,
      );
      const answer = await this.structured.invoke(conversationMessages(prompt, input));
      reading = validated("extraction", ExtractionSchema, answer);
    } catch (err) {
      this.options.onFallback?.(err, input);
      return rules;
    }
    return combineReadings(rules, reading, this.options.catalogue);
  }
}

/**
 * The model's reading of a message over the rules' reading of it. Slots (treatment, date, time,
 * name, email) come from the model when it found them, else from the rules; a treatment must be
 * one of the catalogue. The two readings that lead to a side effect need the customer's own words:
 * the model's "yes" to a confirmation and its "cancel" count only when the rules read the same in
 * the message (otherwise the rules' reading stands), so no model answer can confirm or cancel a
 * booking by itself. A "no", "book" or "reschedule" only leads to another question, so the
 * model's reading is taken.
 */
export function combineReadings(
  rules: MessageDetails,
  model: Extraction,
  catalogue: TreatmentCatalogue,
): MessageDetails {
  const named = model.treatment
    ? (catalogue.byName(model.treatment) ?? catalogue.match(model.treatment))
    : undefined;
  const treatment = named ?? rules.treatment;
  const name = model.customer_name ?? rules.customer_name;
  const email = model.customer_email ?? rules.customer_email;
  const confirmation =
    model.confirmation === "yes" && rules.confirmation !== "yes"
      ? rules.confirmation
      : (model.confirmation ?? rules.confirmation);
  const action =
    model.action === "cancel" && rules.action !== "cancel" ? rules.action : (model.action ?? rules.action);
  return {
    ...(treatment ? { treatment } : {}),
    dt: combineDateTime(rules.dt, model),
    ...(name ? { customer_name: name } : {}),
    ...(email ? { customer_email: email } : {}),
    ...(confirmation ? { confirmation } : {}),
    ...(action ? { action } : {}),
    another: rules.another,
  };
}

/** The model's date and time over the rules' ones; what the model settled is no longer ambiguous. */
function combineDateTime(rules: DateTimeExtraction, model: Extraction): DateTimeExtraction {
  const date = model.date ?? rules.date;
  const time = model.time ?? rules.time;
  const ambiguities: DateTimeAmbiguity[] = rules.ambiguities.filter(
    (a) =>
      a !== "no_time" &&
      a !== "no_date" &&
      !(a === "meridiem" && model.time) &&
      !(a === "invalid_date" && model.date),
  );
  if (date && !time) ambiguities.push("no_time");
  if (time && !date && !ambiguities.includes("invalid_date")) ambiguities.push("no_date");
  const keepAlternatives = ambiguities.includes("meridiem") && rules.timeAlternatives;
  return {
    ...(date ? { date } : {}),
    ...(time ? { time } : {}),
    ...(rules.partOfDay ? { partOfDay: rules.partOfDay } : {}),
    ambiguities,
    ...(keepAlternatives ? { timeAlternatives: rules.timeAlternatives } : {}),
  };
}
