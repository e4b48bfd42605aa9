import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a SQLite database the way every embedded store of the project does: the parent folder is
 * created first (a fresh clone has no `.data/`), then write-ahead logging (readers never block the
 * writer, and several processes can share the file), `synchronous = NORMAL` (safe with WAL; only
 * the last transactions can be lost on power failure, never the file) and a busy timeout, so two
 * processes writing at once wait for each other instead of failing (`busyTimeoutMs`, default 5 s).
 *
 * @example
 * const db = openSqlite(join(config.dataDir, "calendar.db"));
 */
export function openSqlite(path: string, options: { busyTimeoutMs?: number } = {}): Database.Database {
  if (typeof path !== "string" || path === "") {
    throw new Error('path: expected a SQLite file path or ":memory:"');
  }
  const inMemory = path === ":memory:" || path.startsWith("file::memory:");
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS))}`);
  return db;
}
