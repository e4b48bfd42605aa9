import { loadDefaultAgents } from "../agents/index.js";
import {
  type ChatModelOptions,
  chatModelOptionsFromEnv,
  createChatModel,
  loadLlmAgents,
  logFallbacks,
} from "../agents/llm/index.js";
import type { Agent, AgentName, RouterAgent } from "../agents/types.js";
import type { TenantRuntime } from "../app/tenant-runtime.js";
import type { AppConfig, TenantConfig } from "../config/index.js";
import type { Logger } from "../util/logger.js";

/** The router and the three agents of a tenant. */
export interface AgentSet {
  routerAgent: RouterAgent;
  agents: Record<AgentName, Agent>;
}

/** Builds a tenant's agents (the offline NLU, an LLM, or scripted ones in tests). */
export type AgentFactory = (ctx: {
  companyId: string;
  tenant: TenantConfig;
  runtime: TenantRuntime;
  /** The app's configuration (its `env` says whether a language model is configured). */
  config?: AppConfig;
  /** Where the agents log (e.g. each fallback from the model to the offline agents). */
  logger?: Logger;
}) => AgentSet | Promise<AgentSet>;

export interface AgentFactoryOptions {
  /** Overrides of the model settings the environment gives (e.g. `streaming`, `timeoutMs`, `maxRetries`). */
  model?: Partial<ChatModelOptions>;
}

/**
 * The built-in agents, set to the tenant's opening hours: with `OPENAI_API_KEY` the model-backed
 * ones (`OPENAI_MODEL` at `OPENAI_BASE_URL`), each falling back to its offline counterpart with a
 * logged warning; without a key the offline ones.
 */
export function createAgentFactory(options: AgentFactoryOptions = {}): AgentFactory {
  return ({ tenant, config, logger }) => {
    const schedule = {
      slotMinutes: tenant.openingHours.slotMinutes,
      hours: { open: tenant.openingHours.open, close: tenant.openingHours.close },
    };
    const fromEnv = config ? chatModelOptionsFromEnv(config.env) : null;
    if (!fromEnv) return loadDefaultAgents(schedule);
    return loadLlmAgents({
      ...schedule,
      model: createChatModel({ ...fromEnv, ...options.model }),
      ...(logger ? { onFallback: logFallbacks(logger.child({ component: "agents" })) } : {}),
    });
  };
}
