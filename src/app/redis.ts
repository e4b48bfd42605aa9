import { Redis } from "ioredis";
import { AgentLedgerError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { withTimeout } from "../util/retry.js";

/** How long start-up waits for Redis to answer a PING before giving up. */
export const REDIS_START_TIMEOUT_MS = 3000;

/** Redis did not answer at start-up; the message is one line naming the URL (password hidden) and why. */
export class RedisUnavailableError extends AgentLedgerError {
  override readonly name = "RedisUnavailableError";
  readonly code = "REDIS_UNAVAILABLE";
  readonly retriable = true;
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach Redis at ${url}: ${reason} (start Redis there, fix REDIS_URL, or unset it to use the embedded SQLite stores)`,
    );
  }
}

/** `redis://user:secret@host:6379/0` -> `redis://user:***@host:6379/0`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** The text of a connection error, e.g. `connect ECONNREFUSED 127.0.0.1:6390`, on one line. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.replace(/\s+/g, " ").trim();
}

/**
 * A Redis client that never leaves an `error` event unhandled (ioredis prints a stack trace for
 * each reconnection attempt otherwise) and logs an outage once when it starts and once when it
 * ends, however many commands fail or reconnections are tried in between.
 */
export class MonitoredRedis {
  readonly client: Redis;
  readonly url: string;
  private state: "unknown" | "up" | "down" = "unknown";
  private lastError: unknown = null;
  /** While false (during the start-up check) the outage is reported by `check()`, not logged. */
  private logging = true;

  constructor(url: string, logger: Logger) {
    this.url = redactUrl(url);
    // lazyConnect: nothing happens until the first command or `check()`, so building an App costs
    // no connection and a failed start-up leaves no reconnecting socket behind.
    this.client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true, connectTimeout: 2000 });
    this.client.on("error", (err: unknown) => {
      this.lastError = err;
      if (this.state === "down") return;
      this.state = "down";
      if (this.logging)
        logger.error("Redis unreachable; audited actions and sagas fail until it is back", {
          redis: this.url,
          reason: reasonOf(err),
        });
    });
    this.client.on("ready", () => {
      const wasDown = this.state === "down";
      this.state = "up";
      this.lastError = null;
      if (wasDown && this.logging) logger.info("Redis reachable again", { redis: this.url });
    });
  }

  /**
   * Connects and sends a PING, waiting at most `timeoutMs`. Throws a RedisUnavailableError
   * naming the URL and the connection error (ECONNREFUSED, ENOTFOUND, a refused password...).
   */
  async check(timeoutMs = REDIS_START_TIMEOUT_MS): Promise<void> {
    this.logging = false;
    try {
      await withTimeout(timeoutMs, () => this.client.ping());
    } catch (err) {
      const cause = this.lastError ?? err;
      throw new RedisUnavailableError(
        this.url,
        this.lastError === null && (err as { name?: string }).name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : reasonOf(cause),
      );
    } finally {
      this.logging = true;
    }
  }

  /** Closes the connection and stops reconnecting. */
  close(): void {
    this.client.disconnect();
  }
}
