/**
 * Where the time of a booking turn goes: the graph benchmark's turns with wall-clock spans around the
 * audit store, the saga store, the checkpointer, the executor and the services (inclusive times, so a
 * span inside another is counted in both). Not a benchmark: `npx tsx bench/graph-profile.ts [count]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { App } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { createCheckpointer } from "../src/graph/checkpointer.js";
import { graphDepsFor } from "../src/graph/converse.js";
import { plainBookingGraph } from "./lib/plain-graph.js";
import { bookingSlot } from "./lib/slots.js";

const NOW = new Date("2027-01-11T08:00:00Z");
const spans = new Map<string, { n: number; ms: number }>();
let measuring = false;

/** Wraps the methods of `target` (own and prototype, except the constructor) in timing spans. */
function instrument(label: string, target: object, filter?: (self: unknown) => string | null): void {
  const names = new Set<string>();
  for (let o = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) names.add(n);
  }
  for (const name of names) {
    if (name === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(target, name) ?? findDescriptor(target, name);
    if (!d || typeof d.value !== "function") continue;
    const fn = d.value as (...a: unknown[]) => unknown;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        const who = filter ? filter(this) : label;
        if (!measuring || who === null) return fn.apply(this, args);
        const t = performance.now();
        const done = () => {
          const key = `${who}.${name}`;
          const s = spans.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - t;
          spans.set(key, s);
        };
        const out = fn.apply(this, args);
        if (out && typeof (out as Promise<unknown>).then === "function") {
          return (out as Promise<unknown>).finally(done);
        }
        done();
        return out;
      },
    });
  }
}

function findDescriptor(o: object, name: string): PropertyDescriptor | undefined {
  for (let p = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d) return d;
  }
  return undefined;
}

async function main() {
  const count = Number(process.argv[2] ?? 60);
  const dir = mkdtempSync(join(tmpdir(), "graph-profile-"));
  const app = await App.create(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }), { clock: () => NOW });
  const plainSaver = await createCheckpointer({ dataDir: join(dir, "plain") });
  try {
    const companyId = app.config.defaultCompanyId;
    const rt = await app.tenant(companyId);
    const deps = await graphDepsFor(app, companyId, undefined, () => NOW);
    const plain = plainBookingGraph(deps, rt, plainSaver.saver);
    const variant = { name: "graph" };
    instrument("checkpoint", SqliteSaver.prototype, () => `${variant.name}:checkpoint`);
    instrument("audit-store", app.stores.audit);
    instrument("saga-store", app.stores.sagas);
    instrument("executor", rt.executor);
    instrument("sagas", rt.sagas);
    instrument("calendar", rt.calendar, () => `${variant.name}:calendar`);
    instrument("email", rt.email, () => `${variant.name}:email`);
    instrument("chatwoot", rt.chatwoot, () => `${variant.name}:chatwoot`);
    const turn = {
      graph: (conversationId: string, userId: string, text: string) =>
        app.converse({ companyId, conversationId, userId, text }),
      plain: (conversationId: string, userId: string, text: string) =>
        plain.invoke(
          { messages: [new HumanMessage(text)], companyId, userId, conversationId },
          { configurable: { thread_id: `${companyId}:${conversationId}` }, durability: "sync" },
        ),
    };
    const totals = { graph: 0, plain: 0 };
    for (const v of ["graph", "plain"] as const) {
      variant.name = v;
      const base = v === "graph" ? 100000 : 200000;
      const ready: string[] = [];
      for (let i = 0; i < count; i++) {
        const conv = String(base + i);
        const when = bookingSlot(v === "graph" ? i : count + i);
        for (const text of [
          `Quiero agendar una cita para botox ${when}`,
          "Me llamo Lucía Pérez",
          `c${i}@example.com`,
        ])
          await turn[v](conv, `3460${conv}`, text);
        ready.push(conv);
      }
      // Warm-up turns are not measured.
      for (const conv of ready.splice(0, 5)) await turn[v](conv, `3460${conv}`, "sí");
      measuring = true;
      const t0 = performance.now();
      for (const conv of ready) {
        const out = (await turn[v](conv, `3460${conv}`, "sí")) as { reply: string };
        if (!out.reply.includes("Su cita ha sido confirmada")) throw new Error(`${v} ${conv}: ${out.reply}`);
      }
      totals[v] = (performance.now() - t0) / ready.length;
      measuring = false;
    }
    const turns = count - 5;
    console.log(
      `mean booking turn: graph ${totals.graph.toFixed(2)} ms, plain ${totals.plain.toFixed(2)} ms`,
    );
    console.log("span (inclusive)                                   calls/turn   ms/turn");
    for (const [k, s] of [...spans.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(
        `${k.padEnd(50)} ${(s.n / turns).toFixed(1).padStart(10)} ${(s.ms / turns).toFixed(2).padStart(9)}`,
      );
    }
  } finally {
    await plainSaver.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
