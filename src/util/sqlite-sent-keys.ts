import type Database from "better-sqlite3";
import {
  type ClaimResult,
  decodeMarker,
  encodeMarker,
  type ReleaseOutcome,
  type SendClaimStore,
} from "./send-claims.js";
import { openSqlite } from "./sqlite.js";

/**
 * Send claims and results of things sent by idempotency key (emails, WhatsApp messages) in a
 * SQLite table scoped by tenant; see SendClaimStore. Every operation is one `BEGIN IMMEDIATE`
 * transaction, so processes sharing the file serialise on it (waiting up to the busy timeout).
 * Rows expire after their TTL.
 */
export class SqliteSentKeys implements SendClaimStore {
  private readonly db: Database.Database;
  private readonly owns: boolean;
  private readonly ttlMs: number;
  private readonly readStmt: Database.Statement<[string, string, number], { value: string }>;
  private readonly writeStmt: Database.Statement<[string, string, string, number]>;
  private readonly claimTx: (key: string, owner: string, leaseMs: number) => ClaimResult;
  private readonly completeTx: (key: string, owner: string, result: string, ttlMs: number) => boolean;

  constructor(
    private readonly options: {
      table: string;
      companyId: string;
      path?: string;
      database?: Database.Database;
      /** How long a result (and an in-flight marker) is kept; default 7 days. */
      ttlMs?: number;
    },
  ) {
    if (!/^[a-z_]+$/.test(options.table))
      throw new Error(`table: expected a lower-case table name (got "${options.table}")`);
    this.owns = options.database === undefined;
    this.ttlMs = options.ttlMs ?? 7 * 86_400_000;
    this.db = options.database ?? openSqlite(options.path ?? ":memory:", { busyTimeoutMs: 10_000 });
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${options.table} (
        company_id TEXT NOT NULL, idem_key TEXT NOT NULL, value TEXT NOT NULL, expire_ms INTEGER NOT NULL,
        PRIMARY KEY (company_id, idem_key)) WITHOUT ROWID`,
    );
    // The statements and transactions of every send, prepared once.
    this.readStmt = this.db.prepare(
      `SELECT value FROM ${options.table} WHERE company_id = ? AND idem_key = ? AND expire_ms > ?`,
    );
    this.writeStmt = this.db.prepare(`INSERT OR REPLACE INTO ${options.table} VALUES (?, ?, ?, ?)`);
    const claim = this.db.transaction((key: string, owner: string, leaseMs: number): ClaimResult => {
      const now = Date.now();
      const current = this.#read(key, now);
      const marker = current === null ? null : decodeMarker(current);
      if (current !== null && marker === null) return { status: "done", result: current };
      if (marker && marker.owner !== owner && marker.leaseEndMs > now) {
        return { status: "busy", owner: marker.owner };
      }
      this.#write(key, encodeMarker(now + leaseMs, owner), now + this.ttlMs);
      return { status: "claimed", takeover: marker !== null && marker.owner !== owner };
    });
    this.claimTx = (key, owner, leaseMs) => claim.immediate(key, owner, leaseMs);
    const complete = this.db.transaction((key: string, owner: string, result: string, ttlMs: number) => {
      const now = Date.now();
      const current = this.#read(key, now);
      if (current !== null && decodeMarker(current)?.owner !== owner) return false;
      this.#write(key, result, now + Math.max(1, Math.round(ttlMs)));
      return true;
    });
    this.completeTx = (key, owner, result, ttlMs) => complete.immediate(key, owner, result, ttlMs);
  }

  /** The live value of `key`: a result, or an in-flight marker. */
  get(key: string): string | null {
    return this.#read(key, Date.now());
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    return this.claimTx(key, owner, leaseMs);
  }

  async complete(key: string, owner: string, result: string, ttlMs = this.ttlMs): Promise<boolean> {
    return this.completeTx(key, owner, result, ttlMs);
  }

  async release(key: string, owner: string, outcome: ReleaseOutcome = "unsent"): Promise<boolean> {
    const { table, companyId } = this.options;
    return this.db
      .transaction((): boolean => {
        const current = this.#read(key, Date.now());
        if (current === null || decodeMarker(current)?.owner !== owner) return false;
        if (outcome === "unsent") {
          this.db.prepare(`DELETE FROM ${table} WHERE company_id = ? AND idem_key = ?`).run(companyId, key);
        } else {
          this.db
            .prepare(`UPDATE ${table} SET value = ? WHERE company_id = ? AND idem_key = ?`)
            .run(encodeMarker(0, owner), companyId, key);
        }
        return true;
      })
      .immediate();
  }

  close(): void {
    if (this.owns && this.db.open) this.db.close();
  }

  #read(key: string, now: number): string | null {
    const row = this.readStmt.get(this.options.companyId, key, now);
    return row?.value ?? null;
  }

  #write(key: string, value: string, expireMs: number): void {
    this.writeStmt.run(this.options.companyId, key, value, expireMs);
  }
}
