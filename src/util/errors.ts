/**
 * Input refused before anything happened. The message names the field and what is expected;
 * a retry with the same input cannot help. Services subclass it to give it their own name.
 */
export class InputError extends Error {
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
