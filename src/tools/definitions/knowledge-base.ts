import { z } from "zod";
import type { KnowledgeSearchResponse } from "../../services/knowledge/index.js";
import { defineTool } from "../define-tool.js";

const schema = z.object({
  query: z
    .string()
    .trim()
    .min(1, "expected a non-empty search query")
    .max(500, "expected at most 500 characters"),
  top_k: z.number().int("expected a whole number").min(1).max(20).default(3),
});

/** Searches the clinic's knowledge base (treatments, prices, hours, policies). */
export const knowledgeBaseTool = defineTool({
  name: "knowledge_base",
  description:
    "Search the clinic's knowledge base (treatments, prices, durations, opening hours, policies, pre/post care). Use it before answering factual questions.",
  actionType: "rag_search",
  service: "vectorstore",
  schema,
  run: (p, s): Promise<KnowledgeSearchResponse> => s.vectorstore.search(p.query, p.top_k),
});
