/**
 * The graph for LangGraph Studio / `langgraph dev` (see langgraph.json): compiled without a
 * checkpointer, because the dev server brings its own. Built on the embedded defaults of the
 * environment's default tenant with the agents of the agent factory.
 */
import { App } from "../app.js";
import { loadConfig } from "../config/index.js";
import { buildGraph } from "./graph.js";
import { graphDepsFor } from "./converse.js";

const app = new App(loadConfig());
const deps = await graphDepsFor(app, app.config.defaultCompanyId);

export const graph = buildGraph(deps).compile();
