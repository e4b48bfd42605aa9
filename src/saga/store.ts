import type { SagaRecord, SagaStatus, StoredSaga } from "./types.js";

export type ClaimOutcome =
  | { ok: true; saga: StoredSaga }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "status"; status: SagaStatus }
  | { ok: false; reason: "leased"; owner: string; leaseUntil: number };

export type SaveOutcome = { ok: true; version: number } | { ok: false; owner: string | null };

export interface SagaListQuery {
  status?: SagaStatus;
  limit: number;
  /** Continue with sagas older than this id. */
  before: string | null;
}

/**
 * Persistence of sagas. Every write is one atomic operation (a Lua script on Redis, an immediate
 * transaction on SQLite). A saga is worked on by the holder of its lease only: `claim` takes it when
 * nobody holds it or the holder's lease expired, `save` is a compare-and-set on the owner, so two
 * processes can never both advance one saga. Lease times come from the store's clock.
 */
export interface SagaStore {
  readonly kind: string;
  /** Stores a new saga (no owner). Throws SagaError INVALID_INPUT when the id is taken. */
  create(record: SagaRecord): Promise<void>;
  get(companyId: string, sagaId: string): Promise<StoredSaga | null>;
  /** Newest first. */
  list(companyId: string, query: SagaListQuery): Promise<StoredSaga[]>;
  /** Takes the lease when the saga is in one of `statuses` and nobody holds an unexpired lease. */
  claim(
    companyId: string,
    sagaId: string,
    options: { owner: string; leaseMs: number; statuses: readonly SagaStatus[] },
  ): Promise<ClaimOutcome>;
  /** Extends the lease if `owner` still holds it; false when it was lost. */
  renew(companyId: string, sagaId: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Writes the record if `owner` still holds the saga (null: nobody may hold it). `release` gives the
   * lease up in the same write (terminal states).
   */
  save(record: SagaRecord, options: { owner: string | null; release?: boolean }): Promise<SaveOutcome>;
  /** Ids of sagas whose lease has expired (their holder stopped renewing it), oldest lease first. */
  expired(companyId: string, limit: number): Promise<string[]>;
  close(): Promise<void>;
}
