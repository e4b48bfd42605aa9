import { type ChildProcess, fork } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { bookingSlot } from "../../bench/lib/slots.js";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import { MARKER_ATTRIBUTE } from "../../src/services/chatwoot/api-service.js";
import { ChatwootStandIn } from "./chatwoot-stand-in.js";
import { uniquePrefix } from "./redis.js";
import { seededRandom } from "./saga-kill-switch.js";
import type { TurnCrashChildConfig, TurnCrashChildMessage } from "./turn-crash-child.js";
import { incomingTurn } from "./turns.js";
import { replyMarker } from "./worker-world.js";

const CHILD = fileURLToPath(new URL("./turn-crash-child.ts", import.meta.url));
/** Monday 11 January 2027, 09:00 in Madrid. */
const NOW = "2027-01-11T08:00:00Z";

export interface TurnCrashOptions {
  redisUrl: string;
  seed: number;
  conversations: number;
  /** Worker processes alive at once. */
  workers: number;
  /** Keep killing until this many turns were cut short. */
  interruptedGoal: number;
  /** Every n-th conversation gives an address whose confirmation is refused (rolled back). */
  refuseEvery: number;
}

export interface TurnCrashStats {
  kills: number;
  selfKills: number;
  parentKills: number;
  /** Turns running in a process when it was killed (a turn cut twice counts twice). */
  interrupted: number;
  /** Self-kill points hit, with counts. */
  points: Record<string, number>;
  turns: number;
  spawned: number;
}

interface Conversation {
  id: number;
  email: string;
  texts: string[];
  /** Message ids sent so far, in order. */
  sent: number[];
}

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  stderr: string;
}

/**
 * The world of the webhook crash test: a Chatwoot stand-in, a DATA_DIR the workers share (local
 * calendar, outbox email, SQLite checkpoints), a private queue prefix on a real Redis, customers who
 * write their next message once the last one was answered, and a supervisor that keeps `workers`
 * processes alive while killing them at seeded points.
 */
export class TurnCrashWorld {
  readonly chatwoot = new ChatwootStandIn();
  readonly companyId = uniquePrefix("cr").replace(/[^a-z0-9-]/g, "");
  readonly prefix = uniquePrefix("crq");
  readonly dir = mkdtempSync(join(tmpdir(), "turn-crash-"));
  readonly stats: TurnCrashStats = {
    kills: 0,
    selfKills: 0,
    parentKills: 0,
    interrupted: 0,
    points: {},
    turns: 0,
    spawned: 0,
  };
  readonly conversations: Conversation[] = [];
  private readonly random: () => number;
  private producer: RedisTurnQueue | null = null;
  private baseUrl = "";
  private readonly children = new Set<Child>();
  private stopping = false;
  private killsSeen = 0;

  constructor(private readonly options: TurnCrashOptions) {
    this.random = seededRandom(options.seed);
  }

  env(): Record<string, string> {
    return {
      DATA_DIR: this.dir,
      COMPANY_ID: this.companyId,
      REDIS_URL: this.options.redisUrl,
      CHATWOOT_BASE_URL: this.baseUrl,
      CHATWOOT_API_TOKEN: this.chatwoot.apiToken,
      CHATWOOT_ACCOUNT_ID: "1",
      LOG_LEVEL: "warn",
    };
  }

  async start(): Promise<void> {
    this.baseUrl = await this.chatwoot.start();
    this.producer = new RedisTurnQueue({ redisUrl: this.options.redisUrl, prefix: this.prefix });
    this.addConversations(this.options.conversations);
  }

  /** New customers, each booking a slot of their own. */
  private addConversations(count: number): void {
    for (let k = 0; k < count; k++) {
      const n = this.conversations.length;
      const id = 7000 + n;
      const refused = n % this.options.refuseEvery === this.options.refuseEvery - 1;
      const email = `${refused ? "rechazo" : "cliente"}${n}@example.com`;
      this.chatwoot.addConversation({ id });
      this.conversations.push({
        id,
        email,
        texts: [
          `Quiero agendar una cita para botox ${bookingSlot(n)}`,
          `Me llamo Cliente ${n}, ${email}`,
          "sí",
        ],
        sent: [],
      });
    }
  }

