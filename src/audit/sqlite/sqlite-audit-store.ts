import type Database from "better-sqlite3";
import { openSqlite } from "../../util/sqlite.js";
import { AuditError } from "../errors.js";
import { chainLink } from "../signing.js";
import type {
  AuditStore,
  ChainRecord,
  CreateCommand,
  EntryStatus,
  LeaseCommand,
  LeaseOutcome,
  SealRecord,
  StoredEntry,
  StoreQuery,
  StoreQueryResult,
  TransitionCommand,
  TransitionOutcome,
} from "../store.js";
import type { AuditStatus } from "../types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_entries (
  company_id TEXT NOT NULL, audit_id TEXT NOT NULL, status TEXT NOT NULL,
  user_id TEXT NOT NULL, action_type TEXT NOT NULL, conversation_id TEXT, saga_id TEXT,
  created_ms INTEGER NOT NULL, expire_ms INTEGER NOT NULL,
  base TEXT NOT NULL, outcome TEXT, comp TEXT, updated_at TEXT NOT NULL,
  lease_owner TEXT, lease_until INTEGER,
  PRIMARY KEY (company_id, audit_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_entries (company_id, created_ms DESC, audit_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit_entries (company_id, user_id, created_ms DESC, audit_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_type ON audit_entries (company_id, action_type, created_ms DESC, audit_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_status ON audit_entries (company_id, status, created_ms DESC, audit_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_conv ON audit_entries (company_id, conversation_id, created_ms DESC, audit_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_saga ON audit_entries (company_id, saga_id, created_ms DESC, audit_id DESC);
CREATE TABLE IF NOT EXISTS audit_tags (
  company_id TEXT NOT NULL, tag TEXT NOT NULL, audit_id TEXT NOT NULL, created_ms INTEGER NOT NULL,
  PRIMARY KEY (company_id, tag, created_ms, audit_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_idempotency (
  company_id TEXT NOT NULL, idem_key TEXT NOT NULL, audit_id TEXT NOT NULL, expire_ms INTEGER NOT NULL,
  PRIMARY KEY (company_id, idem_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_chain (
  company_id TEXT NOT NULL, seq INTEGER NOT NULL, audit_id TEXT NOT NULL, op TEXT NOT NULL,
  digest TEXT NOT NULL, at INTEGER NOT NULL, sig TEXT NOT NULL, prev TEXT NOT NULL, chain TEXT NOT NULL,
  PRIMARY KEY (company_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_heads (company_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, chain TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_seals (
  company_id TEXT NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL, at INTEGER NOT NULL,
  prev_sig TEXT NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (company_id, sig)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_seals_order ON audit_seals (company_id, at, seq);
`;

interface EntryRow {
  audit_id: string;
  created_ms: number;
  base: string;
  status: string;
  outcome: string | null;
  comp: string | null;
  updated_at: string;
  lease_owner: string | null;
  lease_until: number | null;
}

const ENTRY_COLUMNS =
  "audit_id, created_ms, base, status, outcome, comp, updated_at, lease_owner, lease_until";

const COLUMN_OF = {
  userId: "user_id",
  actionType: "action_type",
  status: "status",
  conversationId: "conversation_id",
  sagaId: "saga_id",
} as const;

function toEntry(row: EntryRow): StoredEntry {
  return {
    auditId: row.audit_id,
    createdMs: row.created_ms,
    base: row.base,
    status: row.status as AuditStatus,
    outcome: row.outcome,
    comp: row.comp,
    updatedAt: row.updated_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
  };
}

/** Files created before entries had leases get the two columns (their pending rows have no lease). */
function addLeaseColumns(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>("PRAGMA table_info(audit_entries)").all();
  if (columns.some((c) => c.name === "lease_owner")) return;
  db.exec(
    "ALTER TABLE audit_entries ADD COLUMN lease_owner TEXT; ALTER TABLE audit_entries ADD COLUMN lease_until INTEGER;",
  );
}

/** How often (in writes) expired rows are purged; reads filter them out in between. */
const PURGE_EVERY = 500;

/** The embedded audit store: one SQLite file (WAL), each transition one transaction. */
export class SqliteAuditStore implements AuditStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private writes = 0;
  private readonly createTx: (cmd: CreateCommand) => void;
  private readonly transitionTx: (cmd: TransitionCommand) => TransitionOutcome;
  private readonly leaseTx: (cmd: LeaseCommand) => LeaseOutcome;
  private readonly selectEntry: Database.Statement<[string, string, number], EntryRow>;
  private readonly selectIdem: Database.Statement<[string, string, number], { audit_id: string }>;

  constructor(options: { path: string }) {
    this.db = openSqlite(options.path);
    this.db.exec(SCHEMA);
    addLeaseColumns(this.db);
    // Statements of the per-call reads, prepared once (a turn of the graph reads several entries).
    this.selectEntry = this.db.prepare(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE company_id = ? AND audit_id = ? AND expire_ms > ?`,
    );
    this.selectIdem = this.db.prepare(
      "SELECT audit_id FROM audit_idempotency WHERE company_id = ? AND idem_key = ? AND expire_ms > ?",
    );
    const insertEntry = this.db.prepare(
      `INSERT INTO audit_entries (company_id, audit_id, status, user_id, action_type, conversation_id, saga_id,
        created_ms, expire_ms, base, updated_at, lease_owner, lease_until)
        VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertTag = this.db.prepare("INSERT OR IGNORE INTO audit_tags VALUES (?, ?, ?, ?)");
    const upsertIdem = this.db.prepare(
      "INSERT INTO audit_idempotency VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET audit_id = excluded.audit_id, expire_ms = excluded.expire_ms",
    );
    const head = this.db.prepare<[string], { seq: number; chain: string }>(
      "SELECT seq, chain FROM audit_heads WHERE company_id = ?",
    );
    const setHead = this.db.prepare(
      "INSERT INTO audit_heads VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seq = excluded.seq, chain = excluded.chain",
    );
    const insertChain = this.db.prepare("INSERT INTO audit_chain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const appendChain = (companyId: string, auditId: string, stamp: CreateCommand["stamp"]) => {
      const h = head.get(companyId);
      const seq = (h?.seq ?? 0) + 1;
      const prev = h?.chain ?? "";
      const chain = chainLink(prev, stamp.sig);
      insertChain.run(companyId, seq, auditId, stamp.op, stamp.digest, stamp.at, stamp.sig, prev, chain);
      setHead.run(companyId, seq, chain);
    };
    this.createTx = this.db.transaction((cmd: CreateCommand) => {
      const ix = cmd.index;
      try {
        insertEntry.run(
          cmd.companyId,
          cmd.auditId,
          ix.userId,
          ix.actionType,
          ix.conversationId,
          ix.sagaId,
          cmd.createdMs,
          cmd.expireMs,
          cmd.base,
          cmd.updatedAt,
          cmd.lease.owner,
          cmd.lease.untilMs,
        );
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
          throw new AuditError("DUPLICATE_ID", `audit id ${cmd.auditId} is already used`, cmd.auditId);
        }
        throw err;
      }
      for (const tag of ix.tags) insertTag.run(cmd.companyId, tag, cmd.auditId, cmd.createdMs);
      if (ix.idempotencyKey) upsertIdem.run(cmd.companyId, ix.idempotencyKey, cmd.auditId, cmd.expireMs);
      appendChain(cmd.companyId, cmd.auditId, cmd.stamp);
    });
    const currentStatus = this.db.prepare<[string, string, number], { status: string }>(
      "SELECT status FROM audit_entries WHERE company_id = ? AND audit_id = ? AND expire_ms > ?",
    );
    // Leaving `pending` drops the lease: a finished entry has no owner.
    const updates = {
      outcome: this.db.prepare(
        "UPDATE audit_entries SET status = ?, outcome = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL WHERE company_id = ? AND audit_id = ?",
      ),
      comp: this.db.prepare(
        "UPDATE audit_entries SET status = ?, comp = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL WHERE company_id = ? AND audit_id = ?",
      ),
    };
    this.transitionTx = this.db.transaction((cmd: TransitionCommand): TransitionOutcome => {
      const row = currentStatus.get(cmd.companyId, cmd.auditId, cmd.stamp.at);
      if (!row) return { ok: false, current: null };
      if (row.status !== cmd.from) return { ok: false, current: row.status as AuditStatus };
      updates[cmd.field].run(cmd.to, cmd.value, cmd.updatedAt, cmd.companyId, cmd.auditId);
      appendChain(cmd.companyId, cmd.auditId, cmd.stamp);
      return { ok: true };
    });
    const leaseOf = this.db.prepare<
      [string, string, number],
      { status: string; lease_owner: string | null; lease_until: number | null }
    >(
      "SELECT status, lease_owner, lease_until FROM audit_entries WHERE company_id = ? AND audit_id = ? AND expire_ms > ?",
    );
    const setLease = this.db.prepare(
      "UPDATE audit_entries SET lease_owner = ?, lease_until = ? WHERE company_id = ? AND audit_id = ?",
    );
    this.leaseTx = this.db.transaction((cmd: LeaseCommand): LeaseOutcome => {
      const row = leaseOf.get(cmd.companyId, cmd.auditId, cmd.nowMs);
      if (!row) return { ok: false, status: null, owner: null, untilMs: null };
      const refused = {
        ok: false as const,
        status: row.status as AuditStatus,
        owner: row.lease_owner,
        untilMs: row.lease_until,
      };
      if (row.status !== "pending") return refused;
      if (cmd.mode === "renew" && row.lease_owner !== cmd.owner) return refused;
      if (cmd.mode === "claim" && (row.lease_until ?? 0) >= cmd.nowMs) return refused;
      setLease.run(cmd.owner, cmd.untilMs, cmd.companyId, cmd.auditId);
      return { ok: true };
    });
  }

  async lease(cmd: LeaseCommand): Promise<LeaseOutcome> {
    return this.leaseTx(cmd);
  }

  async create(cmd: CreateCommand): Promise<void> {
    this.createTx(cmd);
    this.maybePurge(cmd.companyId, cmd.cutoffMs);
  }

  async transition(cmd: TransitionCommand): Promise<TransitionOutcome> {
    const res = this.transitionTx(cmd);
    this.maybePurge(cmd.companyId, cmd.cutoffMs);
    return res;
  }

  async get(companyId: string, auditId: string, nowMs: number): Promise<StoredEntry | null> {
    const row = this.selectEntry.get(companyId, auditId, nowMs);
    return row ? toEntry(row) : null;
  }

  async findByIdempotencyKey(companyId: string, key: string, nowMs: number): Promise<string | null> {
    const row = this.selectIdem.get(companyId, key, nowMs);
    return row?.audit_id ?? null;
  }

  async query(q: StoreQuery, nowMs: number): Promise<StoreQueryResult> {
    const where = ["e.company_id = ?", "e.created_ms >= ?", "e.created_ms < ?", "e.expire_ms > ?"];
    const params: (string | number)[] = [
      q.companyId,
      q.fromMs,
      Math.min(q.toMs, Number.MAX_SAFE_INTEGER),
      nowMs,
    ];
    for (const [name, column] of Object.entries(COLUMN_OF)) {
      const value = q.filters[name as keyof typeof COLUMN_OF];
      if (value) {
        where.push(`e.${column} = ?`);
        params.push(value);
      }
    }
    let from = "audit_entries e";
    if (q.filters.tag) {
      from = "audit_tags t JOIN audit_entries e ON e.company_id = t.company_id AND e.audit_id = t.audit_id";
      where.push("t.company_id = ? AND t.tag = ?");
      params.push(q.companyId, q.filters.tag);
    }
    if (q.after) {
      where.push("(e.created_ms < ? OR (e.created_ms = ? AND e.audit_id < ?))");
      params.push(q.after.score, q.after.score, q.after.id);
    }
    const rows = this.db
      .prepare<(string | number)[], EntryRow>(
        `SELECT e.audit_id, e.created_ms, e.base, e.status, e.outcome, e.comp, e.updated_at, e.lease_owner,
           e.lease_until FROM ${from}
         WHERE ${where.join(" AND ")} ORDER BY e.created_ms DESC, e.audit_id DESC LIMIT ?`,
      )
      .all(...params, q.limit + 1);
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit).map(toEntry);
    const last = page.at(-1);
    return { entries: page, next: more && last ? { score: last.createdMs, id: last.auditId } : null };
  }

  async *readChain(companyId: string): AsyncIterable<ChainRecord[]> {
    const stmt = this.db.prepare<
      [string, number],
      {
        seq: number;
        audit_id: string;
        op: string;
        digest: string;
        at: number;
        sig: string;
        prev: string;
        chain: string;
      }
    >(
      "SELECT seq, audit_id, op, digest, at, sig, prev, chain FROM audit_chain WHERE company_id = ? AND seq > ? ORDER BY seq LIMIT 1000",
    );
    let after = -1;
    for (;;) {
      const rows = stmt.all(companyId, after);
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        seq: r.seq,
        auditId: r.audit_id,
        op: r.op as ChainRecord["op"],
        digest: r.digest,
        at: r.at,
        sig: r.sig,
        prev: r.prev,
        chain: r.chain,
      }));
      after = rows[rows.length - 1]?.seq ?? after;
    }
  }

  async getMany(
    companyId: string,
    auditIds: readonly string[],
    nowMs: number,
  ): Promise<Map<string, StoredEntry>> {
    const out = new Map<string, StoredEntry>();
    if (auditIds.length === 0) return out;
    const rows = this.db
      .prepare<[string, string, number], EntryRow>(
        `SELECT audit_id, created_ms, base, status, outcome, comp, updated_at FROM audit_entries
         WHERE company_id = ? AND audit_id IN (SELECT value FROM json_each(?)) AND expire_ms > ?`,
      )
      .all(companyId, JSON.stringify(auditIds), nowMs);
    for (const row of rows) out.set(row.audit_id, toEntry(row));
    return out;
  }

  async *listEntries(companyId: string, nowMs: number): AsyncIterable<EntryStatus[]> {
    const stmt = this.db.prepare<[string, number, string], { audit_id: string; status: string }>(
      "SELECT audit_id, status FROM audit_entries WHERE company_id = ? AND expire_ms > ? AND audit_id > ? ORDER BY audit_id LIMIT 1000",
    );
    let after = "";
    for (;;) {
      const rows = stmt.all(companyId, nowMs, after);
      if (rows.length === 0) return;
      yield rows.map((r) => ({ auditId: r.audit_id, status: r.status as AuditStatus }));
      after = rows[rows.length - 1]?.audit_id ?? after;
    }
  }

  async chainHead(companyId: string): Promise<{ seq: number; chain: string } | null> {
    return (
      this.db
        .prepare<[string], { seq: number; chain: string }>(
          "SELECT seq, chain FROM audit_heads WHERE company_id = ?",
        )
        .get(companyId) ?? null
    );
  }

  async appendSeal(companyId: string, seal: SealRecord, cutoffMs: number): Promise<boolean> {
    return this.db.transaction(() => {
      const last = this.db
        .prepare<[string], { sig: string }>(
          "SELECT sig FROM audit_seals WHERE company_id = ? ORDER BY at DESC, seq DESC LIMIT 1",
        )
        .get(companyId);
      if ((last?.sig ?? "") !== seal.prevSig) return false;
      this.db
        .prepare("INSERT INTO audit_seals VALUES (?, ?, ?, ?, ?, ?)")
        .run(companyId, seal.seq, seal.chain, seal.at, seal.prevSig, seal.sig);
      this.db.prepare("DELETE FROM audit_seals WHERE company_id = ? AND at < ?").run(companyId, cutoffMs);
      return true;
    })();
  }

  async readSeals(companyId: string): Promise<SealRecord[]> {
    return this.db
      .prepare<[string], { seq: number; chain: string; at: number; prev_sig: string; sig: string }>(
        "SELECT seq, chain, at, prev_sig, sig FROM audit_seals WHERE company_id = ? ORDER BY at, seq",
      )
      .all(companyId)
      .map((r) => ({ seq: r.seq, chain: r.chain, at: r.at, prevSig: r.prev_sig, sig: r.sig }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Direct access for operators' tooling and tamper tests. */
  get database(): Database.Database {
    return this.db;
  }

  /** Drops a tenant's rows older than its retention cutoff (the same bound queries already apply). */
  private maybePurge(companyId: string, cutoffMs: number): void {
    if (++this.writes % PURGE_EVERY !== 0) return;
    this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM audit_entries WHERE company_id = ? AND created_ms < ?")
        .run(companyId, cutoffMs);
      this.db
        .prepare("DELETE FROM audit_tags WHERE company_id = ? AND created_ms < ?")
        .run(companyId, cutoffMs);
      this.db
        .prepare("DELETE FROM audit_idempotency WHERE company_id = ? AND expire_ms <= ?")
        .run(companyId, cutoffMs);
      this.db.prepare("DELETE FROM audit_chain WHERE company_id = ? AND at < ?").run(companyId, cutoffMs);
    })();
  }
}
