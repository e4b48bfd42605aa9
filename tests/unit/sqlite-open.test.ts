import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteAuditStore } from "../../src/audit/sqlite/sqlite-audit-store.js";
import { SqliteSagaStore } from "../../src/saga/sqlite/sqlite-saga-store.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { LocalChatwootService, SqliteChatwootDedupStore } from "../../src/services/chatwoot/index.js";
import { SqliteEmailDedupStore } from "../../src/services/email/dedup-store.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { openSqlite } from "../../src/util/sqlite.js";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-open-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("openSqlite", () => {
  it("creates the parent folders and sets the same pragmas everywhere", () => {
    const path = join(freshDir(), "a", "b", "x.db");
    const db = openSqlite(path);
    try {
      expect(existsSync(path)).toBe(true);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
      expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    } finally {
      db.close();
    }
  });

  it("opens every embedded store in a data folder that does not exist yet", async () => {
    const data = join(freshDir(), "no", "such", ".data");
    const companyId = "benova";
    const closers: (() => unknown)[] = [];
    const audit = new SqliteAuditStore({ path: join(data, "audit.db") });
    const sagas = new SqliteSagaStore({ path: join(data, "sagas.db") });
    const calendar = new LocalCalendarService({
      companyId,
      path: join(data, "calendar.db"),
      timeZone: "Europe/Madrid",
      openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
    });
    const tickets = new LocalTicketService({ companyId, path: join(data, "tickets.db") });
    const chatwoot = new LocalChatwootService({ companyId, path: join(data, "conversations.db") });
    const emailSent = new SqliteEmailDedupStore({ companyId, path: join(data, "email-sent.db") });
    const whatsappSent = new SqliteChatwootDedupStore({ companyId, path: join(data, "chatwoot-sent.db") });
    closers.push(
      () => audit.close(),
      () => sagas.close(),
      () => calendar.close?.(),
      () => tickets.close(),
      () => chatwoot.close(),
      () => emailSent.close(),
      () => whatsappSent.close(),
    );
    try {
      expect(await emailSent.claim("k1", "owner-a", 60_000)).toMatchObject({ status: "claimed" });
      expect(await emailSent.complete("k1", "owner-a", "sent")).toBe(true);
      for (const file of [
        "audit.db",
        "sagas.db",
        "calendar.db",
        "tickets.db",
        "conversations.db",
        "email-sent.db",
        "chatwoot-sent.db",
      ]) {
        expect(existsSync(join(data, file)), file).toBe(true);
      }
    } finally {
      for (const close of closers) await close();
    }
  });
});
