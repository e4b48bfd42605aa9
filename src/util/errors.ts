/**
 * The base of every error the project raises on purpose: a stable `name`, a stable `code` and
 * whether trying the same call again can help (`retriable`, which `isTransientError` in
 * src/util/retry.ts honours first). Module errors (audit, saga, tools, each service) extend it and
 * keep their own names, codes and fields.
 *
 * @example
 * if (isAgentLedgerError(err) && err.retriable) await retryLater();
 */
export abstract class AgentLedgerError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

/** True for any error of this project (any subclass of `AgentLedgerError`). */
export function isAgentLedgerError(err: unknown): err is AgentLedgerError {
  return err instanceof AgentLedgerError;
}

/**
 * Input refused before anything happened. The message names the field and what is expected;
 * a retry with the same input cannot help. Services subclass it to give it their own name.
 */
export class InputError extends AgentLedgerError {
  override readonly name: string = "InputError";
  readonly code: string = "INVALID_INPUT";
  readonly retriable = false;
  constructor(
    readonly field: string,
    expected: string,
  ) {
    super(`invalid ${field}: expected ${expected}`);
  }
}
