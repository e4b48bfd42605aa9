import type { Agent, AgentInput, AgentOutput, RouterAgent } from "./types.js";

/** Told when the primary agent failed and the fallback answered (for logs and metrics). */
export type FallbackListener = (error: unknown, input: AgentInput) => void;

/**
 * An agent that answers with `primary` (e.g. an LLM-backed one) and, when it throws (model down,
 * rate limit, bad output), with `fallback` (the offline agent of the same name) on the same input.
 */
export function withFallback(primary: Agent, fallback: Agent, onFallback?: FallbackListener): Agent {
  if (primary.name !== fallback.name) {
    throw new Error(
      `withFallback: primary is the ${primary.name} agent but fallback is the ${fallback.name} agent`,
    );
  }
  return {
    name: primary.name,
    async run(input: AgentInput): Promise<AgentOutput> {
      try {
        return await primary.run(input);
      } catch (err) {
        onFallback?.(err, input);
        return fallback.run(input);
      }
    },
  };
}

/** The same for the router. */
export function routerWithFallback(
  primary: RouterAgent,
  fallback: RouterAgent,
  onFallback?: FallbackListener,
): RouterAgent {
  return {
    async route(input) {
      try {
        return await primary.route(input);
      } catch (err) {
        onFallback?.(err, input);
        return fallback.route(input);
      }
    },
  };
}
