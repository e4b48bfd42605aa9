import Database from "better-sqlite3";

/**
 * Idempotency keys of things already sent (emails, WhatsApp messages), with what the send answered,
 * in a SQLite table scoped by tenant. Rows expire after their TTL; the first writer wins.
 */
export class SqliteSentKeys {
  private readonly db: Database.Database;
  private readonly owns: boolean;

  constructor(
    private readonly options: {
      table: string;
      companyId: string;
      path?: string;
      database?: Database.Database;
    },
  ) {
    if (!/^[a-z_]+$/.test(options.table))
      throw new Error(`table: expected a lower-case table name (got "${options.table}")`);
    this.owns = options.database === undefined;
    this.db = options.database ?? new Database(options.path ?? ":memory:");
    this.db.pragma("journal_mode = WAL");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${options.table} (
        company_id TEXT NOT NULL, idem_key TEXT NOT NULL, value TEXT NOT NULL, expire_ms INTEGER NOT NULL,
        PRIMARY KEY (company_id, idem_key)) WITHOUT ROWID`,
    );
  }

  get(key: string): string | null {
    const row = this.db
      .prepare<[string, string, number], { value: string }>(
        `SELECT value FROM ${this.options.table} WHERE company_id = ? AND idem_key = ? AND expire_ms > ?`,
      )
      .get(this.options.companyId, key, Date.now());
    return row?.value ?? null;
  }

  /** Records `value` under `key` unless a live record is there already. */
  put(key: string, value: string, ttlMs: number): void {
    const now = Date.now();
    const { table, companyId } = this.options;
    this.db.transaction(() => {
      this.db
        .prepare(`DELETE FROM ${table} WHERE company_id = ? AND idem_key = ? AND expire_ms <= ?`)
        .run(companyId, key, now);
      this.db
        .prepare(`INSERT OR IGNORE INTO ${table} VALUES (?, ?, ?, ?)`)
        .run(companyId, key, value, now + Math.max(1, Math.round(ttlMs)));
    })();
  }

  close(): void {
    if (this.owns && this.db.open) this.db.close();
  }
}
