import { fork } from "node:child_process";
import { createHmac } from "node:crypto";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { messageCreatedPayload } from "../tests/support/chatwoot-webhook.js";
import { type Bench, type BenchContext, type BenchOutcome, round, table } from "./lib/report.js";
import type { WebhookTargetAddresses } from "./lib/webhook-target.js";

const TARGET = fileURLToPath(new URL("./lib/webhook-target.ts", import.meta.url));
const SECRET = "bench-webhook-secret-0123456789";
const CONNECTIONS = 50;
const SIZES = { full: { seconds: 10, rounds: 2 }, quick: { seconds: 3, rounds: 1 } };
const RATIO_GOAL = 0.3;
const P99_GOAL_MS = 25;
/** Placeholders in the payload template, replaced per request (same digit count, so ids stay valid). */
const MESSAGE_MARK = "1000000001";
const CONVERSATION_MARK = "777777";

interface Measured {
  target: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/**
 * Deliveries per second the webhook server accepts on loopback at 50 connections, beside a bare
 * Fastify route answering 200, in one run. Each delivery is a distinct signed `message_created` of a
 * WhatsApp contact (unique message id, one of 1,000 conversations), so every one is verified,
 * validated and queued (none is a duplicate).
 */
async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = ctx.quick ? SIZES.quick : SIZES.full;
  const child = fork(TARGET, [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      WEBHOOK_TARGET: JSON.stringify({
        secret: SECRET,
        redisUrl: ctx.redisUrl,
        prefix: `bench-webhook-${process.pid}`,
      }),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const addresses = await new Promise<WebhookTargetAddresses>((resolve, reject) => {
      child.once("message", (m: { type: string; addresses: WebhookTargetAddresses }) => resolve(m.addresses));
      child.once("exit", (code) => reject(new Error(`webhook target exited with code ${code}`)));
    });
    const loadBefore = loadavg();
    const template = JSON.stringify(
      messageCreatedPayload({ messageId: Number(MESSAGE_MARK), conversationId: Number(CONVERSATION_MARK) }),
    );
    let next = 0;
    const signedRequest = () => {
      const n = next++;
      const body = template
        .split(MESSAGE_MARK)
        .join(String(Number(MESSAGE_MARK) + n))
        .split(CONVERSATION_MARK)
        .join(String(Number(CONVERSATION_MARK) + (n % 1000)));
      const ts = Math.floor(Date.now() / 1000);
      const signature = createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex");
      return {
        body,
        headers: {
          "content-type": "application/json",
          "x-chatwoot-signature": `sha256=${signature}`,
          "x-chatwoot-timestamp": String(ts),
          "x-chatwoot-delivery": `bench-${n}`,
        },
      };
    };
    const targets: { name: string; url: string; connections: number }[] = [
      { name: "bare Fastify route (200)", url: addresses.bare, connections: CONNECTIONS },
      { name: "webhook server, Redis + BullMQ queue", url: addresses.redis, connections: CONNECTIONS },
      { name: "webhook server, in-process queue", url: addresses.memory, connections: CONNECTIONS },
      { name: "bare Fastify route, 1 connection", url: addresses.bare, connections: 1 },
      { name: "webhook server, 1 connection", url: addresses.memory, connections: 1 },
    ];
    const samples = new Map<string, Measured[]>();
    // Warm-up: JIT and connection set-up, not measured.
    for (const t of targets) await load(t, signedRequest, 1);
    for (let round_ = 0; round_ < sizes.rounds; round_++)
      for (const t of targets) {
        const m = await load(t, signedRequest, sizes.seconds);
        samples.set(t.name, [...(samples.get(t.name) ?? []), m]);
      }
    const loadAfter = loadavg();
    const rows = targets.map((t) => mean(t.name, samples.get(t.name) ?? []));
    const bareRow = rows[0] as Measured;
    const webhook = rows[1] as Measured;
    const ratio = webhook.reqPerSec / bareRow.reqPerSec;
    ctx.print(
      table(
        `Webhook deliveries, ${sizes.rounds} x ${sizes.seconds} s each (mean of rounds); ratio to the bare route at the same connections`,
        ["target", "connections", "req/s", "p50 ms", "p99 ms", "ratio to bare", "non-2xx", "errors"],
        rows.map((r, i) => [
          r.target,
          targets[i]?.connections ?? 0,
          Math.round(r.reqPerSec),
          round(r.p50),
          round(r.p99),
          round(r.reqPerSec / ((i < 3 ? bareRow : rows[3]) as Measured).reqPerSec),
          r.non2xx,
          r.errors,
        ]),
      ),
    );
    const fmt = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
    ctx.print(`load average before: ${fmt(loadBefore)}; after: ${fmt(loadAfter)}`);
    return {
      name: "webhook",
      goals: [
        {
          name: "accepted webhooks vs the bare route",
          target: `>= ${RATIO_GOAL}x`,
          measured: `${round(ratio)}x (${Math.round(webhook.reqPerSec)} vs ${Math.round(bareRow.reqPerSec)} req/s)`,
          met: ratio >= RATIO_GOAL && webhook.non2xx === 0 && webhook.errors === 0,
        },
        {
          name: "webhook p99 latency",
          target: `<= ${P99_GOAL_MS} ms`,
          measured: `${round(webhook.p99)} ms`,
          met: webhook.p99 <= P99_GOAL_MS,
        },
      ],
      data: {
        connections: CONNECTIONS,
        seconds: sizes.seconds,
        rounds: sizes.rounds,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
        rows,
        samples: Object.fromEntries(samples),
        ratio,
      },
      notes: [
        "server and load generator run in separate processes on the same machine; the server logs at info level into a discarding sink",
        "the goals are judged on the production path: the server enqueueing on Redis + BullMQ (the in-process row is the embedded default)",
        "the bare route gets the same signed bodies; the 1-connection rows show the time of one request without queueing behind 49 others",
      ],
    };
  } finally {
    child.send({ type: "stop" });
    await new Promise((r) => child.once("exit", r));
  }
}

function load(
  target: { name: string; url: string; connections: number },
  signedRequest: () => { body: string; headers: Record<string, string> },
  seconds: number,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${target.url}/webhooks/chatwoot`,
        method: "POST",
        connections: target.connections,
        duration: seconds,
        requests: [
          {
            setupRequest: (request) => {
              const { body, headers } = signedRequest();
              return { ...request, method: "POST", body, headers };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          target: target.name,
          reqPerSec: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          total: result.requests.total,
        });
      },
    );
  });
}

function mean(target: string, list: Measured[]): Measured {
  const avg = (f: (m: Measured) => number) => list.reduce((s, m) => s + f(m), 0) / Math.max(1, list.length);
  return {
    target,
    reqPerSec: avg((m) => m.reqPerSec),
    p50: avg((m) => m.p50),
    p99: avg((m) => m.p99),
    non2xx: list.reduce((s, m) => s + m.non2xx, 0),
    errors: list.reduce((s, m) => s + m.errors, 0),
    total: list.reduce((s, m) => s + m.total, 0),
  };
}

export const webhookBench: Bench = {
  name: "webhook",
  description:
    "signed Chatwoot deliveries accepted per second vs a bare Fastify route (autocannon, loopback)",
  run,
};
