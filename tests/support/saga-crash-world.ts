import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import type { SagaView } from "../../src/saga/types.js";
import { eventIdFor } from "../../src/services/calendar/index.js";
import { ticketIdFor } from "../../src/services/tickets/index.js";
import { GoogleCalendarStandIn } from "./google-calendar-stand-in.js";
import {
  buildServices,
  type CrashChildConfig,
  type CrashChildMessage,
  crashRetry,
} from "./saga-crash-setup.js";
import { KillSwitch, seededRandom } from "./saga-kill-switch.js";
import { type SagaMailbox, startSagaMailbox } from "./saga-mailbox.js";

interface Worker {
  round: number;
  child: ChildProcess;
  loaded: Promise<void>;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
  stderr(): string;
}

const CHILD = fileURLToPath(new URL("./saga-crash-child.ts", import.meta.url));
const COMPANY = "benova";

export interface CrashWorldOptions {
  redisUrl: string;
  seed: number;
  /** Lease of the workers' sagas (short, so the next worker can take them over soon). */
  leaseMs?: number;
  /** Sagas each worker runs side by side. */
  concurrency?: number;
  /** Every n-th saga is refused at its last step and rolled back. */
  failEvery?: number;
  /** Share of rounds where the worker kills itself at a seeded event (the rest: the parent, after a seeded delay). */
  switchShare?: number;
  /** Kill-switch events are drawn from 1..maxEvents (default 1200). */
  maxEvents?: number;
  /** The parent's kills come 0..maxDelayMs after the worker started (default 1200). */
  maxDelayMs?: number;
  /** Whether the booking sagas send the confirmation email. */
  email?: boolean;
}

export interface CrashStats {
  rounds: number;
  kills: number;
  /** Distinct (saga, state) pairs found running or compensating right after a kill: sagas cut mid-flight. */
  interrupted: number;
  sagas: number;
  completed: number;
  compensated: number;
  neverStarted: number;
  /** Why rolled-back sagas were rolled back (error text up to its first colon), with counts. */
  rollbackReasons: Record<string, number>;
}

/**
 * The world of the crash tests: the stand-ins (Google Calendar, SMTP) and the ticket database the
 * workers use, a private Redis prefix, and the means to run worker rounds, recover, and check that
 * nothing was left behind.
 */
export class CrashWorld {
  readonly prefix = `crash-${randomBytes(4).toString("hex")}`;
  readonly calendar = new GoogleCalendarStandIn();
  readonly stats: CrashStats = {
    rounds: 0,
    kills: 0,
    interrupted: 0,
    sagas: 0,
    completed: 0,
    compensated: 0,
    neverStarted: 0,
    rollbackReasons: {},
  };
  private readonly dir = mkdtempSync(join(tmpdir(), "agent-ledger-crash-"));
  private readonly redis: Redis;
  private readonly random: () => number;
  private readonly seen = new Set<string>();
  private mailbox: SagaMailbox | null = null;
  private calendarUrl = "";
  private readonly leaseMs: number;

  constructor(private readonly options: CrashWorldOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
    this.random = seededRandom(options.seed);
    this.leaseMs = options.leaseMs ?? 300;
  }

  async start(): Promise<void> {
    this.calendarUrl = await this.calendar.start();
    if (this.options.email) this.mailbox = await startSagaMailbox();
  }

  private config(round: number, killAt: number | null): CrashChildConfig {
    return {
      round,
      redisUrl: this.options.redisUrl,
      prefix: this.prefix,
      companyId: COMPANY,
      calendarUrl: this.calendarUrl,
      ticketsPath: join(this.dir, "tickets.db"),
      smtp: this.mailbox ? { host: "127.0.0.1", port: this.mailbox.port } : null,
      leaseMs: this.leaseMs,
      concurrency: this.options.concurrency ?? 8,
      killAt,
      failEvery: this.options.failEvery ?? 4,
    };
  }

  /**
   * Worker lives, one after the other: each is started (its modules loaded while the previous one
   * still works), let go, and SIGKILLed at a seeded point. Throws if one died any other way.
   */
  async run(rounds: number): Promise<void> {
    let next: Worker | null = null;
    try {
      for (let i = 0; i < rounds; i++) {
        const current: Worker = next ?? this.spawn();
        await current.loaded;
        next = i + 1 < rounds ? this.spawn() : null;
        current.child.send({ type: "go" });
        const [code, signal] = await current.exit;
        if (signal !== "SIGKILL") {
          throw new Error(
            `worker of round ${current.round} exited with code ${code}, not by SIGKILL:\n${current.stderr()}`,
          );
        }
        this.stats.kills++;
        await this.countInterrupted();
      }
    } finally {
      next?.child.kill("SIGKILL");
    }
  }

