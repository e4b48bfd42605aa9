import { readdir, readFile } from "node:fs/promises";
import { join, sep } from "node:path";
import MiniSearch from "minisearch";
import { type Logger, silentLogger } from "../../util/logger.js";
import { InvalidKnowledgeInputError, KnowledgeLoadError } from "./errors.js";
import { type MarkdownChunk, splitMarkdown } from "./markdown-chunks.js";
import { defaultKnowledgeDir } from "./package-root.js";
import { analyzeSpanish, isStopWord, stemSpanish, tokenizeSpanish } from "./spanish.js";
import type {
  EmbeddingsProvider,
  KnowledgeResult,
  KnowledgeSearchResponse,
  VectorstoreService,
} from "./types.js";
import { cosine, reciprocalRankFusion, unitVector } from "./vector-math.js";

export interface KnowledgeBaseOptions {
  /** Folder of markdown files (subfolders included). Default: the package's `knowledge/` folder. */
  dir?: string;
  /** When given, chunks are embedded once at load and searches fuse text and vector ranks. */
  embeddings?: EmbeddingsProvider;
  /** Texts per embeddings request at load. Default 64. */
  embedBatchSize?: number;
  /** Sections longer than this are split at blank lines. Default 1500 characters. */
  maxChunkChars?: number;
  logger?: Logger;
}

export const DEFAULT_TOP_K = 3;
export const MAX_TOP_K = 20;
const MAX_QUERY_CHARS = 4_000;
/** Weight of a match in the chunk's own heading, and in the headings above it, against one in the body. */
const TITLE_BOOST = 2;
const SECTION_BOOST = 0.5;
/** Nearest neighbours that join the fusion besides the text matches. */
const SEMANTIC_CANDIDATES = 20;

interface IndexedChunk extends MarkdownChunk {
  id: number;
  /** The chunk's own heading (last part of the path), boosted. */
  title: string;
  /** The headings above it, e.g. the file's title. */
  section: string;
}

/**
 * A searchable clinic knowledge base built from markdown. Text search is BM25 (MiniSearch) with
 * Spanish normalisation, stop words and stemming, prefix and fuzzy matching, headings boosted.
 * With `embeddings` it is hybrid: BM25 and cosine ranks merged by reciprocal-rank fusion.
 *
 * Scores are in 0..1. Text only: relative to the best match of the query (the top result is 1).
 * Hybrid: the fused score over the best possible one (first in both rankings is 1).
 *
 * @example
 * const kb = await KnowledgeBase.load();
 * const { results } = await kb.search("¿Cuánto cuesta un blanqueamiento?");
 */
export class KnowledgeBase implements VectorstoreService {
  private constructor(
    private readonly chunks: IndexedChunk[],
    private readonly index: MiniSearch<IndexedChunk>,
    private readonly embeddings: EmbeddingsProvider | undefined,
    private readonly vectors: number[][] | undefined,
    private readonly logger: Logger,
  ) {}

  /** Reads and indexes every `.md` file under `dir`; embeds the chunks when `embeddings` is set. */
  static async load(options: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
    const dir = options.dir ?? defaultKnowledgeDir();
    const logger = options.logger ?? silentLogger;
    const chunks = await readChunks(dir, options.maxChunkChars);
    const stems = new Set(chunks.flatMap((c) => analyzeSpanish(`${c.title} ${c.section} ${c.content}`)));
    const index = new MiniSearch<IndexedChunk>({
      fields: ["title", "section", "content"],
      tokenize: (text) => tokenizeSpanish(text),
      processTerm: indexTerms,
      searchOptions: {
        boost: { title: TITLE_BOOST, section: SECTION_BOOST },
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        combineWith: "OR",
        processTerm: (term) => queryTerm(term, stems),
      },
    });
    index.addAll(chunks);
    let vectors: number[][] | undefined;
    if (options.embeddings) {
      vectors = await embedChunks(options.embeddings, chunks, options.embedBatchSize ?? 64);
    }
    logger.info("knowledge base loaded", { dir, chunks: chunks.length, hybrid: vectors !== undefined });
    return new KnowledgeBase(chunks, index, options.embeddings, vectors, logger);
  }

  get size(): number {
    return this.chunks.length;
  }

  /** `hybrid` when chunks were embedded at load, else `text`. */
  get mode(): "text" | "hybrid" {
    return this.vectors ? "hybrid" : "text";
  }

