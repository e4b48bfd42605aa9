import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { Conversations } from "../../src/graph/converse.js";
import { customerMessage } from "../../src/graph/redelivery.js";

/** Monday 11 January 2027, 09:00 in Madrid: "el 20 de enero" is the coming Wednesday. */
const NOW = new Date("2027-01-11T08:00:00Z");

describe("converse with the channel's message id: a redelivered message runs no second turn", () => {
  const dir = mkdtempSync(join(tmpdir(), "converse-redelivery-"));
  let app: App;
  let conversations: Conversations;

  beforeAll(async () => {
    app = await App.create(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }), { clock: () => NOW });
    conversations = new Conversations(app, undefined, () => NOW);
  });
  afterAll(async () => {
    await conversations.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const emails = async () => {
    const outbox = join(dir, "outbox", (await app.tenant()).companyId);
    try {
      return readdirSync(outbox).filter((f) => f.endsWith(".eml"));
    } catch {
      return [];
    }
  };
  const confirmed = async (day: string) =>
    (await (await app.tenant()).calendar.listBookings(day)).bookings.filter((b) => b.status === "confirmed");
  const humanIds = async (conversationId: string) => {
    const state = await (await conversations.graph()).getState({
      configurable: { thread_id: `benova:${conversationId}` },
    });
    return (state.values.messages as { id?: string; getType(): string }[])
      .filter((m) => m.getType() === "human")
      .map((m) => m.id);
  };

  it("the same message id twice: one turn, one booking, the same answer", async () => {
    const who = { conversationId: "8101", userId: "34600111001" };
    const say = (text: string, messageId: number) => conversations.converse({ ...who, text, messageId });
    await say("Quiero agendar una cita para botox el 20 de enero a las 10am", 1);
    await say("Me llamo Lucía Pérez", 2);
    await say("lucia.perez@example.com", 3);
    const yes = await say("sí", 4);
    expect(yes.sagaStatus).toBe("completed");
    expect(yes.reply).toContain("✅ Su cita ha sido confirmada");

    const again = await say("sí", 4);
    expect(again).toEqual(yes);
    expect(await humanIds(who.conversationId)).toEqual(["cw-1", "cw-2", "cw-3", "cw-4"]);
    expect(await confirmed("2027-01-20")).toHaveLength(1);
    expect(await emails()).toHaveLength(1);

    // An older message redelivered after later ones: its own answer, nothing run.
    const old = await say("Me llamo Lucía Pérez", 2);
    expect(old.reply).toMatch(/email/);
    expect(old.toolOutcomes).toEqual([]);
    expect(await humanIds(who.conversationId)).toHaveLength(4);
  });

  it("a message whose turn was cut short between booking and notification is finished, not run again", async () => {
    const who = { conversationId: "8102", userId: "34600111002" };
    const say = (text: string, messageId: number) => conversations.converse({ ...who, text, messageId });
    await say("Quiero agendar una cita para botox el 20 de enero a las 11am", 11);
    await say("Me llamo Marta Gómez", 12);
    await say("marta@example.com", 13);
    const before = (await emails()).length;
    // The process "dies" after execute_booking's checkpoint: the run stops before send_notification.
    const graph = await conversations.graph();
    const config = {
      configurable: { thread_id: `benova:${who.conversationId}` },
      durability: "sync" as const,
    };
    await graph.invoke(
      { messages: [customerMessage("sí", 14)], companyId: "benova", ...who },
      { ...config, interruptBefore: ["send_notification"] },
    );
    expect((await graph.getState(config)).next).toEqual(["send_notification"]);
    expect((await confirmed("2027-01-20")).filter((b) => b.time === "11:00")).toHaveLength(1);
    expect(await emails()).toHaveLength(before);

    const redelivered = await say("sí", 14);
    expect(redelivered.sagaStatus).toBe("completed");
    expect(redelivered.reply).toContain("✅ Su cita ha sido confirmada");
    expect((await graph.getState(config)).next).toEqual([]);
    expect((await confirmed("2027-01-20")).filter((b) => b.time === "11:00")).toHaveLength(1);
    expect(await emails()).toHaveLength(before + 1);
    expect(await humanIds(who.conversationId)).toEqual(["cw-11", "cw-12", "cw-13", "cw-14"]);
  });

  it("rejects a message id that is not an id, naming the field", async () => {
    await expect(
      conversations.converse({
        conversationId: "8103",
        userId: "34600111003",
        text: "hola",
        messageId: "a b",
      }),
    ).rejects.toThrow(/messageId/);
  });
});