  /** Runs every conversation to its end while killing workers; then drains with workers left alone. */
  async run(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const killing = () => this.stats.interrupted < this.options.interruptedGoal;
    const supervisor = this.supervise(killing);
    let lastProgress = -1;
    let lastChange = Date.now();
    try {
      for (;;) {
        if (this.allAnswered()) {
          // Every customer is answered but fewer turns were cut short than asked: more customers.
          if (!killing() || this.conversations.length >= 4 * this.options.conversations) break;
          this.addConversations(10);
        }
        const answered = this.progress().answered + this.conversations.reduce((n, c) => n + c.sent.length, 0);
        if (answered !== lastProgress) {
          lastProgress = answered;
          lastChange = Date.now();
        }
        if (Date.now() > deadline || Date.now() - lastChange > 300_000) {
          throw new Error(`crash run stalled: ${JSON.stringify(this.progress())}\n${this.unanswered()}`);
        }
        await this.customersWrite();
        this.collectKills();
        await sleep(40);
      }
    } finally {
      this.stopping = true;
      await supervisor;
    }
  }

  /** The conversations still waiting for an answer, with what Chatwoot holds for them. */
  unanswered(): string {
    return this.conversations
      .filter((c) => !(c.sent.length === c.texts.length && this.answered(c)))
      .map((c) => {
        const posted = this.chatwoot
          .messages(c.id)
          .map(
            (m) =>
              `${m.private ? "note" : "reply"} ${String(m.content_attributes?.[MARKER_ATTRIBUTE] ?? "-")}: ${String(m.content).slice(0, 60)}`,
          );
        const log = existsSync(join(this.dir, "workers.log"))
          ? readFileSync(join(this.dir, "workers.log"), "utf8")
              .split("\n")
              .filter(
                (l) =>
                  l.includes(`"conversationId":${c.id}`) ||
                  l.includes(`"conversationId":"${c.id}"`) ||
                  l.includes(`:${c.id}:`),
              )
              .slice(-12)
              .join("\n  ")
          : "";
        return `log:\n  ${log}\nconversation ${c.id} sent ${c.sent.join(",")}; markers of last: ${replyMarker(`reply:${this.companyId}:${c.sent.at(-1)}`)}; posted:\n  ${posted.join("\n  ")}`;
      })
      .join("\n");
  }

  /** What every conversation has got so far. */
  progress() {
    return {
      ...this.stats,
      answered: this.conversations.filter((c) => c.sent.length === c.texts.length && this.answered(c)).length,
      conversations: this.conversations.length,
    };
  }

  /** Public replies and hand-off notes of a conversation, by the message id they answer. */
  answers(c: Conversation): { replies: Map<number, number>; handoffs: Map<number, number> } {
    const replies = new Map<number, number>();
    const handoffs = new Map<number, number>();
    const byMarker = new Map<string, { id: number; kind: "reply" | "handoff" }>();
    for (const id of c.sent) {
      byMarker.set(replyMarker(`reply:${this.companyId}:${id}`), { id, kind: "reply" });
      byMarker.set(replyMarker(`handoff:${this.companyId}:${id}`), { id, kind: "handoff" });
    }
    for (const m of this.chatwoot.messages(c.id)) {
      const hit = byMarker.get(String(m.content_attributes?.[MARKER_ATTRIBUTE] ?? ""));
      if (!hit) continue;
      const map = hit.kind === "reply" ? replies : handoffs;
      map.set(hit.id, (map.get(hit.id) ?? 0) + 1);
    }
    return { replies, handoffs };
  }

  /** The public reply to a message (its text), if any. */
  replyTo(c: Conversation, messageId: number): string | null {
    const marker = replyMarker(`reply:${this.companyId}:${messageId}`);
    const m = this.chatwoot
      .messages(c.id)
      .find((x) => String(x.content_attributes?.[MARKER_ATTRIBUTE] ?? "") === marker);
    return m?.content ?? null;
  }

  /** Events of the shared local calendar, with the customer's email. */
  events(): { eventId: string; status: string; email: string }[] {
    const db = new Database(join(this.dir, "calendar.db"), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT event_id, status, properties FROM calendar_events WHERE company_id = ?")
        .all(this.companyId) as { event_id: string; status: string; properties: string }[];
      return rows.map((r) => ({
        eventId: r.event_id,
        status: r.status,
        email: String((JSON.parse(r.properties) as { customer_email?: string }).customer_email ?? ""),
      }));
    } finally {
      db.close();
    }
  }

  /** The outbox's messages: recipient and subject of each `.eml`. */
  emails(): { to: string; subject: string }[] {
    const box = join(this.dir, "outbox", this.companyId);
    if (!existsSync(box)) return [];
    return readdirSync(box)
      .filter((f) => f.endsWith(".eml"))
      .map((f) => {
        const head = readFileSync(join(box, f), "utf8").split(/\r?\n\r?\n/)[0] ?? "";
        const field = (name: string) =>
          new RegExp(`^${name}: (.*)$`, "mi").exec(head.replace(/\r?\n[ \t]+/g, " "))?.[1]?.trim() ?? "";
        return { to: field("To").replace(/.*<|>.*/g, ""), subject: decodeMime(field("Subject")) };
      });
  }

