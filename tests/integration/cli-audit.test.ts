import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { SqliteAuditStore } from "../../src/audit/sqlite/sqlite-audit-store.js";

const run = promisify(execFile);
const KEY = "cli-test-signing-key-0123456789";

/** Runs the real CLI in a child process against a data directory. */
async function cli(dataDir: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        DATA_DIR: dataDir,
        AUDIT_SIGNING_KEY: KEY,
        LOG_LEVEL: "silent",
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("agent-ledger audit CLI", () => {
  let dir: string;
  const ids: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cli-audit-"));
    const store = new SqliteAuditStore({ path: join(dir, "audit.db") });
    const audit = new AuditManager({ companyId: "benova", store, signingKey: KEY, sealIntervalMs: 0 });
    for (const [i, user] of ["ana", "bea", "ana"].entries()) {
      const e = await audit.logAction({
        userId: user,
        actionType: "booking",
        actionName: "create_booking",
        inputParams: { note: `visit, "${i}"` },
        conversationId: "c1",
      });
      await audit.markSuccess(e.auditId, { event_id: `ev${i}` }, 5);
      ids.push(e.auditId);
    }
    await audit.close();
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists entries as a table and as JSON, with filters", async () => {
    const table = await cli(dir, ["audit", "list", "--user", "ana"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/auditId\s+createdAt\s+status/);
    expect(table.stdout).toContain(ids[0]);
    expect(table.stdout).not.toContain(ids[1]);
    const json = JSON.parse((await cli(dir, ["audit", "list", "--json", "--limit", "1"])).stdout);
    expect(json.entries.map((e: { auditId: string }) => e.auditId)).toEqual([ids[2]]);
    expect(json.nextCursor).toBeTruthy();
  });

  it("shows one entry and verifies the trail", async () => {
    const show = await cli(dir, ["audit", "show", ids[1] as string, "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ auditId: ids[1], userId: "bea", status: "success" });
    const verify = await cli(dir, ["audit", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^OK: 3 entries, 6 records/);
  });

  it("exports JSON Lines and CSV", async () => {
    const jsonl = await cli(dir, ["audit", "export", "--format", "jsonl"]);
    expect(
      jsonl.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).auditId),
    ).toEqual([...ids].reverse());
    const file = join(dir, "out.csv");
    expect(
      (await cli(dir, ["audit", "export", "--format", "csv", "--user", "ana", "--out", file])).code,
    ).toBe(0);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines[0]).toMatch(/^auditId,companyId,createdAt/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('"{""note"":""visit, \\""2\\""""}"');
  });

  it("fails with one clear line and exit code 2", async () => {
    // Four separate processes: started together, so the test's time is one CLI start-up, not four.
    const [missing, badLimit, badEnv, badFormat] = await Promise.all([
      cli(dir, ["audit", "show", "01JZZZZZZZZZZZZZZZZZZZZZZZ"]),
      cli(dir, ["audit", "list", "--limit", "5000"]),
      cli(dir, ["audit", "list"], { AUDIT_TTL_DAYS: "-3" }),
      cli(dir, ["audit", "export", "--format", "xml"]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("error: audit entry 01JZZZZZZZZZZZZZZZZZZZZZZZ not found");
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/limit: expected a whole number from 1 to 1000/);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/AUDIT_TTL_DAYS: expected at least 1 day/);
    expect(badFormat.stderr.trim()).toBe('error: --format: expected jsonl or csv (got "xml")');
  }, 90_000);
});