  async search(query: string, topK: number = DEFAULT_TOP_K): Promise<KnowledgeSearchResponse> {
    if (typeof query !== "string" || query.trim() === "") {
      throw new InvalidKnowledgeInputError("query", "a non-empty question or keywords");
    }
    if (query.length > MAX_QUERY_CHARS) {
      throw new InvalidKnowledgeInputError(
        "query",
        `at most ${MAX_QUERY_CHARS} characters, got ${query.length}`,
      );
    }
    if (!Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
      throw new InvalidKnowledgeInputError(
        "topK",
        `a whole number from 1 to ${MAX_TOP_K}, got ${String(topK)}`,
      );
    }
    const text = this.index.search(query);
    const queryVector = await this.embedQuery(query);
    if (!queryVector || !this.vectors) {
      const best = text[0]?.score ?? 1;
      const results = text.slice(0, topK).map((hit) => this.result(hit.id as number, hit.score / best));
      return { query, results, total_found: results.length, total_matches: text.length };
    }
    const semantic = this.vectors
      .map((v, id) => ({ id, similarity: cosine(queryVector, v) }))
      .filter((s) => s.similarity > 0)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, Math.max(SEMANTIC_CANDIDATES, topK));
    const fused = reciprocalRankFusion([text.map((h) => h.id as number), semantic.map((s) => s.id)]);
    const results = fused.slice(0, topK).map((f) => this.result(f.id, f.score));
    return { query, results, total_found: results.length, total_matches: fused.length };
  }

  private async embedQuery(query: string): Promise<number[] | undefined> {
    if (!this.embeddings || !this.vectors) return undefined;
    try {
      const [vector] = await this.embeddings.embed([query]);
      if (!vector || vector.length !== this.vectors[0]?.length) {
        throw new Error(
          `query vector has ${vector?.length ?? 0} dimensions, chunks have ${this.vectors[0]?.length}`,
        );
      }
      return unitVector(vector);
    } catch (err) {
      // A customer still gets an answer from the text index while the embeddings API is down.
      this.logger.warn("query embedding failed; answering from text search only", {
        error: err instanceof Error ? err.message : String(err),
      });
      return undefined;
    }
  }

  private result(id: number, score: number): KnowledgeResult {
    const chunk = this.chunks[id];
    if (!chunk) throw new Error(`chunk ${id} is not in the knowledge base`);
    return {
      content: chunk.content,
      metadata: { source: chunk.source, heading: chunk.heading, chunk: chunk.chunk },
      score: Math.round(Math.min(1, Math.max(0, score)) * 10_000) / 10_000,
    };
  }
}

/**
 * A word is indexed as its stem and, when different, as itself: the stem joins inflected forms,
 * the full word keeps fuzzy matching useful for typos that change the stem ("blanqueamento" is
 * one edit from "blanqueamiento" but far from its stem "blanqu").
 */
function indexTerms(term: string): string[] | null {
  if (isStopWord(term)) return null;
  const stem = stemSpanish(term);
  return stem === term ? [term] : [stem, term];
}

/**
 * A query word is searched as its stem when the knowledge base knows that stem (or a longer one
 * starting with it), else as the word itself for fuzzy matching. Never both: a word whose stem
 * differs would otherwise count twice against one whose stem is the word ("precio" vs "botox").
 */
function queryTerm(term: string, stems: ReadonlySet<string>): string | null {
  if (isStopWord(term)) return null;
  const stem = stemSpanish(term);
  if (stem === term || stems.has(stem)) return stem;
  for (const known of stems) if (known.startsWith(stem)) return stem;
  return term;
}

async function readChunks(dir: string, maxChunkChars: number | undefined): Promise<IndexedChunk[]> {
  let files: string[];
  try {
    const names = await readdir(dir, { recursive: true });
    files = names.filter((name) => name.toLowerCase().endsWith(".md")).sort();
  } catch (err) {
    throw new KnowledgeLoadError(
      `cannot read knowledge directory ${dir}: ${(err as Error).message}; set the dir option to a folder of .md files`,
      { cause: err },
    );
  }
  const chunks: IndexedChunk[] = [];
  for (const file of files) {
    const source = file.split(sep).join("/");
    const markdown = await readFile(join(dir, file), "utf8");
    for (const chunk of splitMarkdown(source, markdown, maxChunkChars)) {
      const path = chunk.heading.split(" > ");
      const title = path.pop() ?? "";
      chunks.push({ ...chunk, id: chunks.length, title, section: path.join(" ") });
    }
  }
  if (chunks.length === 0) {
    throw new KnowledgeLoadError(
      `knowledge directory ${dir} has no markdown text to search; add .md files with content under ## headings`,
    );
  }
  return chunks;
}

async function embedChunks(
  embeddings: EmbeddingsProvider,
  chunks: IndexedChunk[],
  batchSize: number,
): Promise<number[][]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidKnowledgeInputError(
      "embedBatchSize",
      `a whole number of at least 1, got ${String(batchSize)}`,
    );
  }
  const vectors: number[][] = [];
  for (let start = 0; start < chunks.length; start += batchSize) {
    const batch = chunks.slice(start, start + batchSize);
    const embedded = await embeddings.embed(batch.map((c) => `${c.heading}\n\n${c.content}`));
    if (embedded.length !== batch.length) {
      throw new KnowledgeLoadError(
        `embeddings provider returned ${embedded.length} vectors for ${batch.length} chunks`,
      );
    }
    vectors.push(...embedded.map(unitVector));
  }
  const dims = vectors[0]?.length ?? 0;
  if (dims === 0 || vectors.some((v) => v.length !== dims)) {
    throw new KnowledgeLoadError(
      "embeddings provider returned empty vectors or vectors of different lengths",
    );
  }
  return vectors;
}
