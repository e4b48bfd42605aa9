import { SAGA_STATUSES, type SagaStatus } from "../types.js";

/**
 * Every Redis key of the saga store is built here. All keys of a tenant share the `{companyId}` hash
 * tag (as the audit trail's do), so one Lua script may touch them all on a Redis Cluster.
 * Index sorted sets hold saga ids with score 0: ids are ULIDs, so lexical order is creation order.
 */
export class SagaKeys {
  readonly root: string;
  constructor(prefix: string, companyId: string) {
    this.root = `${prefix}:{${companyId}}:sg`;
  }
  record(sagaId: string): string {
    return `${this.root}:r:${sagaId}`;
  }
  get all(): string {
    return `${this.root}:all`;
  }
  status(status: SagaStatus): string {
    return `${this.root}:s:${status}`;
  }
  /** Every status index, in SAGA_STATUSES order. */
  get statusIndexes(): string[] {
    return SAGA_STATUSES.map((s) => this.status(s));
  }
  /** Sagas someone holds, scored by lease expiry (epoch ms). */
  get leases(): string {
    return `${this.root}:lease`;
  }
}
