import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatwootInputError, LocalChatwootService } from "../../src/services/chatwoot/index.js";

let dir: string;
let dbPath: string;
const open: LocalChatwootService[] = [];

function local(companyId = "benova", path = dbPath): LocalChatwootService {
  const service = new LocalChatwootService({ companyId, path });
  open.push(service);
  return service;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "chatwoot-local-"));
  dbPath = join(dir, "chatwoot.db");
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("LocalChatwootService (embedded SQLite)", () => {
  it("keeps outgoing messages, private notes and templates for inspection in order", async () => {
    const chatwoot = local();
    const a = await chatwoot.sendMessage({ conversationId: 7, content: "Hola Ana" });
    const b = await chatwoot.sendMessage({ conversationId: 7, content: "nota interna", private: true });
    const templateParams = {
      name: "reminder",
      category: "UTILITY",
      language: "es",
      processed_params: { body: { "1": "Ana" } },
    };
    await chatwoot.sendMessage({ conversationId: 7, content: "", templateParams });
    await chatwoot.sendMessage({ conversationId: 8, content: "otra conversación" });

    expect(a.conversation_id).toBe(7);
    expect(b.message_id).toBeGreaterThan(a.message_id);
    const messages = await chatwoot.listMessages(7);
    expect(messages.map((m) => [m.content, m.private])).toEqual([
      ["Hola Ana", false],
      ["nota interna", true],
      ["", false],
    ]);
    expect(messages[2]?.template_params).toEqual(templateParams);
  });

  it("stores a message once per idempotency key, also after a restart", async () => {
    const first = await local().sendMessage({
      conversationId: 7,
      content: "Confirmada",
      idempotencyKey: "k1",
    });
    const again = await local().sendMessage({
      conversationId: 7,
      content: "Confirmada",
      idempotencyKey: "k1",
    });
    expect(again).toEqual(first);
    expect(await local().listMessages(7)).toHaveLength(1);
  });

  it("keeps tenants apart on one database file", async () => {
    const benova = local("benova");
    const other = local("otra-clinica");
    const x = await benova.sendMessage({ conversationId: 7, content: "benova", idempotencyKey: "same-key" });
    const y = await other.sendMessage({ conversationId: 7, content: "otra", idempotencyKey: "same-key" });
    await benova.addLabels(7, ["vip"]);
    await benova.toggleStatus(7, "open");

    expect(y.message_id).not.toBe(x.message_id);
    expect((await other.listMessages(7)).map((m) => m.content)).toEqual(["otra"]);
    expect((await benova.listMessages(7)).map((m) => m.content)).toEqual(["benova"]);
    expect(await other.getLabels(7)).toEqual([]);
    expect(await other.getStatus(7)).toBeUndefined();
  });

  it("merges labels and records the latest status", async () => {
    const chatwoot = local();
    await chatwoot.addLabels(7, ["vip"]);
    expect(await chatwoot.addLabels(7, ["ticket", "vip", "priority-high"])).toEqual({
      labels: ["vip", "ticket", "priority-high"],
    });
    expect(await chatwoot.toggleStatus(7, "open")).toEqual({ status: "open" });
    await chatwoot.toggleStatus(7, "resolved");
    expect(await chatwoot.getStatus(7)).toBe("resolved");
  });

  it("rejects invalid input naming the field, storing nothing", async () => {
    const chatwoot = local();
    await expect(chatwoot.sendMessage({ conversationId: 0, content: "x" })).rejects.toThrow(/conversationId/);
    await expect(chatwoot.sendMessage({ conversationId: 7, content: "" })).rejects.toThrow(/content/);
    await expect(chatwoot.addLabels(7, ["con espacio"])).rejects.toBeInstanceOf(ChatwootInputError);
    await expect(chatwoot.addLabels(7, [])).rejects.toThrow(/labels/);
    await expect(chatwoot.toggleStatus(7, "closed" as "open")).rejects.toThrow(
      /status: expected one of open/,
    );
    expect(await chatwoot.listMessages(7)).toEqual([]);
    expect(await chatwoot.getLabels(7)).toEqual([]);
  });

  it("can share a connection opened elsewhere", async () => {
    const db = new Database(":memory:");
    const chatwoot = new LocalChatwootService({ companyId: "benova", database: db });
    await chatwoot.sendMessage({ conversationId: 1, content: "hola" });
    chatwoot.close();
    expect(db.prepare("SELECT count(*) AS n FROM chatwoot_messages").get()).toEqual({ n: 1 });
    db.close();
  });
});
