import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conversations } from "../../src/graph/converse.js";
import { nextMonday, scriptedAgents } from "../support/graph-agents.js";
import type { GraphChildConfig } from "../support/graph-crash-child.js";
import { GraphWorld } from "../support/graph-world.js";

const CHILD = fileURLToPath(new URL("../support/graph-crash-child.ts", import.meta.url));
const LEASE_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one turn in a child process that SIGKILLs itself at the chosen point; resolves with its signal. */
function runChild(config: GraphChildConfig): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = fork(CHILD, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, GRAPH_CHILD: JSON.stringify(config) },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve({ signal, stderr })));
}

describe.each(["sqlite", "postgres"] as const)("a process killed mid-turn, checkpoints on %s", (kind) => {
  const world = new GraphWorld();
  const date = nextMonday(3);
  const text = (time: string) => `reserva Limpieza el ${date} a las ${time} para Eva eva@example.com`;

  beforeAll(async () => {
    await world.start({ postgres: kind === "postgres" });
  });
  afterAll(async () => {
    await world.close();
  });

  const events = async (time: string) => {
    const { bookings } = await (await world.tenant()).calendar.listBookings(date);
    return bookings.filter((b) => b.time === time && b.status === "confirmed");
  };

  it("resumes a turn killed inside execute_booking and still makes exactly one calendar event", async () => {
    const run = await runChild({
      env: world.env,
      conversationId: "401",
      userId: "34600333001",
      text: text("10:00"),
      kill: "after-create-booking",
      leaseMs: LEASE_MS,
    });
    expect(run.signal, run.stderr).toBe("SIGKILL");
    expect(await events("10:00")).toHaveLength(1); // the event was made; its audit entry is still pending
    const rt = await world.tenant();
    const before = await rt.audit.query({ conversationId: "401", limit: 50 });
    expect(before.entries.find((e) => e.actionName === "google_calendar.create_booking")?.status).toBe(
      "pending",
    );

    // The next message of the conversation first finishes the interrupted turn, then answers.
    const out = await world.app.converse({ conversationId: "401", userId: "34600333001", text: "gracias" });
    expect(out.agent).toBe("sales");
    const booked = await events("10:00");
    expect(booked).toHaveLength(1);
    expect(world.subjects().filter((s) => /confirm/i.test(s))).toHaveLength(1);
    const after = await rt.audit.query({ conversationId: "401", limit: 50 });
    const bookings = after.entries.filter((e) => e.actionName === "google_calendar.create_booking");
    expect(bookings.map((e) => e.status).sort()).toEqual(["failed", "success"]);
    const result = bookings.find((e) => e.status === "success")?.result as { event_id?: string } | undefined;
    expect(result?.event_id).toBe(booked[0]?.event_id);
    const saga = await rt.sagas.getSaga(bookings[0]?.sagaId as string);
    expect(saga?.status).toBe("completed");
    expect(out.sagaStatus).toBe("completed");
    expect(out.compensations).toHaveLength(1);
  });

  it("leaves a saga that recoverSagas() undoes when the process dies between execute_booking and send_notification", async () => {
    world.smtp.reset();
    const run = await runChild({
      env: world.env,
      conversationId: "402",
      userId: "34600333002",
      text: text("11:00"),
      kill: "between-nodes",
      leaseMs: LEASE_MS,
    });
    expect(run.signal, run.stderr).toBe("SIGKILL");
    expect(await events("11:00")).toHaveLength(1);
    const rt = await world.tenant();
    const entry = (await rt.audit.query({ conversationId: "402", limit: 50 })).entries.find(
      (e) => e.actionName === "google_calendar.create_booking",
    );
    const sagaId = entry?.sagaId as string;
    expect((await rt.sagas.getSaga(sagaId))?.status).toBe("running");

    await sleep(LEASE_MS + 200);
    const report = await rt.sagas.recoverSagas();
    expect(report.recovered).toEqual([
      expect.objectContaining({ sagaId, from: "running", to: "compensated" }),
    ]);
    expect(await events("11:00")).toHaveLength(0);
    expect((await rt.audit.getEntry(entry?.auditId as string))?.status).toBe("compensated");
    expect(world.subjects().filter((s) => /cancel|anulad/i.test(s))).toHaveLength(1);
    expect(world.subjects().filter((s) => /confirm/i.test(s))).toHaveLength(0);

    // The conversation's next message finishes the cut turn: nothing is sent for the undone booking,
    // and the state mirrors the saga.
    await world.app.converse({ conversationId: "402", userId: "34600333002", text: "hola" });
    expect(world.subjects().filter((s) => /confirm/i.test(s))).toHaveLength(0);
    const conversations = new Conversations(world.app, () => scriptedAgents);
    const graph = await conversations.graph();
    const state = await graph.getState({ configurable: { thread_id: "benova:402" } });
    expect(state.values.sagaStatus).toBe("compensated");
    expect(state.values.sharedContext.appointment).toMatchObject({
      status: "failed",
      has_appointment: false,
    });
    await conversations.close();
  });
});
