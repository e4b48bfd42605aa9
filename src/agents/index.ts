import { loadTreatmentCatalogue, type TreatmentCatalogue } from "./offline/treatments.js";
import { OfflineRouterAgent } from "./router.js";
import { SalesAgent } from "./sales.js";
import { ScheduleAgent, type ScheduleAgentOptions } from "./schedule.js";
import { SupportAgent } from "./support.js";
import type { Agent, AgentName, RouterAgent } from "./types.js";

export { InvalidAgentInputError, isInvalidAgentInputError } from "./errors.js";
export { type FallbackListener, routerWithFallback, withFallback } from "./fallback.js";
export * from "./llm/index.js";
export * from "./offline/index.js";
export * from "./prompts.js";
export { OfflineRouterAgent, type OfflineRouterOptions } from "./router.js";
export { SalesAgent, type SalesAgentOptions } from "./sales.js";
export { nextBookingRef, ScheduleAgent, type ScheduleAgentOptions } from "./schedule.js";
export {
  type ExtractionContext,
  type MessageDetails,
  type OfflineExtractorOptions,
  OfflineSlotExtractor,
  type SlotExtractor,
} from "./schedule-details.js";
export { SupportAgent, type SupportAgentOptions, supportProblem } from "./support.js";
export type * from "./types.js";

export interface DefaultAgentsOptions extends Omit<ScheduleAgentOptions, "catalogue"> {
  /** The treatment list; build it with `loadTreatmentCatalogue()` (the package's knowledge/). */
  catalogue: TreatmentCatalogue;
}

export interface DefaultAgents {
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
}

/**
 * The built-in offline router and agents, ready for `new MultiAgentOrchestratorGraph({ ...createDefaultAgents(...) })`.
 *
 * @example
 * const { routerAgent, agents } = createDefaultAgents({ catalogue: await loadTreatmentCatalogue(),
 *   slotMinutes: 30, hours: { open: "09:00", close: "20:00" } });
 */
export function createDefaultAgents(options: DefaultAgentsOptions): DefaultAgents {
  const { catalogue } = options;
  return {
    routerAgent: new OfflineRouterAgent({ catalogue }),
    agents: {
      sales: new SalesAgent({ catalogue }),
      schedule: new ScheduleAgent(options),
      support: new SupportAgent({ catalogue }),
    },
  };
}

/** `createDefaultAgents` with the catalogue read from a knowledge folder (default: the package's). */
export async function loadDefaultAgents(
  options: Omit<DefaultAgentsOptions, "catalogue"> & { knowledgeDir?: string } = {},
): Promise<DefaultAgents> {
  const { knowledgeDir, ...rest } = options;
  return createDefaultAgents({ ...rest, catalogue: await loadTreatmentCatalogue(knowledgeDir) });
}
