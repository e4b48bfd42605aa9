import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";
import { freePort } from "../support/redis-server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const MAIN = join(ROOT, "src", "cli", "main.ts");
// Each run is a real process: with tsx compiling on a busy machine, start-up alone can take 20 s.
const RUN_TIMEOUT_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `tsx src/cli/main.ts ...args` in `cwd`, with only the variables given (plus PATH and HOME). */
function cli(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(TSX, [MAIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The JSON log lines of a run's stderr at level error or above. */
function errorLogs(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /"level":"(error|fatal)"/.test(l));
}

describe("every entry point as a real process, from a fresh data folder, on Redis", () => {
  const cwd = mkdtempSync(join(tmpdir(), "entry-points-"));
  const companyId = uniquePrefix("ep").toLowerCase();
  const env = { REDIS_URL: inject("redisUrl"), COMPANY_ID: companyId, LOG_LEVEL: "warn" };
  let conversationId = "";

  beforeAll(() => {
    expect(existsSync(join(cwd, ".data"))).toBe(false);
  });
  afterAll(async () => {
    const redis = testRedis();
    await deleteByPrefix(redis, `al:{${companyId}}`);
    await deleteByPrefix(redis, `agent-ledger:{${companyId}}`);
    redis.disconnect();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("demo books, rolls back and verifies, creating the data folder", {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await cli(["demo", "--json"], cwd, env);
    expect(run.stderr).not.toContain("Unhandled error event");
    expect(errorLogs(run.stderr)).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      conversations: { conversationId: string; turns: { reply: string; sagaStatus: string | null }[] }[];
      sagas: { status: string }[];
      verify: { ok: boolean };
      outbox: string | null;
    };
    expect(summary.sagas.map((s) => s.status)).toEqual(["completed", "compensated"]);
    expect(summary.conversations.map((c) => c.turns.at(-1)?.sagaStatus)).toEqual([
      "completed",
      "compensated",
    ]);
    expect(summary.conversations[0]?.turns.at(-1)?.reply).toContain("✅ Su cita ha sido confirmada");
    expect(summary.verify.ok).toBe(true);
    expect(summary.outbox).toBe(join(cwd, ".data", "outbox", companyId));
    // The rolled-back conversation: its trail shows the booking, the refused email and the undo.
    conversationId = summary.conversations[1]?.conversationId ?? "";
    // The embedded stores next to Redis (calendar, conversations, tickets, outbox) made their folder.
    for (const name of ["calendar.db", "conversations.db", "tickets.db", "outbox"])
      expect(existsSync(join(cwd, ".data", name)), name).toBe(true);
  });

  it("audit list shows the demo's rolled-back conversation", { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await cli(["audit", "list", "--conversation", conversationId, "--json"], cwd, env);
    expect(run.code, run.stderr).toBe(0);
    const page = JSON.parse(run.stdout) as { entries: { status: string; actionName: string }[] };
    const seen = page.entries.map((e) => `${e.actionName} ${e.status}`);
    expect(seen).toContain("google_calendar.create_booking compensated");
    expect(seen).toContain("send_email.appointment_confirmation failed");
    expect(seen).toContain("google_calendar.delete_booking success");
    expect(page.entries.filter((e) => e.status === "compensated")).toHaveLength(1);
  });

  it("audit verify finds the trail intact", { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await cli(["audit", "verify", "--json"], cwd, env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, findings: [] });
  });

  it("saga list shows both demo sagas", { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await cli(["saga", "list", "--json"], cwd, env);
    expect(run.code, run.stderr).toBe(0);
    const sagas = JSON.parse(run.stdout) as { status: string }[];
    expect(sagas.map((s) => s.status).sort()).toEqual(["compensated", "completed"]);
  });

  it("converse answers one message per run and keeps the conversation across runs", {
    timeout: RUN_TIMEOUT_MS * 2,
  }, async () => {
    const first = await cli(
      ["converse", "--conversation", "9001", "--user", "34600", "Quiero cita para botox"],
      cwd,
      env,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Bótox\. ¿Qué día y a qué hora/);
    // The second run only says a day and time: the treatment comes from the first run's checkpoint.
    const second = await cli(
      ["converse", "--conversation", "9001", "--user", "34600", "--json", "el 20 de enero a las 10:00"],
      cwd,
      env,
    );
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout) as { agent: string; reply: string; toolOutcomes: unknown[] };
    expect(result.agent).toBe("schedule");
    expect(result.reply).toMatch(/Bótox .*20 de enero/);
    expect(result.toolOutcomes).toEqual([]);
  });

  it("saga recover has nothing to do", { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await cli(["saga", "recover"], cwd, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("nothing to recover");
  });
});

describe("an entry point with REDIS_URL on a closed port", () => {
  it("stops with one line naming the URL and the reason, non-zero, quickly", {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), "entry-points-down-"));
    try {
      const port = await freePort();
      const run = await cli(["demo"], cwd, {
        REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}`,
        COMPANY_ID: uniquePrefix("ep").toLowerCase(),
      });
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull(); // exited by itself, not killed at the deadline
      expect(run.stderr).not.toContain("Unhandled error event");
      expect(run.stderr).not.toContain("hunter2-secret");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^error: cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} `,
          ),
        ),
      ]);
      expect(run.stdout).toBe("");
      // No retry loop: the process ends well before its deadline. (Most of the time is tsx start-up.)
      expect(run.ms).toBeLessThan(RUN_TIMEOUT_MS / 2);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
