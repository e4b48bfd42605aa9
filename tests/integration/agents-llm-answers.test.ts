import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createLlmAgents,
  type DefaultAgentsOptions,
  type FallbackStep,
  logFallbacks,
  ModelOutputError,
} from "../../src/agents/index.js";
import { createChatModel } from "../../src/agents/llm/model.js";
import { createLogger } from "../../src/util/logger.js";
import { AgentWorld } from "../support/agent-world.js";
import { ModelStandIn } from "../support/llm-stand-in.js";

const NOW = new Date("2027-01-12T09:00:00Z");
// The knowledge base's own line (knowledge/tratamientos-dentales.md).
const WHITENING = "Blanqueamiento en clínica: 290 €, una sesión de 90 minutos.";

const stand = new ModelStandIn();
const worlds: AgentWorld[] = [];
const fallbacks: { step: FallbackStep; error: unknown }[] = [];

async function world(model = stand.model()): Promise<AgentWorld> {
  const agents = (options: DefaultAgentsOptions) =>
    createLlmAgents({ ...options, model, onFallback: (step, error) => fallbacks.push({ step, error }) });
  const w = await AgentWorld.create(NOW, { agents });
  worlds.push(w);
  return w;
}

const search = (query: string) => ({ tool_calls: [{ name: "knowledge_base", arguments: { query } }] });
const toolMessages = (i: number) => (stand.chats()[i]?.messages ?? []).filter((m) => m.role === "tool");

beforeAll(() => stand.start());
afterAll(() => stand.close());
afterEach(async () => {
  expect(stand.server.pendingReplies, "every scripted model answer was used").toBe(0);
  stand.reset();
  fallbacks.length = 0;
  for (const w of worlds.splice(0)) await w.close();
});

describe("LlmSalesAgent: tool calling over the knowledge base", () => {
  it("searches, reads the real passage and answers with its figures", async () => {
    const w = await world();
    stand.server.enqueueReply(search("precio blanqueamiento dental"));
    const answer =
      "El blanqueamiento en clínica cuesta 290 € y es una sesión de 90 minutos. ¿Te reservo cita?";
    stand.server.enqueueReply({ content: answer });
    const out = await w.agents.agents.sales.run(w.input("¿Cuánto cuesta el blanqueamiento dental?"));
    expect(out).toEqual({ reply: answer, intent: "sales.price" });
    const [first, second] = stand.chats();
    expect(first?.tools?.map((t) => t.function.name)).toEqual(["knowledge_base"]);
    expect(first?.messages[0]?.content).toContain("Nunca inventes");
    expect(toolMessages(1)[0]?.content).toContain(WHITENING);
    expect(second?.messages.at(-2)?.tool_calls).toHaveLength(1);
    expect(fallbacks).toEqual([]);
  });

  it("streams the same loop as Server-Sent Events", async () => {
    const w = await world(stand.model({ streaming: true }));
    stand.server.enqueueReply(search("precio blanqueamiento dental"));
    stand.server.enqueueReply({ content: "Cuesta 290 €, en una sesión de 90 minutos." });
    const out = await w.agents.agents.sales.run(w.input("¿Qué precio tiene el blanqueamiento?"));
    expect(out.reply).toBe("Cuesta 290 €, en una sesión de 90 minutos.");
    expect(stand.chats().map((c) => c.stream)).toEqual([true, true]);
    expect(toolMessages(1)[0]?.content).toContain(WHITENING);
  });

  it("sends invalid tool arguments back as a tool error and lets the model go on", async () => {
    const w = await world();
    stand.server.enqueueReply({ tool_calls: [{ name: "knowledge_base", arguments: { query: "" } }] });
    stand.server.enqueueReply(search("horario de apertura"));
    stand.server.enqueueReply({ content: "Abrimos de lunes a viernes; te paso el detalle si quieres." });
    const out = await w.agents.agents.sales.run(w.input("¿Qué horario tenéis?"));
    expect(out.reply).toContain("Abrimos de lunes a viernes");
    expect(toolMessages(1)[0]?.content).toMatch(/^invalid arguments: query:/);
    expect(fallbacks).toEqual([]);
  });

  it.each([
    [
      "a price no passage carries",
      [search("precio blanqueamiento"), { content: "Cuesta 199 €." }],
      /199 eur/,
    ],
    ["a price without searching", [{ content: "El blanqueamiento cuesta 290 €." }], /290 eur/],
    ["an empty answer", [search("blanqueamiento"), { content: "" }], /empty answer/],
    [
      "tool calls past the bound",
      [search("a"), search("b"), search("c"), search("d")],
      /still calling tools after 3 rounds/,
    ],
  ])("falls back to the offline answer on %s", async (_what, replies, reason) => {
    const w = await world();
    for (const r of replies) stand.server.enqueueReply(r);
    const out = await w.agents.agents.sales.run(w.input("¿Cuánto cuesta el blanqueamiento dental?"));
    expect(out.intent).toBe("sales.price");
    expect(out.reply).toContain("290 €");
    expect(out.reply).not.toContain("199");
    expect(fallbacks.map((f) => f.step)).toEqual(["sales"]);
    expect(fallbacks[0]?.error).toBeInstanceOf(ModelOutputError);
    expect(String((fallbacks[0]?.error as Error | undefined)?.message)).toMatch(reason);
  });

  it("falls back to the offline answer when the server fails", async () => {
    const w = await world();
    stand.server.enqueueReply({ error: { status: 500 } });
    const out = await w.agents.agents.sales.run(w.input("¿Cuánto cuesta el blanqueamiento dental?"));
    expect(out.reply).toContain("290 €");
    expect(fallbacks.map((f) => f.step)).toEqual(["sales"]);
  });
});

