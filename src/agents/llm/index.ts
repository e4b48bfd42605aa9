import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Logger } from "../../util/logger.js";
import { routerWithFallback, withFallback } from "../fallback.js";
import { loadTreatmentCatalogue, type TreatmentCatalogue } from "../offline/treatments.js";
import { OfflineRouterAgent } from "../router.js";
import { SalesAgent } from "../sales.js";
import { ScheduleAgent, type ScheduleAgentOptions } from "../schedule.js";
import { SupportAgent } from "../support.js";
import type { Agent, AgentInput, AgentName, RouterAgent } from "../types.js";
import { LlmSalesAgent, LlmSupportAgent } from "./agents.js";
import { LlmSlotExtractor } from "./extractor.js";
import { LlmRouterAgent } from "./router.js";

export {
  type LlmAnswerAgentOptions,
  LlmSalesAgent,
  LlmSupportAgent,
  type LlmSupportAgentOptions,
} from "./agents.js";
export { combineReadings, LlmSlotExtractor, type LlmSlotExtractorOptions } from "./extractor.js";
export { figuresOf, ungroundedFigures } from "./grounding.js";
export { answerFromKnowledge, formatPassages, MAX_TOOL_ROUNDS } from "./knowledge-loop.js";
export { ModelOutputError } from "./messages.js";
export { type ChatModelOptions, chatModelOptionsFromEnv, createChatModel } from "./model.js";
export { LlmRouterAgent, type LlmRouterOptions } from "./router.js";
export { ExtractionRequestSchema, ExtractionSchema, RouteSchema } from "./schemas.js";

/** Which step fell back to the offline agents: the router, the schedule agent's reader, or an agent. */
export type FallbackStep = "router" | "extraction" | AgentName;

export interface LlmAgentsOptions extends Omit<ScheduleAgentOptions, "catalogue" | "extractor"> {
  catalogue: TreatmentCatalogue;
  /** The chat model (e.g. `createChatModel(chatModelOptionsFromEnv(env))`). */
  model: BaseChatModel;
  /** Told each time the offline agents answered instead of the model (for logs and metrics). */
  onFallback?: (step: FallbackStep, error: unknown, input: AgentInput) => void;
  /** Rounds of knowledge_base calls before the model must answer. Default 3. */
  maxToolRounds?: number;
}

/**
 * The router and agents backed by a language model, each wrapped with its offline counterpart as
 * fallback: routing and slot extraction by structured output, sales and support answers by tool
 * calling over the knowledge base. The schedule agent keeps its deterministic rules (availability,
 * past dates, confirmation) and only reads messages with the model; tickets stay rule-based.
 *
 * @example
 * const model = createChatModel({ apiKey, model: "gpt-4o-mini" });
 * const { routerAgent, agents } = createLlmAgents({ model, catalogue: await loadTreatmentCatalogue() });
 */
export function createLlmAgents(options: LlmAgentsOptions): {
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
} {
  const { model, catalogue, onFallback, maxToolRounds, ...schedule } = options;
  const tell = (step: FallbackStep) =>
    onFallback ? (error: unknown, input: AgentInput) => onFallback(step, error, input) : undefined;
  const answer = { model, catalogue, ...(maxToolRounds !== undefined ? { maxToolRounds } : {}) };
  const offlineSupport = new SupportAgent({ catalogue });
  const extractor = new LlmSlotExtractor({
    model,
    catalogue,
    ...(schedule.hours ? { hours: schedule.hours } : {}),
    ...(onFallback ? { onFallback: tell("extraction") } : {}),
  });
  return {
    routerAgent: routerWithFallback(
      new LlmRouterAgent({ model, catalogue }),
      new OfflineRouterAgent({ catalogue }),
      tell("router"),
    ),
    agents: {
      sales: withFallback(new LlmSalesAgent(answer), new SalesAgent({ catalogue }), tell("sales")),
      schedule: withFallback(
        new ScheduleAgent({ ...schedule, catalogue, extractor }),
        new ScheduleAgent({ ...schedule, catalogue }),
        tell("schedule"),
      ),
      support: withFallback(
        new LlmSupportAgent({ ...answer, offline: offlineSupport }),
        offlineSupport,
        tell("support"),
      ),
    },
  };
}

/** `createLlmAgents` with the catalogue read from a knowledge folder (default: the package's). */
export async function loadLlmAgents(
  options: Omit<LlmAgentsOptions, "catalogue"> & { knowledgeDir?: string },
): Promise<ReturnType<typeof createLlmAgents>> {
  const { knowledgeDir, ...rest } = options;
  return createLlmAgents({ ...rest, catalogue: await loadTreatmentCatalogue(knowledgeDir) });
}

/** A short, secret-free description of a model failure: the error's name, HTTP status and message. */
export function describeModelError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  const status = (error as { status?: unknown }).status;
  const message = error.message
    .replace(/\bsk-[A-Za-z0-9_-]{4,}/g, "sk-***")
    .replace(/Bearer\s+\S+/gi, "Bearer ***")
    .slice(0, 300);
  return `${error.name}${typeof status === "number" ? ` ${status}` : ""}: ${message}`;
}

/** An `onFallback` that logs a warning per fallback (step, tenant, conversation, the error's summary). */
export function logFallbacks(logger: Logger): NonNullable<LlmAgentsOptions["onFallback"]> {
  return (step, error, input) =>
    logger.warn("language model not used for this step; offline answer", {
      step,
      companyId: input.companyId,
      conversationId: input.conversationId,
      error: describeModelError(error),
    });
}
