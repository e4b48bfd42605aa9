import type { AuditManager } from "../audit/audit-manager.js";
import { AgentLedgerError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { TimeoutError } from "../util/retry.js";
import { messageOf } from "./errors.js";

/**
 * A timed-out attempt whose handler did not stop within the grace period: it may still act, so its
 * entry stays `pending` (nothing may be marked failed or retried while it runs) until its lease
 * lapses and recovery reconciles it. `late` settles when the handler finally does.
 */
export class OutcomeUnknownError extends AgentLedgerError {
  override readonly name = "OutcomeUnknownError";
  readonly code = "OUTCOME_UNKNOWN";
  readonly retriable = false;
  constructor(
    readonly timeoutMs: number,
    readonly graceMs: number,
    readonly late: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>,
  ) {
    super(
      `timed out after ${timeoutMs} ms and did not stop within ${graceMs} ms of being aborted: ` +
        "it may still take effect, so its audit entry stays pending until recovery reconciles it",
    );
  }
}

/**
 * Runs one attempt with a deadline. At the deadline its signal is aborted and the handler gets
 * `graceMs` to settle; whatever it settles with within the grace counts (a result that arrives after
 * the abort did take effect, so it is a success). Only a rejection or the abort itself becomes the
 * retriable TimeoutError, and only once the handler has stopped. A handler that does not settle
 * within the grace throws OutcomeUnknownError, which is never retried. `stop` (e.g. the lease was
 * lost to another process) aborts the attempt at once.
 */
export async function runAttempt<T>(
  timeoutMs: number,
  graceMs: number,
  stop: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  const settled = Promise.resolve()
    .then(() => fn(controller.signal))
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return unwrap(await settled);
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), timeoutMs);
    });
    const first = await Promise.race([settled, deadline]);
    if (first !== "deadline") return unwrap(first);
    const timeout = new TimeoutError(timeoutMs);
    controller.abort(timeout);
    const grace = new Promise<"grace">((resolve) => {
      timer = setTimeout(() => resolve("grace"), graceMs);
    });
    const late = await Promise.race([settled, grace]);
    if (late === "grace") throw new OutcomeUnknownError(timeoutMs, graceMs, settled);
    if (late.ok) return late.value;
    throw timeout;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener("abort", onStop);
  }
}

function unwrap<T>(outcome: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/**
 * Keeps the lease of a pending entry while its call runs: the first renewal happens only after a
 * third of the lease, so a call shorter than that costs no extra round trip. When another process
 * took the entry over, `lost` is aborted (the call is stopped: recovery owns the entry now).
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: AuditManager,
    private readonly auditId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  /** Aborted once the lease belongs to someone else. */
  get lost(): AbortSignal {
    return this.controller.signal;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async renew(): Promise<void> {
    try {
      if (await this.audit.renewLease(this.auditId, this.leaseMs)) return;
      this.stop();
      this.logger.error("audit lease lost while the call ran: another process took the entry over", {
        auditId: this.auditId,
      });
      this.controller.abort(new Error(`audit entry ${this.auditId} was taken over by recovery`));
    } catch (err) {
      // The store is unreachable: keep trying; the lease is still ours until someone claims it.
      this.logger.warn("audit lease renewal failed", { auditId: this.auditId, err: messageOf(err) });
    }
  }
}
