/** Things to close, closed newest first (a service before the store it writes to). */
export class Closers {
  private readonly list: (() => unknown)[] = [];

  add(...closers: (() => unknown)[]): void {
    this.list.push(...closers);
  }

  /** Runs every closer once, newest first; a failing one does not stop the others. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.list.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to close`);
  }
}

/** Closes a service that holds a connection or a file, when it has a `close()`. */
export async function closeIfPossible(service: object): Promise<void> {
  const close = (service as { close?: () => unknown }).close;
  if (typeof close === "function") await close.call(service);
}
