import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

const KEY = "sk-converse-llm-5a6b7c8d9e0f";
const NOW = new Date("2027-01-12T09:00:00Z");
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function appWithModel() {
  const stand = new OpenAIStandIn({ apiKey: KEY });
  const baseURL = await stand.start();
  const dir = mkdtempSync(join(tmpdir(), "converse-llm-"));
  const lines: string[] = [];
  const config = loadConfig({
    DATA_DIR: dir,
    LOG_LEVEL: "warn",
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: baseURL,
    OPENAI_MODEL: "gpt-4o-mini",
  });
  const app = await App.create(config, { clock: () => NOW, logWrite: (l) => lines.push(l) });
  closers.push(async () => {
    await app.close();
    await stand.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, stand, lines };
}

describe("app.converse with OPENAI_API_KEY set", () => {
  it("asks the configured model through the default agents and logs a fallback without the key", async () => {
    const { app, stand, lines } = await appWithModel();
    stand.enqueueReply({ structured: { agent: "schedule", intent: "schedule.book", locale: "es" } });
    stand.enqueueReply({ error: { status: 400, message: "unsupported schema" } });
    const out = await app.converse({
      conversationId: "501",
      userId: "34600111222",
      text: "Quiero agendar una cita para botox el 20 de enero a las 10am",
    });
    expect(out.agent).toBe("schedule");
    expect(out.reply).toContain("Bótox el miércoles 20 de enero a las 10:00");
    const chats = stand.requestsTo("/v1/chat/completions");
    expect(chats.map((r) => (r.body as { model: string }).model)).toEqual(["gpt-4o-mini", "gpt-4o-mini"]);
    expect(chats.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    const warnings = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.msg).includes("language model not used"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ step: "extraction", companyId: "benova", conversationId: "501" });
    expect(String(warnings[0]?.error)).toMatch(/400.*unsupported schema/);
    expect(lines.join("\n")).not.toContain(KEY);
  });
});
