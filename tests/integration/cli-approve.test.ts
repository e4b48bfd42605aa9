import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
// Each run is a real process compiled by tsx: allow for a busy machine.
const TIMEOUT_MS = 180_000;

/** The real CLI in a child process, on embedded defaults in `dir`, with approval required. */
async function cli(dir: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        DATA_DIR: join(dir, "data"),
        TENANTS_FILE: join(dir, "tenants.json"),
        LOG_LEVEL: "silent",
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("agent-ledger approve: an operator decides on a paused conversation", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-approve-"));
  const say = (conversation: string, text: string, ...more: string[]) =>
    cli(dir, ["converse", "--conversation", conversation, "--user", "34600123", ...more, text]);
  const request = (time: string) =>
    `Quiero agendar una cita para botox el 20 de enero de 2031 a las ${time}. Me llamo Lucía Pérez, lucia@example.com`;
  const outbox = () => {
    try {
      return readdirSync(join(dir, "data", "outbox", "benova")).filter((f) => f.endsWith(".eml"));
    } catch {
      return [];
    }
  };
  const audit = async () =>
    JSON.parse((await cli(dir, ["audit", "list", "--json", "--limit", "100"])).stdout) as {
      entries: {
        actionName: string;
        userId: string;
        status: string;
        conversationId: string;
        tags: string[];
      }[];
    };

  beforeAll(() => {
    writeFileSync(
      join(dir, "tenants.json"),
      JSON.stringify([{ companyId: "benova", name: "Clínica Benova", requireApproval: true }]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("converse shows the pending approval; approve books and notifies once", {
    timeout: TIMEOUT_MS,
  }, async () => {
    expect((await say("501", request("10am"))).stdout).toContain("¿Confirmo la cita");
    const paused = await say("501", "sí");
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain("La clínica tiene que aprobar esta solicitud");
    expect(paused.stdout).toContain("[waiting for approval: google_calendar.create_booking");
    expect(paused.stdout).toContain("agent-ledger approve 501");
    expect(outbox()).toHaveLength(0);

    const approved = await cli(dir, ["approve", "501", "--operator", "marta", "--json"]);
    expect(approved.code, approved.stderr).toBe(0);
    const result = JSON.parse(approved.stdout) as {
      reply: string;
      sagaStatus: string;
      pendingApproval?: unknown;
    };
    expect(result.reply).toMatch(/^✅ Su cita ha sido confirmada: Bótox el 2031-01-20 a las 10:00/);
    expect(result.sagaStatus).toBe("completed");
    expect(result.pendingApproval).toBeUndefined();
    expect(outbox()).toHaveLength(1);

    const again = await cli(dir, ["approve", "501"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("conversation 501 has no turn waiting for an operator's approval");
    expect(outbox()).toHaveLength(1);

    const entries = (await audit()).entries.filter((e) => e.conversationId === "501");
    expect(entries.filter((e) => e.actionName === "google_calendar.create_booking")).toHaveLength(1);
    expect(entries.filter((e) => e.actionName.startsWith("approval."))).toEqual([
      expect.objectContaining({ actionName: "approval.approve", userId: "marta", status: "success" }),
    ]);
  });

  it("approve --reject books nothing and prints the honest reply", { timeout: TIMEOUT_MS }, async () => {
    await say("502", request("11am"));
    expect((await say("502", "sí")).stdout).toContain("[waiting for approval");
    const rejected = await cli(dir, [
      "approve",
      "502",
      "--reject",
      "--reason",
      "agenda cerrada",
      "--operator",
      "luis",
    ]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout.trim()).toBe(
      "Nuestro equipo no ha podido aprobar esta solicitud, así que no se ha reservado ni cambiado nada. Un compañero se pondrá en contacto con usted.",
    );
    const entries = (await audit()).entries.filter((e) => e.conversationId === "502");
    expect(entries.some((e) => e.actionName === "google_calendar.create_booking")).toBe(false);
    expect(entries.filter((e) => e.actionName.startsWith("approval."))).toEqual([
      expect.objectContaining({
        actionName: "approval.reject",
        userId: "luis",
        tags: expect.arrayContaining(["operator:luis"]),
      }),
    ]);
    expect(outbox()).toHaveLength(1);
  });
});
