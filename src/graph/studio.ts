/**
 * The graph for LangGraph Studio / `langgraph dev` (langgraph.json points here): compiled without a
 * checkpointer, because the dev server brings its own. It runs on the environment's default tenant
 * (embedded defaults unless configured) with the agents of src/agents; the tenant and the agents are
 * built when the graph first runs, so loading it needs neither.
 */
import { App } from "../app.js";
import { loadConfig } from "../config/index.js";
import { graphDepsFor } from "./converse.js";
import type { GraphDeps } from "./deps.js";
import { buildGraph } from "./graph.js";

let deps: Promise<GraphDeps> | null = null;

export const graph = buildGraph(() => {
  deps ??= (async () => {
    const app = new App(loadConfig());
    return graphDepsFor(app, app.config.defaultCompanyId);
  })();
  return deps;
}).compile();
