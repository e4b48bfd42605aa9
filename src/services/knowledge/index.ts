export {
  EmbeddingsError,
  InvalidKnowledgeInputError,
  isKnowledgeError,
  KnowledgeError,
  KnowledgeLoadError,
} from "./errors.js";
export { DEFAULT_TOP_K, KnowledgeBase, type KnowledgeBaseOptions, MAX_TOP_K } from "./knowledge-base.js";
export { type MarkdownChunk, splitMarkdown } from "./markdown-chunks.js";
export { OpenAIEmbeddings, type OpenAIEmbeddingsOptions } from "./openai-embeddings.js";
export { defaultKnowledgeDir, packageRoot } from "./package-root.js";
export {
  analyzeSpanish,
  normalizeSpanish,
  SPANISH_STOP_WORDS,
  stemSpanish,
  tokenizeSpanish,
} from "./spanish.js";
export type {
  EmbeddingsProvider,
  KnowledgeMetadata,
  KnowledgeResult,
  KnowledgeSearchResponse,
  VectorstoreService,
} from "./types.js";