  async close(): Promise<void> {
    for (const c of this.children) c.proc.kill("SIGKILL");
    await Promise.all([...this.children].map((c) => c.exited));
    await this.producer?.close();
    await this.chatwoot.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private answered(c: Conversation): boolean {
    const last = c.sent.at(-1);
    if (last === undefined) return false;
    const { replies, handoffs } = this.answers(c);
    return replies.has(last) || handoffs.has(last);
  }

  private allAnswered(): boolean {
    return this.conversations.every((c) => c.sent.length === c.texts.length && this.answered(c));
  }

  /** Each customer whose last message was answered writes the next one. */
  private async customersWrite(): Promise<void> {
    for (const c of this.conversations) {
      if (c.sent.length === c.texts.length) continue;
      if (c.sent.length > 0 && !this.answered(c)) continue;
      const turn = incomingTurn({
        companyId: this.companyId,
        conversationId: c.id,
        text: c.texts[c.sent.length] as string,
      });
      c.sent.push(turn.messageId);
      await this.producer?.enqueue(turn);
    }
  }

  /** Reads the self-kills the workers noted. */
  private collectKills(): void {
    const file = join(this.dir, "kills.jsonl");
    if (!existsSync(file)) return;
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    for (const line of lines.slice(this.killsSeen)) {
      const k = JSON.parse(line) as { point: string; busy: string[] };
      this.stats.selfKills++;
      this.stats.kills++;
      this.stats.interrupted += k.busy.length;
      this.stats.points[k.point] = (this.stats.points[k.point] ?? 0) + 1;
    }
    this.killsSeen = lines.length;
  }

  /** Keeps `workers` processes alive; while `killing()`, they die at seeded points or by our hand. */
  private async supervise(killing: () => boolean): Promise<void> {
    const slots = Array.from({ length: this.options.workers }, async () => {
      while (!this.stopping) {
        const armed = killing();
        const selfKill = armed && this.random() < 0.7;
        const killAt = selfKill ? 1 + Math.floor(this.random() * 30) : null;
        const child = this.spawn(killAt);
        try {
          await child.ready;
        } catch {
          await child.exited;
          continue;
        }
        if (armed && !selfKill) {
          const delay = 200 + Math.floor(this.random() * 2500);
          await Promise.race([child.exited, sleep(delay)]);
          if (child.proc.exitCode === null && child.proc.signalCode === null) {
            const busy = this.busyOf(child.proc.pid);
            child.proc.kill("SIGKILL");
            await child.exited;
            this.stats.kills++;
            this.stats.parentKills++;
            this.stats.interrupted += busy;
          }
          continue;
        }
        // A self-killing worker dies on its own; a calm one runs until the end or until kills resume.
        while (!this.stopping && child.proc.exitCode === null && child.proc.signalCode === null) {
          if (!selfKill && killing()) break;
          await Promise.race([child.exited, sleep(200)]);
        }
        if (child.proc.exitCode === null && child.proc.signalCode === null) {
          child.proc.kill("SIGTERM");
          await child.exited;
        }
      }
    });
    await Promise.all(slots);
  }

  private busyOf(pid: number | undefined): number {
    try {
      return (JSON.parse(readFileSync(join(this.dir, `busy-${pid}.json`), "utf8")) as string[]).length;
    } catch {
      return 0;
    }
  }

  private spawn(killAt: number | null): Child {
    const config: TurnCrashChildConfig = {
      env: this.env(),
      prefix: this.prefix,
      now: NOW,
      dir: this.dir,
      killAt,
      concurrency: 3,
    };
    const proc = fork(CHILD, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, TURN_CRASH_CHILD: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.stats.spawned++;
    const child: Child = {
      proc,
      stderr: "",
      exited: new Promise((resolve) => proc.on("exit", () => resolve())),
      ready: Promise.resolve(),
    };
    proc.stderr?.on("data", (d: Buffer) => {
      child.stderr += d.toString();
      appendFileSync(join(this.dir, "workers.log"), d);
    });
    child.ready = new Promise((resolve, reject) => {
      proc.on("message", (m: TurnCrashChildMessage) => {
        if (m.type === "ready") resolve();
        else if (m.type === "turn") this.stats.turns++;
      });
      void child.exited.then(() => reject(new Error(`worker died before it was ready: ${child.stderr}`)));
    });
    this.children.add(child);
    void child.exited.then(() => {
      this.children.delete(child);
      if (child.stderr.includes("crash child failed")) process.stderr.write(child.stderr);
    });
    return child;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) in a header. */
function decodeMime(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text
            .replace(/_/g, " ")
            .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}
