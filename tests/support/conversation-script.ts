import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** Which tenant service a fault is injected into, and how it fails. */
export interface FaultSpec {
  service: "email" | "calendar" | "tickets" | "chatwoot";
  method: string;
  /** transient: a retriable error (the executor retries it); permanent: not retriable. */
  kind: "transient" | "permanent";
  /** Fail the first N calls of the method (default: every call). */
  times?: number;
}

export interface SeedBooking {
  treatment: string;
  date: string;
  time: string;
  name: string;
  email?: string;
}

/** What one turn must produce; every key is optional, every given key is checked. */
export interface TurnExpect {
  agent?: string | null;
  intent?: string | null;
  reply_contains?: string[];
  reply_not_contains?: string[];
  /** `tool` or `tool.action` of this turn's tool node outcomes, in order, with `:ok` / `:failed`. */
  tools?: string[];
  /** Audit entries of this conversation so far, as `action: status`, that must exist. */
  audit?: string[];
  /** Audit actions that must not exist in this conversation so far. */
  audit_absent?: string[];
  /** Emails in the tenant's outbox so far. */
  emails?: { count?: number; to?: string[]; subjects_contain?: string[] };
  /** Confirmed events of a date in the tenant's calendar, as `HH:MM treatment`. */
  calendar?: Record<string, string[]>;
  /** `tool.action` of the compensations this turn's state holds. */
  compensations?: string[];
  saga_status?: string | null;
  /** How many injected failures fired so far, per `service.method`. */
  faults_fired?: Record<string, number>;
  /** The ticket whose id (`tkt_…`) this turn's reply names, as the tenant's ticket service holds it. */
  ticket?: { subject?: string; priority?: string; status?: string };
  /** How many chat completion requests this turn sent to the model. */
  model_calls?: number;
}

/**
 * One scripted answer of the language model (the stand-in answers the turn's chat requests with
 * these, in order): a structured answer (routing, slot extraction), tool calls, text, or an HTTP error.
 */
export interface ModelAnswer {
  structured?: Record<string, unknown> | string;
  content?: string;
  tool_calls?: { name: string; arguments: Record<string, unknown> | string }[];
  /** An HTTP status the request fails with. */
  error?: number;
}

/** Runs the conversation through `ChatOpenAI` against the OpenAI stand-in instead of the offline agents. */
export interface ModelSettings {
  /** The model name sent (default gpt-4o-mini, which gets json_schema structured output). */
  name?: string;
  /** Server-Sent Events (`streaming: true` on the model). */
  stream?: boolean;
}

export interface Turn {
  say: string;
  /** The model's answers to this turn's chat requests, in order (with a top-level `model`). */
  model?: ModelAnswer[];
  expect?: TurnExpect;
}

export interface ConversationScript {
  name: string;
  /** ISO instant the clock is fixed at. */
  clock: string;
  user?: string;
  faults?: FaultSpec[];
  bookings?: SeedBooking[];
  model?: ModelSettings;
  turns: Turn[];
}

const TOP = new Set(["name", "clock", "user", "faults", "bookings", "model", "turns", "description"]);
const MODEL = new Set(["name", "stream"]);
const ANSWER = new Set(["structured", "content", "tool_calls", "error"]);
const EXPECT = new Set([
  "agent",
  "intent",
  "reply_contains",
  "reply_not_contains",
  "tools",
  "audit",
  "audit_absent",
  "emails",
  "calendar",
  "compensations",
  "saga_status",
  "faults_fired",
  "ticket",
  "model_calls",
]);

/** Reads and checks one script; a bad file fails with its path and the offending field. */
export function loadScript(path: string): ConversationScript {
  const doc = parse(readFileSync(path, "utf8")) as Record<string, unknown> | null;
  const fail = (field: string, what: string): never => {
    throw new Error(`${path}: ${field}: expected ${what}`);
  };
  if (!doc || typeof doc !== "object") return fail("(file)", "a YAML mapping");
  for (const k of Object.keys(doc)) if (!TOP.has(k)) fail(k, `one of ${[...TOP].join(", ")}`);
  if (typeof doc.name !== "string") fail("name", "a string");
  if (typeof doc.clock !== "string" || Number.isNaN(Date.parse(doc.clock))) fail("clock", "an ISO instant");
  if (!Array.isArray(doc.turns) || doc.turns.length === 0) fail("turns", "a non-empty list");
  (doc.turns as unknown[]).forEach((t, i) => {
    const turn = t as Record<string, unknown>;
    if (typeof turn?.say !== "string") fail(`turns[${i}].say`, "the customer's text");
    for (const k of Object.keys((turn.expect as object) ?? {})) {
      if (!EXPECT.has(k)) fail(`turns[${i}].expect.${k}`, `one of ${[...EXPECT].join(", ")}`);
    }
    if (turn.model === undefined) return;
    if (!doc.model) fail(`turns[${i}].model`, "a top-level model section to go with it");
    if (!Array.isArray(turn.model)) fail(`turns[${i}].model`, "a list of model answers");
    (turn.model as Record<string, unknown>[]).forEach((a, j) => {
      const at = `turns[${i}].model[${j}]`;
      const keys = Object.keys(a ?? {});
      if (keys.length === 0) fail(at, `one of ${[...ANSWER].join(", ")}`);
      for (const k of keys) if (!ANSWER.has(k)) fail(`${at}.${k}`, `one of ${[...ANSWER].join(", ")}`);
      if (a.error !== undefined && (typeof a.error !== "number" || keys.length > 1)) {
        fail(`${at}.error`, "an HTTP status number, alone");
      }
    });
  });
  if (doc.model !== undefined) {
    if (!doc.model || typeof doc.model !== "object") fail("model", "a mapping (name, stream)");
    for (const k of Object.keys(doc.model as object)) if (!MODEL.has(k)) fail(`model.${k}`, "name or stream");
  }
  for (const [i, f] of ((doc.faults as FaultSpec[]) ?? []).entries()) {
    if (!["email", "calendar", "tickets", "chatwoot"].includes(f.service)) {
      fail(`faults[${i}].service`, "email, calendar, tickets or chatwoot");
    }
    if (typeof f.method !== "string") fail(`faults[${i}].method`, "a method name of the service");
    if (!["transient", "permanent"].includes(f.kind)) fail(`faults[${i}].kind`, "transient or permanent");
  }
  return doc as unknown as ConversationScript;
}

/** A retriable failure as a provider reports it (a 503), or a permanent one (a 550 rejection). */
export class InjectedServiceError extends Error {
  override readonly name = "InjectedServiceError";
  constructor(
    readonly retriable: boolean,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Wraps a service object: the faulted methods throw for their first `times` calls, everything else
 * (and every later call) reaches the real service. Methods are bound to the real object so private
 * fields keep working.
 */
export function withFaults<T extends object>(
  service: T,
  faults: FaultSpec[],
  calls: Map<string, number>,
  fired: Map<string, number>,
): T {
  if (faults.length === 0) return service;
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      const fault = faults.find((f) => f.method === prop);
      if (!fault) return value.bind(target);
      return (...args: unknown[]) => {
        const key = `${fault.service}.${fault.method}`;
        const n = (calls.get(key) ?? 0) + 1;
        calls.set(key, n);
        if (fault.times === undefined || n <= fault.times) {
          fired.set(key, (fired.get(key) ?? 0) + 1);
          const transient = fault.kind === "transient";
          throw new InjectedServiceError(
            transient,
            transient ? 503 : 550,
            `${key} failed (${transient ? "503 service unavailable" : "550 rejected"})`,
          );
        }
        return value.apply(target, args);
      };
    },
  });
}
