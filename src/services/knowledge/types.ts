/** What a chunk found by a search carries. */
export interface KnowledgeMetadata {
  /** Markdown file the chunk comes from, relative to the knowledge directory. */
  source: string;
  /** Heading path of the chunk, e.g. `Tratamientos dentales > Blanqueamiento dental`. */
  heading: string;
  /** Position of the chunk within its file, from 0. */
  chunk: number;
}

export interface KnowledgeResult {
  content: string;
  metadata: KnowledgeMetadata;
  /** Relevance between 0 and 1, higher is better. */
  score: number;
}

/** The answer of the `knowledge_base` tool. */
export interface KnowledgeSearchResponse {
  query: string;
  results: KnowledgeResult[];
  /** How many results are returned (the length of `results`, at most `topK`), as the user guide shows it. */
  total_found: number;
  /** How many chunks matched at all, before `topK` was applied. */
  total_matches: number;
}

/** The service the `knowledge_base` tool searches. */
export interface VectorstoreService {
  search(query: string, topK?: number): Promise<KnowledgeSearchResponse>;
  /** Number of chunks indexed. */
  readonly size: number;
}

/** Turns texts into vectors; one vector per text, in the same order. */
export interface EmbeddingsProvider {
  embed(texts: string[]): Promise<number[][]>;
}
