import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppointmentState } from "../../src/agents/types.js";
import { loadConfig, tenantConfig } from "../../src/config/index.js";
import { EnvSchema } from "../../src/config/schema.js";
import { conversationNumberOf } from "../../src/graph/studio.js";
import { LocalCalendarService } from "../../src/services/calendar/index.js";
import { nextMonday } from "../support/graph-agents.js";

const root = resolve(import.meta.dirname, "../..");
const COMPANY_ID = "studio-clinic";
const graphId = Object.keys(
  (JSON.parse(readFileSync(join(root, "langgraph.json"), "utf8")) as { graphs: Record<string, string> })
    .graphs,
)[0] as string;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** The dev server's environment: ours, minus every setting the project reads, plus a private DATA_DIR. */
function serverEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(EnvSchema.shape)) delete env[key];
  for (const key of Object.keys(env)) if (/^(LANGSMITH|LANGCHAIN)_/.test(key)) delete env[key];
  return { ...env, DATA_DIR: dataDir, COMPANY_ID, LOG_LEVEL: "silent", LANGSMITH_TRACING: "false" };
}

describe("npm run studio: the LangGraph dev server serving langgraph.json's graph", () => {
  const dir = mkdtempSync(join(tmpdir(), "studio-server-"));
  let server: ChildProcess | null = null;
  let output = "";
  let apiUrl = "";

  beforeAll(async () => {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    server = spawn("npm", ["run", "studio", "--", "--host", "127.0.0.1", "--port", String(port)], {
      cwd: root,
      env: serverEnv(dir),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    server.stdout?.on("data", keep);
    server.stderr?.on("data", keep);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the dev server exited (${server.exitCode}):\n${output}`);
      try {
        const res = await fetch(`${apiUrl}/ok`);
        if (res.ok && ((await res.json()) as { ok?: boolean }).ok === true) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`no GET /ok within 120 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 150_000);

  afterAll(async () => {
    const child = server;
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      // npm, the CLI and its server worker share the group the detached spawn created.
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("lists the graph, then books an appointment over a thread's turns into the calendar under DATA_DIR", async () => {
    const client = new Client({ apiUrl });
    const assistants = await client.assistants.search({ graphId });
    expect(assistants.map((a) => a.graph_id)).toContain(graphId);

    const thread = await client.threads.create();
    const date = nextMonday();
    type Out = { reply: string; agent: string; sharedContext: { appointment: AppointmentState | null } };
    const say = async (content: string, identity: Record<string, string> = {}) =>
      (await client.runs.wait(thread.thread_id, graphId, {
        input: { messages: [{ role: "user", content }], ...identity },
      })) as Out;

    const first = await say(`Hola, quiero una cita de botox el ${date} a las 10:00`, {
      companyId: COMPANY_ID,
      userId: "34600999111",
      conversationId: "4242",
    });
    expect(first.agent).toBe("schedule");
    expect(first.reply).toContain("nombre y tu email");
    expect(first.sharedContext.appointment).toMatchObject({ date, time: "10:00", status: "draft" });

    const second = await say("Me llamo Ana Ruiz, ana@example.com");
    expect(second.reply).toMatch(/^¿Confirmo la cita de Bótox/);

    const third = await say("sí");
    expect(third.reply).toContain("✅");
    const appointment = third.sharedContext.appointment;
    expect(appointment).toMatchObject({
      status: "booked",
      date,
      time: "10:00",
      customer_email: "ana@example.com",
    });
    expect(appointment?.event_id).toEqual(expect.any(String));

    const state = await client.threads.getState<{ conversationId: string; companyId: string }>(
      thread.thread_id,
    );
    expect(state.values).toMatchObject({ companyId: COMPANY_ID, conversationId: "4242" });

    const tenant = tenantConfig(loadConfig({ DATA_DIR: dir, COMPANY_ID }), COMPANY_ID);
    const calendar = new LocalCalendarService({
      companyId: COMPANY_ID,
      path: join(dir, "calendar.db"),
      timeZone: tenant.timeZone,
      openingHours: tenant.openingHours,
    });
    try {
      const event = await calendar.getBooking(appointment?.event_id as string);
      expect(event).toMatchObject({
        status: "confirmed",
        date,
        time: "10:00",
        customer_name: "Ana Ruiz",
        customer_email: "ana@example.com",
      });
    } finally {
      await calendar.close();
    }
  }, 240_000);

  it("answers a thread whose input carries only messages, as Studio sends it", async () => {
    const client = new Client({ apiUrl });
    const thread = await client.threads.create();
    const out = (await client.runs.wait(thread.thread_id, graphId, {
      input: { messages: [{ role: "user", content: "Hola, ¿qué precio tiene el botox?" }] },
    })) as { reply: string; companyId: string; conversationId: string; userId: string };
    expect(out.reply).not.toBe("");
    const conversationId = String(conversationNumberOf(thread.thread_id));
    expect(out).toMatchObject({ companyId: COMPANY_ID, conversationId, userId: `studio-${conversationId}` });
  }, 120_000);
});
