import { AgentLedgerError } from "../../util/errors.js";
/** Errors of the knowledge service. Each has a stable `name`, a `code` and says whether a retry can help. */
export abstract class KnowledgeError extends AgentLedgerError {}

/** A search argument or load option is missing or out of range; `field` names it. */
export class InvalidKnowledgeInputError extends KnowledgeError {
  override readonly name = "InvalidKnowledgeInputError";
  readonly code = "KNOWLEDGE_INVALID_INPUT";
  readonly retriable = false;
  constructor(
    readonly field: string,
    expected: string,
  ) {
    super(`invalid ${field}: expected ${expected}`);
  }
}

/** The knowledge directory cannot be read or holds no markdown with text in it. */
export class KnowledgeLoadError extends KnowledgeError {
  override readonly name = "KnowledgeLoadError";
  readonly code = "KNOWLEDGE_LOAD_FAILED";
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The embeddings provider failed or answered something unusable. */
export class EmbeddingsError extends KnowledgeError {
  override readonly name = "EmbeddingsError";
  readonly code = "KNOWLEDGE_EMBEDDINGS_FAILED";
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isKnowledgeError(err: unknown): err is KnowledgeError {
  return err instanceof KnowledgeError;
}
