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
  }

  /** The live value of `key`: a result, or an in-flight marker. */
  get(key: string): string | null {
    return this.#read(key, Date.now());
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    return this.db
      .transaction((): ClaimResult => {
        const now = Date.now();
        const current = this.#read(key, now);
        const marker = current === null ? null : decodeMarker(current);
        if (current !== null && marker === null) return { status: "done", result: current };
        if (marker && marker.owner !== owner && marker.leaseEndMs > now) {
          return { status: "busy", owner: marker.owner };
        }
        this.#write(key, encodeMarker(now + leaseMs, owner), now + this.ttlMs);
        return { status: "claimed", takeover: marker !== null && marker.owner !== owner };
      })
      .immediate();
  }

  async complete(key: string, owner: string, result: string, ttlMs = this.ttlMs): Promise<boolean> {
    return this.db
      .transaction((): boolean => {
        const now = Date.now();
        const current = this.#read(key, now);
        if (current !== null && decodeMarker(current)?.owner !== owner) return false;
        this.#write(key, result, now + Math.max(1, Math.round(ttlMs)));
        return true;
      })
      .immediate();
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
    const row = this.db
      .prepare<[string, string, number], { value: string }>(
        `SELECT value FROM ${this.options.table} WHERE company_id = ? AND idem_key = ? AND expire_ms > ?`,
      )
      .get(this.options.companyId, key, now);
    return row?.value ?? null;
  }

  #write(key: string, value: string, expireMs: number): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO ${this.options.table} VALUES (?, ?, ?, ?)`)
      .run(this.options.companyId, key, value, expireMs);
  }
}