describe("LlmSupportAgent", () => {
  it("opens tickets by rules, without asking the model", async () => {
    const w = await world();
    const out = await w.agents.agents.support.run(
      w.input("Me ha salido un hematoma enorme después del bótox y me duele mucho"),
    );
    expect(out.sharedContext?.ticket).toMatchObject({
      reason: "complication",
      priority: "high",
      needs_ticket: true,
    });
    expect(stand.chats()).toHaveLength(0);
  });

  it("answers questions from the knowledge base with the support prompt", async () => {
    const w = await world();
    stand.server.enqueueReply(search("cuidados después depilación láser"));
    stand.server.enqueueReply({ content: "Evita el sol y usa protector durante unos días." });
    const out = await w.agents.agents.support.run(
      w.input("¿Qué cuidados tengo que tener después del láser?"),
    );
    expect(out).toEqual({ reply: "Evita el sol y usa protector durante unos días.", intent: "support.info" });
    expect(stand.chats()[0]?.messages[0]?.content).toContain("atención al cliente");
  });
});

describe("fallback logging", () => {
  it("logs each fallback with its step and the error's summary, never the API key", async () => {
    const secret = "sk-live-9f8e7d6c5b4a39281706";
    const lines: string[] = [];
    const logger = createLogger("warn", {}, (l) => lines.push(l), { secretValues: [secret] });
    const model = createChatModel({
      apiKey: secret,
      model: "gpt-4o-mini",
      baseURL: stand.baseURL,
      maxRetries: 0,
    });
    const w = await AgentWorld.create(NOW, {
      agents: (options) => createLlmAgents({ ...options, model, onFallback: logFallbacks(logger) }),
    });
    worlds.push(w);
    const out = await w.say("¿Cuánto cuesta el blanqueamiento dental?");
    expect(out.reply).toContain("290 €");
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.map((l) => l.step)).toEqual(["router", "sales"]);
    expect(String(logged[0]?.error)).toMatch(/401/);
    expect(logged[0]).toMatchObject({ companyId: "benova", conversationId: "conv-1" });
    expect(lines.join("\n")).not.toContain(secret);
    expect(lines.join("\n")).not.toContain(secret.slice(3, 15));
  });
});
