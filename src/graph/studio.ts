/**
 * The graph for LangGraph Studio / `langgraph dev` (langgraph.json points here): compiled without a
 * checkpointer, because the dev server brings its own. It runs on the environment's default tenant
 * (embedded defaults unless configured) with the agents of src/agents; the tenant and the agents are
 * built when the graph first runs, so loading it needs neither.
 */
import { createHash } from "node:crypto";
import type { RunnableConfig } from "@langchain/core/runnables";
import { App } from "../app.js";
import { loadConfig } from "../config/index.js";
import { graphDepsFor } from "./converse.js";
import type { GraphDeps } from "./deps.js";
import { buildGraph } from "./graph.js";
import type { Identity } from "./nodes/router.js";

/** A stable Chatwoot-style conversation number (positive, below 2^31) for a Studio thread id. */
export function conversationNumberOf(threadId: string): number {
  const hash = createHash("sha256").update(threadId).digest();
  return (hash.readUInt32BE(0) % 2_000_000_000) + 1;
}

/**
 * Completes an input that carries only messages, as Studio sends it: the tenant is the graph's own,
 * the conversation a number derived from the dev server's thread id (so step keys and the local
 * Chatwoot inbox stay per thread) and the customer `studio-{conversation}`. Given fields are kept;
 * another tenant than the graph's is refused, since its tools act for the graph's tenant only.
 */
export function studioIdentity(
  state: Identity,
  config: RunnableConfig | undefined,
  deps: Pick<GraphDeps, "companyId">,
): Partial<Identity> {
  const out: Partial<Identity> = {};
  if (!state.companyId) out.companyId = deps.companyId;
  else if (state.companyId !== deps.companyId) {
    throw new Error(
      `companyId: this graph serves tenant "${deps.companyId}" (set COMPANY_ID to serve another); got "${state.companyId}"`,
    );
  }
  let conversationId = state.conversationId;
  if (!conversationId) {
    const threadId = config?.configurable?.thread_id;
    if (typeof threadId !== "string" || threadId === "") {
      throw new Error("conversationId: expected in the input, or a thread_id in the run's configurable");
    }
    conversationId = String(conversationNumberOf(threadId));
    out.conversationId = conversationId;
  }
  if (!state.userId) out.userId = `studio-${conversationId}`;
  return out;
}

let deps: Promise<GraphDeps> | null = null;

export const graph = buildGraph(
  () => {
    deps ??= (async () => {
      const app = new App(loadConfig());
      return graphDepsFor(app, app.config.defaultCompanyId);
    })();
    return deps;
  },
  { fillIdentity: studioIdentity },
).compile();
