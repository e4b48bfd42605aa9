import type { Logger } from "../util/logger.js";
import { SagaError } from "./errors.js";
import type { SagaStore } from "./store.js";
import type { SagaRecord } from "./types.js";

/**
 * The lease one process holds on one saga: renewed on a timer (unref'd, so it never keeps a process
 * alive) and checked on every write. Once lost, every further write or side effect is refused.
 */
export class SagaLease {
  private timer: NodeJS.Timeout | null = null;
  private lostTo: string | null | undefined;

  constructor(
    private readonly store: SagaStore,
    private readonly companyId: string,
    readonly sagaId: string,
    readonly owner: string,
    readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  get lost(): boolean {
    return this.lostTo !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Throws LEASE_LOST once another process took the saga over. Call before each side effect. */
  assertHeld(): void {
    if (this.lost) throw this.lostError();
  }

  /** Writes the record if this process still holds the saga; `release` gives the lease up with it. */
  async persist(record: SagaRecord, release = false): Promise<void> {
    this.assertHeld();
    record.updatedAt = new Date().toISOString();
    const res = await this.store.save(record, { owner: this.owner, release });
    if (!res.ok) {
      this.lostTo = res.owner;
      this.stop();
      throw this.lostError();
    }
    if (release) this.stop();
  }

  private async renew(): Promise<void> {
    try {
      const held = await this.store.renew(this.companyId, this.sagaId, this.owner, this.leaseMs);
      if (!held) {
        this.lostTo = null;
        this.stop();
        this.logger.warn("saga lease lost: another process took the saga over", { sagaId: this.sagaId });
      }
    } catch (err) {
      // The store is unreachable: keep trying; the next write will tell whether the lease is still ours.
      this.logger.warn("saga lease renewal failed", { sagaId: this.sagaId, err });
    }
  }

  private lostError(): SagaError {
    return new SagaError(
      "LEASE_LOST",
      `saga ${this.sagaId}: this process (${this.owner}) no longer holds its lease` +
        (this.lostTo ? ` (now held by ${this.lostTo})` : "") +
        "; it stopped without further side effects and the new holder finishes the saga",
      this.sagaId,
    );
  }
}
