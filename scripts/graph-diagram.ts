/**
 * Prints the agent graph as a Mermaid diagram, drawn by LangGraph from the compiled graph
 * (`npx tsx scripts/graph-diagram.ts`); the README's diagram is this output.
 */
import { buildGraph } from "../src/graph/graph.js";

// Drawing reads only the nodes and edges: no node runs, so the graph needs no tenant or agents.
const graph = buildGraph(() => Promise.reject(new Error("the diagram does not run the graph"))).compile();
const drawable = await graph.getGraphAsync();
process.stdout.write(`${drawable.drawMermaid()}\n`);
