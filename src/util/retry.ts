/** Exponential backoff with full jitter, as used by the executor, the email service and sagas. */
export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  /** Delay before the first retry, in milliseconds. */
  baseDelayMs: number;
  /** Upper bound for one delay, in milliseconds. */
  maxDelayMs: number;
  /** 0 = no jitter, 1 = full jitter (a delay anywhere in [0, computed]). */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 5_000, jitter: 0.5 };

export function backoffDelay(
  policy: RetryPolicy,
  retryIndex: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  const jitter = Math.max(0, Math.min(1, policy.jitter));
  return Math.round(exp * (1 - jitter * random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A deadline passed. Deliberately a plain Error with the network code `ETIMEDOUT` and no
 * `retriable` flag: classifiers (email, HTTP) treat it as a connection time-out whose outcome is
 * unknown, which a `retriable` flag would override.
 */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ETIMEDOUT";
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/** Runs `fn` with a deadline; the signal is aborted when the deadline passes. */
export async function withTimeout<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return fn(new AbortController().signal);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(timeoutMs);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `fn` until it succeeds, `isRetriable` says no, or the retries are used up.
 * The last error is rethrown with `attempts` recorded on the result of `onAttempt`.
 */
export async function retry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  isRetriable: (err: unknown) => boolean,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (err) {
      if (attempt > policy.maxRetries || !isRetriable(err)) {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { attempts: attempt });
      }
      const delay = backoffDelay(policy, attempt - 1);
      onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

/**
 * Whether an error is worth retrying: network failures, time-outs, HTTP 429 and 5xx, SMTP 4xx.
 * Validation errors and other 4xx are final.
 */
export function isTransientError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    responseCode?: unknown;
    retriable?: unknown;
    response?: { status?: unknown };
  };
  if (typeof e.retriable === "boolean") return e.retriable;
  const status = [e.status, e.statusCode, e.response?.status].find((v) => typeof v === "number") as
    | number
    | undefined;
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  if (typeof e.responseCode === "number") return e.responseCode >= 400 && e.responseCode < 500;
  const code = typeof e.code === "string" ? e.code : "";
  return [
    "ECONNRESET",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EPIPE",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ESOCKET",
    "ECONNECTION",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
  ].includes(code);
}
