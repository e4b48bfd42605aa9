import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParsedMail, simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { App, type TenantServices } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createAgentFactory } from "../../src/graph/agent-factory.js";
import type { ConverseResult } from "../../src/graph/converse.js";
import { eventIdFor } from "../../src/services/calendar/index.js";
import {
  type ConversationScript,
  loadScript,
  type ModelAnswer,
  type TurnExpect,
  withFaults,
} from "../support/conversation-script.js";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

// Every tests/conversations/*.yaml is one scripted conversation (format: tests/conversations/README.md).
const DIR = fileURLToPath(new URL("../conversations/", import.meta.url));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** The app on embedded defaults in a temp dir, its clock fixed and the script's faults injected. */
async function openWorld(script: ConversationScript) {
  const dir = mkdtempSync(join(tmpdir(), "conversation-"));
  const calls = new Map<string, number>();
  const fired = new Map<string, number>();
  const faults = script.faults ?? [];
  const decorateServices = (_companyId: string, s: TenantServices): TenantServices => {
    const of = (service: string) => faults.filter((f) => f.service === service);
    return {
      ...s,
      email: withFaults(s.email, of("email"), calls, fired),
      calendar: withFaults(s.calendar, of("calendar"), calls, fired),
      tickets: withFaults(s.tickets, of("tickets"), calls, fired),
      chatwoot: withFaults(s.chatwoot, of("chatwoot"), calls, fired),
    };
  };
  const now = new Date(script.clock);
  // With a model section: ChatOpenAI (the app's own agent factory) against the OpenAI stand-in.
  const standIn = script.model ? new OpenAIStandIn({ apiKey: MODEL_KEY }) : null;
  const modelEnv = standIn
    ? {
        OPENAI_API_KEY: MODEL_KEY,
        OPENAI_BASE_URL: await standIn.start(),
        OPENAI_MODEL: script.model?.name ?? "gpt-4o-mini",
      }
    : {};
  const app = await App.create(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent", ...modelEnv }), {
    clock: () => now,
    decorateServices,
    ...(standIn
      ? {
          agents: createAgentFactory({
            model: { maxRetries: 0, timeoutMs: 10_000, streaming: script.model?.stream ?? false },
          }),
        }
      : {}),
  });
  const rt = await app.tenant();
  const outbox = join(dir, "outbox", rt.companyId);
  const emails = async () => {
    let names: string[] = [];
    try {
      names = readdirSync(outbox).filter((f) => f.endsWith(".eml"));
    } catch {
      return [];
    }
    return Promise.all(names.map((f) => simpleParser(readFileSync(join(outbox, f)))));
  };
  const close = async () => {
    await app.close();
    await standIn?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, rt, emails, close, fired, standIn };
}

type World = Awaited<ReturnType<typeof openWorld>>;

const MODEL_KEY = "sk-conversation-scripts-0123";

/** The stand-in's form of a script's model answer. */
const scripted = (a: ModelAnswer) =>
  a.error !== undefined
    ? { error: { status: a.error } }
    : {
        ...(a.structured !== undefined ? { structured: a.structured } : {}),
        ...(a.content !== undefined ? { content: a.content } : {}),
        ...(a.tool_calls ? { tool_calls: a.tool_calls } : {}),
      };

const chatRequests = (world: World) => world.standIn?.requestsTo("/v1/chat/completions") ?? [];

const addresses = (to: ParsedMail["to"]): string[] =>
  (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));