  private spawn(): Worker {
    const round = ++this.stats.rounds;
    const bySwitch = this.random() < (this.options.switchShare ?? 0.7);
    const killAt = bySwitch ? 1 + Math.floor(this.random() * (this.options.maxEvents ?? 1200)) : null;
    const delayMs = Math.floor(this.random() * (this.options.maxDelayMs ?? 1200));
    const child = fork(CHILD, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, CRASH_CHILD: JSON.stringify(this.config(round, killAt)) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let onLoaded: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      onLoaded = resolve;
    });
    child.on("message", (m: CrashChildMessage) => {
      if (m.type === "loaded") onLoaded();
      if (m.type === "ready" && killAt === null) setTimeout(() => child.kill("SIGKILL"), delayMs);
    });
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once("exit", (c, s) => {
        clearTimeout(guard);
        onLoaded();
        resolve([c, s]);
      }),
    );
    return { round, child, loaded, exit, stderr: () => stderr };
  }

  private async countInterrupted(): Promise<void> {
    const store = new RedisSagaStore({ redis: this.redis, prefix: this.prefix });
    for (const status of ["running", "compensating"] as const) {
      for (const { record } of await store.list(COMPANY, { status, limit: 1000, before: null })) {
        const key = `${record.sagaId}@${record.updatedAt}`;
        if (!this.seen.has(key)) {
          this.seen.add(key);
          this.stats.interrupted++;
        }
      }
    }
  }

  /** A recovering process: waits for the last worker's leases to expire, then recovers everything. */
  async recover(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.leaseMs + 50));
    const { sagas, close } = await this.parentOrchestrator();
    try {
      for (let i = 0; i < 5; i++) {
        // Every worker is dead by now, so a saga still `created` was abandoned: sweep it at once.
        const report = await sagas.recoverSagas({ abandonCreatedAfterMs: 0 });
        if (report.examined === 0) break;
      }
    } finally {
      await close();
    }
  }

  private async parentOrchestrator() {
    const audit = new AuditManager({
      companyId: COMPANY,
      store: new RedisAuditStore({ redis: this.redis, prefix: this.prefix }),
      sealIntervalMs: 0,
    });
    const { executor, tickets, email } = buildServices(
      this.config(0, null),
      audit,
      this.redis,
      new KillSwitch(null),
    );
    const sagas = new CompensationOrchestrator({
      companyId: COMPANY,
      auditManager: audit,
      store: new RedisSagaStore({ redis: this.redis, prefix: this.prefix }),
      toolExecutor: executor,
      leaseMs: 5_000,
      retry: crashRetry,
      owner: "recovery",
    });
    const close = async () => {
      tickets.close();
      await email?.close();
    };
    return { sagas, audit, tickets, close };
  }

  async allSagas(): Promise<SagaView[]> {
    const store = new RedisSagaStore({ redis: this.redis, prefix: this.prefix });
    const out: SagaView[] = [];
    let before: string | null = null;
    for (;;) {
      const page = await store.list(COMPANY, { limit: 1000, before });
      out.push(...page.map((s) => ({ ...s.record, owner: s.owner, leaseUntil: s.leaseUntil })));
      if (page.length < 1000) return out;
      before = page.at(-1)?.record.sagaId ?? null;
    }
  }

  /** Everything that must hold after recovery; each broken promise as one line. */
  async violations(): Promise<string[]> {
    const problems: string[] = [];
    const { audit, tickets, close } = await this.parentOrchestrator();
    try {
      const sagas = await this.allSagas();
      const completed = new Set<string>();
      Object.assign(this.stats, { sagas: sagas.length, completed: 0, compensated: 0, neverStarted: 0 });
      for (const s of sagas) {
        if (s.status === "completed") {
          completed.add(s.sagaId);
          this.stats.completed++;
        } else if (s.status === "compensated" && (s.error ?? "").startsWith("never started")) {
          // Killed between createSaga and executeSaga: recovery closed it; nothing may have run.
          const entries = await audit.query({ sagaId: s.sagaId });
          if (entries.entries.length > 0)
            problems.push(`saga ${s.sagaId} never started but has audit entries`);
          this.stats.neverStarted++;
        } else if (s.status === "compensated") {
          this.stats.compensated++;
          const why = `${s.failedAction}: ${(s.error ?? "").split(":")[0]}`;
          this.stats.rollbackReasons[why] = (this.stats.rollbackReasons[why] ?? 0) + 1;
        } else {
          problems.push(`saga ${s.sagaId} ended ${s.status}: ${JSON.stringify(s.compensationErrors)}`);
        }
      }
      const pending = await audit.query({ status: "pending", limit: 1000 });
      for (const e of pending.entries)
        problems.push(`audit entry ${e.auditId} (${e.actionName}) is still pending`);

      const expectedEvents = new Map(sagas.map((s) => [eventIdFor(`${s.sagaId}:0`), s]));
      const confirmed = this.calendar.events().filter((e) => e.status === "confirmed");
      for (const ev of confirmed) {
        const saga = expectedEvents.get(ev.id);
        if (!saga || !completed.has(saga.sagaId)) {
          problems.push(
            `calendar event ${ev.id} exists without a completed saga (${saga?.status ?? "no saga"})`,
          );
        }
      }
      const confirmedIds = new Set(confirmed.map((e) => e.id));
      for (const s of sagas) {
        const ticketStep = s.steps.at(-1);
        const ticket = ticketStep
          ? await tickets.getTicket(ticketIdFor(COMPANY, ticketStep.idempotencyKey))
          : null;
        if (completed.has(s.sagaId)) {
          if (!confirmedIds.has(eventIdFor(`${s.sagaId}:0`)))
            problems.push(`completed saga ${s.sagaId} has no event`);
          if (ticket?.status !== "open") problems.push(`completed saga ${s.sagaId} has no open ticket`);
        } else if (ticket?.status === "open") {
          problems.push(`ticket ${ticket.ticket_id} is open for ${s.status} saga ${s.sagaId}`);
        }
      }
      if (this.mailbox)
        problems.push(...this.mailbox.duplicates(), ...this.mailbox.missingConfirmations(sagas));
    } finally {
      await close();
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.calendar.close();
    await this.mailbox?.close();
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `${this.prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== "0");
    this.redis.disconnect();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
