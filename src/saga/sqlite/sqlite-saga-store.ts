import type Database from "better-sqlite3";
import { idTime } from "../../util/ids.js";
import { openSqlite } from "../../util/sqlite.js";
import { SagaError } from "../errors.js";
import { decodeRecord, encodeRecord } from "../record-codec.js";
import type { ClaimOutcome, SagaListQuery, SagaStore, SaveOutcome } from "../store.js";
import type { SagaRecord, SagaStatus, StoredSaga } from "../types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS saga_records (
  company_id TEXT NOT NULL, saga_id TEXT NOT NULL, status TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL,
  expire_ms INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (company_id, saga_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS saga_by_status ON saga_records (company_id, status, saga_id);
CREATE INDEX IF NOT EXISTS saga_by_lease ON saga_records (company_id, lease_until) WHERE owner <> '';
CREATE INDEX IF NOT EXISTS saga_by_expiry ON saga_records (company_id, expire_ms);
`;

interface Row {
  data: string;
  owner: string;
  lease_until: number;
  version: number;
}

const DAY_MS = 86_400_000;

export interface SqliteSagaStoreOptions {
  /** SQLite file (its folder is created), or `:memory:`. May be the audit trail's file. */
  path: string;
  /** How long a saga is kept after it was created, in days (default 90). */
  ttlDays?: number;
}

/**
 * The embedded saga store: one row per saga in a SQLite file (WAL). Claims and saves run in
 * immediate transactions, so two processes sharing the file cannot both hold one saga.
 *
 * @example
 * const store = new SqliteSagaStore({ path: ".data/sagas.db" });
 */
export class SqliteSagaStore implements SagaStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly ttlMs: number;
  private readonly claimTx: (
    companyId: string,
    sagaId: string,
    o: { owner: string; leaseMs: number; statuses: readonly SagaStatus[] },
  ) => ClaimOutcome;
  private readonly saveTx: (record: SagaRecord, owner: string, release: boolean) => SaveOutcome;
  private readonly purgeExpired: Database.Statement<[string, number]>;
  private readonly insert: Database.Statement<[string, string, string, number, string]>;
  private readonly selectOne: Database.Statement<[string, string, number], Row>;

  constructor(options: SqliteSagaStoreOptions) {
    const ttlDays = options.ttlDays ?? 90;
    if (!(ttlDays > 0)) {
      throw new SagaError("INVALID_INPUT", `ttlDays: expected a positive number of days (got ${ttlDays})`);
    }
    this.ttlMs = ttlDays * DAY_MS;
    this.db = openSqlite(options.path);
    this.db.exec(SCHEMA);

    this.purgeExpired = this.db.prepare("DELETE FROM saga_records WHERE company_id = ? AND expire_ms <= ?");
    this.insert = this.db.prepare(
      "INSERT INTO saga_records (company_id, saga_id, status, version, expire_ms, data) VALUES (?, ?, ?, 1, ?, ?)",
    );
    this.selectOne = this.db.prepare(
      "SELECT data, owner, lease_until, version FROM saga_records WHERE company_id = ? AND saga_id = ? AND expire_ms > ?",
    );
    const select = this.db.prepare<[string, string, number], Row & { status: string }>(
      "SELECT status, data, owner, lease_until, version FROM saga_records WHERE company_id = ? AND saga_id = ? AND expire_ms > ?",
    );
    const takeLease = this.db.prepare(
      "UPDATE saga_records SET owner = ?, lease_until = ?, version = version + 1 WHERE company_id = ? AND saga_id = ?",
    );
    const claim = this.db.transaction(
      (
        companyId: string,
        sagaId: string,
        o: { owner: string; leaseMs: number; statuses: readonly SagaStatus[] },
      ): ClaimOutcome => {
        const now = Date.now();
        const row = select.get(companyId, sagaId, now);
        if (!row) return { ok: false, reason: "not_found" };
        if (!o.statuses.includes(row.status as SagaStatus))
          return { ok: false, reason: "status", status: row.status as SagaStatus };
        if (row.owner !== "" && row.lease_until > now)
          return { ok: false, reason: "leased", owner: row.owner, leaseUntil: row.lease_until };
        const until = now + Math.max(1, Math.round(o.leaseMs));
        takeLease.run(o.owner, until, companyId, sagaId);
        const saga = toStored({ ...row, owner: o.owner, lease_until: until, version: row.version + 1 });
        if (!saga) return { ok: false, reason: "not_found" };
        return { ok: true, saga };
      },
    );
    this.claimTx = (companyId, sagaId, o) => claim.immediate(companyId, sagaId, o);

    const ownerOf = this.db.prepare<[string, string], { owner: string; version: number }>(
      "SELECT owner, version FROM saga_records WHERE company_id = ? AND saga_id = ?",
    );
    const write = this.db.prepare(
      "UPDATE saga_records SET data = ?, status = ?, version = version + 1 WHERE company_id = ? AND saga_id = ?",
    );
    const release = this.db.prepare(
      "UPDATE saga_records SET owner = '', lease_until = 0 WHERE company_id = ? AND saga_id = ?",
    );
    const save = this.db.transaction((record: SagaRecord, owner: string, doRelease: boolean): SaveOutcome => {
      const row = ownerOf.get(record.companyId, record.sagaId);
      if (!row) return { ok: false, owner: null };
      if (row.owner !== owner) return { ok: false, owner: row.owner === "" ? null : row.owner };
      write.run(encodeRecord(record), record.status, record.companyId, record.sagaId);
      if (doRelease) release.run(record.companyId, record.sagaId);
      return { ok: true, version: row.version + 1 };
    });
    this.saveTx = (record, owner, doRelease) => save.immediate(record, owner, doRelease);
  }

  async create(record: SagaRecord): Promise<void> {
    const now = Date.now();
    this.purgeExpired.run(record.companyId, now);
    try {
      this.insert.run(
        record.companyId,
        record.sagaId,
        record.status,
        idTime(record.sagaId) + this.ttlMs,
        encodeRecord(record),
      );
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new SagaError("INVALID_INPUT", `sagaId: ${record.sagaId} is already used`, record.sagaId);
      }
      throw err;
    }
  }

  async get(companyId: string, sagaId: string): Promise<StoredSaga | null> {
    const row = this.selectOne.get(companyId, sagaId, Date.now());
    return row ? toStored(row) : null;
  }

  async list(companyId: string, query: SagaListQuery): Promise<StoredSaga[]> {
    const where = ["company_id = ?", "expire_ms > ?"];
    const args: (string | number)[] = [companyId, Date.now()];
    if (query.status) {
      where.push("status = ?");
      args.push(query.status);
    }
    if (query.before) {
      where.push("saga_id < ?");
      args.push(query.before);
    }
    const rows = this.db
      .prepare<(string | number)[], Row>(
        `SELECT data, owner, lease_until, version FROM saga_records WHERE ${where.join(" AND ")} ORDER BY saga_id DESC LIMIT ?`,
      )
      .all(...args, query.limit);
    return rows.map(toStored).filter((s): s is StoredSaga => s !== null);
  }

  async claim(
    companyId: string,
    sagaId: string,
    options: { owner: string; leaseMs: number; statuses: readonly SagaStatus[] },
  ): Promise<ClaimOutcome> {
    return this.claimTx(companyId, sagaId, options);
  }

  async renew(companyId: string, sagaId: string, owner: string, leaseMs: number): Promise<boolean> {
    const res = this.db
      .prepare("UPDATE saga_records SET lease_until = ? WHERE company_id = ? AND saga_id = ? AND owner = ?")
      .run(Date.now() + Math.max(1, Math.round(leaseMs)), companyId, sagaId, owner);
    return res.changes === 1;
  }

  async save(record: SagaRecord, options: { owner: string | null; release?: boolean }): Promise<SaveOutcome> {
    return this.saveTx(record, options.owner ?? "", options.release ?? false);
  }

  async expired(companyId: string, limit: number): Promise<string[]> {
    const rows = this.db
      .prepare<[string, number, number], { saga_id: string }>(
        "SELECT saga_id FROM saga_records WHERE company_id = ? AND owner <> '' AND lease_until <= ? ORDER BY lease_until LIMIT ?",
      )
      .all(companyId, Date.now(), limit);
    return rows.map((r) => r.saga_id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toStored(row: Row): StoredSaga | null {
  const record = decodeRecord(row.data);
  if (!record) return null;
  return {
    record,
    owner: row.owner === "" ? null : row.owner,
    leaseUntil: row.owner === "" ? null : row.lease_until,
    version: row.version,
  };
}