async function check(
  world: World,
  conversationId: string,
  out: ConverseResult,
  want: TurnExpect,
  at: string,
) {
  if (want.agent !== undefined) expect(out.agent, `${at} agent`).toBe(want.agent);
  if (want.intent !== undefined) expect(out.intent, `${at} intent`).toBe(want.intent);
  for (const s of want.reply_contains ?? []) expect(out.reply, `${at} reply`).toContain(s);
  for (const s of want.reply_not_contains ?? []) expect(out.reply, `${at} reply`).not.toContain(s);
  if (want.tools) {
    const got = out.toolOutcomes.map((o) => `${o.tool}.${o.action}:${o.success ? "ok" : "failed"}`);
    expect(got, `${at} tools`).toEqual(want.tools);
  }
  if (want.compensations) {
    expect(
      out.compensations.map((c) => `${c.tool}.${c.action}`),
      `${at} compensations`,
    ).toEqual(want.compensations);
  }
  if (want.saga_status !== undefined) expect(out.sagaStatus, `${at} sagaStatus`).toBe(want.saga_status);
  if (want.audit || want.audit_absent) {
    const page = await world.rt.audit.query({ conversationId, limit: 200 });
    const got = page.entries.map((e) => `${e.actionName}: ${e.status}`);
    for (const a of want.audit ?? []) expect(got, `${at} audit`).toContain(a);
    const actions = page.entries.map((e) => e.actionName);
    for (const a of want.audit_absent ?? []) expect(actions, `${at} audit_absent`).not.toContain(a);
  }
  if (want.emails) {
    const mails = await world.emails();
    if (want.emails.count !== undefined) expect(mails.length, `${at} emails.count`).toBe(want.emails.count);
    if (want.emails.to) {
      expect(mails.flatMap((m) => addresses(m.to)).sort(), `${at} emails.to`).toEqual(
        [...want.emails.to].sort(),
      );
    }
    const subjects = mails.map((m) => m.subject ?? "").join("\n");
    for (const s of want.emails.subjects_contain ?? [])
      expect(subjects, `${at} emails.subjects`).toContain(s);
  }
  for (const [key, n] of Object.entries(want.faults_fired ?? {})) {
    expect(world.fired.get(key) ?? 0, `${at} faults_fired ${key}`).toBe(n);
  }
  if (want.ticket) {
    const id = /tkt_[0-9a-f]{24}/.exec(out.reply)?.[0];
    expect(id, `${at} ticket id in the reply`).toBeDefined();
    const ticket = await world.rt.tickets.getTicket(id ?? "");
    for (const [field, value] of Object.entries(want.ticket)) {
      expect(ticket?.[field as keyof typeof want.ticket], `${at} ticket.${field}`).toBe(value);
    }
  }
  for (const [date, events] of Object.entries(want.calendar ?? {})) {
    const { bookings } = await world.rt.calendar.listBookings(date);
    const got = bookings.filter((b) => b.status === "confirmed").map((b) => `${b.time} ${b.treatment}`);
    expect(got.sort(), `${at} calendar ${date}`).toEqual([...events].sort());
  }
}

describe.each(files)("conversation %s", (file) => {
  it("answers every turn as scripted", async () => {
    const script = loadScript(join(DIR, file));
    const world = await openWorld(script);
    try {
      for (const [i, b] of (script.bookings ?? []).entries()) {
        await world.rt.calendar.createBooking(
          {
            treatment: b.treatment,
            date: b.date,
            time: b.time,
            customer_name: b.name,
            customer_email: b.email,
          },
          { eventId: eventIdFor(`seed-${i}`) },
        );
      }
      const conversationId = "7001";
      for (const [i, turn] of script.turns.entries()) {
        for (const answer of turn.model ?? []) world.standIn?.enqueueReply(scripted(answer));
        const before = chatRequests(world).length;
        const out = await world.app.converse({
          conversationId,
          userId: script.user ?? "34600111222",
          text: turn.say,
        });
        if (process.env.CONVERSATIONS_TRACE) {
          const page = await world.rt.audit.query({ conversationId, limit: 200 });
          const audit = page.entries.map((e) => `${e.actionName}: ${e.status}`);
          const mails = (await world.emails()).map((m) => [addresses(m.to), m.subject]);
          console.log(JSON.stringify({ say: turn.say, ...out, audit, mails }, null, 1));
        }
        const at = `${script.name}, turn ${i + 1} ("${turn.say}")`;
        if (world.standIn) {
          const requests = chatRequests(world).slice(before);
          expect(world.standIn.pendingReplies, `${at} model answers left unused`).toBe(0);
          if (turn.expect?.model_calls !== undefined) {
            expect(requests.length, `${at} model_calls`).toBe(turn.expect.model_calls);
          }
          const streamed = requests.map((r) => (r.body as { stream?: boolean }).stream === true);
          expect(streamed, `${at} streaming`).toEqual(requests.map(() => script.model?.stream ?? false));
        }
        await check(world, conversationId, out, turn.expect ?? {}, at);
      }
    } finally {
      await world.close();
    }
  });
});

describe("the conversation script loader", () => {
  it("refuses a misspelt expectation, naming the file and the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "conversation-bad-"));
    try {
      const file = join(dir, "bad.yaml");
      writeFileSync(
        file,
        'name: bad\nclock: "2027-01-12T09:00:00Z"\nturns:\n  - say: hola\n    expect: { replies: [x] }\n',
      );
      expect(() => loadScript(file)).toThrow(/bad\.yaml: turns\[0\]\.expect\.replies: expected one of/);
      writeFileSync(file, "name: bad\nclock: yesterday\nturns: [{ say: hola }]\n");
      expect(() => loadScript(file)).toThrow(/bad\.yaml: clock: expected an ISO instant/);
      writeFileSync(
        file,
        'name: bad\nclock: "2027-01-12T09:00:00Z"\nmodel: {}\nturns:\n  - say: hola\n    model: [{ answer: hi }]\n',
      );
      expect(() => loadScript(file)).toThrow(/bad\.yaml: turns\[0\]\.model\[0\]\.answer: expected one of/);
      writeFileSync(file, 'name: bad\nclock: "2027-01-12T09:00:00Z"\nturns:\n  - say: hola\n    model: []\n');
      expect(() => loadScript(file)).toThrow(
        /bad\.yaml: turns\[0\]\.model: expected a top-level model section/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
