import { DelayedError, type Job, type JobsOptions, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../../util/logger.js";
import { RedisInboxes } from "./redis-inbox.js";
import { TurnQueueKeys } from "./redis-scripts.js";
import {
  backoffMs,
  type EnqueueResult,
  type IncomingTurn,
  type QueueStats,
  type TurnHandler,
  type TurnQueue,
  type TurnWorker,
  turnKey,
} from "./types.js";

export interface RedisTurnQueueOptions {
  /** `redis://[:password@]host:port[/db]`: the queue opens its own connections. */
  redisUrl: string;
  /** The project's key prefix (default `al`): keys go under `<prefix>:queue:{turns}:`. */
  prefix?: string;
  /** BullMQ queue name. Default `turns`. */
  queueName?: string;
  /** Runs each turn. May also be given later to `consume`. */
  handler?: TurnHandler;
  /** Attempts per turn, the first included. Default 4. */
  maxAttempts?: number;
  /** Wait before attempt n+1 (ms). Default 1 s, 2 s, 4 s, ... capped at 60 s. */
  backoff?: (attempt: number) => number;
  /** Turns (of different conversations) one worker process runs at the same time. Default 8. */
  concurrency?: number;
  /** How long a worker's hold on a turn lasts without renewal (a killed worker's turns come back after it). Default 30 s. */
  lockDurationMs?: number;
  /** How often workers look for turns of dead workers. Default 30 s. */
  stalledIntervalMs?: number;
  /** How many times a turn may come back from a dead worker before it fails. Default 1000. */
  maxStalledCount?: number;
  /** How long message and delivery ids are remembered for deduplication. Default 7 days. */
  seenTtlDays?: number;
  /** How long a turn waits before looking again when an earlier message of its conversation is unfinished: [min, max] ms. Default [100, 300]. */
  waitMs?: [number, number];
  /** How often a worker re-creates the jobs of accepted turns that lost theirs (ms). Default 30 s. */
  repairIntervalMs?: number;
  /** Told when a turn failed for good (its handler threw on the final attempt). */
  onGiveUp?: (turn: IncomingTurn, error: unknown) => void;
  logger?: Logger;
}

const DAY_S = 86_400;

/**
 * The production turn queue: BullMQ on Redis, any number of worker processes on any number of
 * machines. The contract of `TurnQueue` holds across all of them:
 *
 * - `enqueue` records the message and delivery ids (they expire after `seenTtlDays`) and appends the
 *   turn to its conversation's inbox in one Lua script, then adds the job (job id = the turn key).
 *   The job is added on a duplicate too, so a crash between the two steps strands nothing.
 * - A job runs its turn only when the turn is the head of its conversation's inbox; otherwise it goes
 *   back to the delayed set for a moment (no attempt used) after making sure the head's job exists.
 *   A finished turn leaves the inbox (compare and pop) and wakes the next one.
 * - Failures are retried with exponential backoff; a worker that dies mid-turn leaves a lock that
 *   expires, and the turn runs again on another worker (its side effects are idempotent).
 *
 * @example
 * const queue = new RedisTurnQueue({ redisUrl: "redis://127.0.0.1:6379", handler });
 * await queue.start();
 * await queue.enqueue(turn);
 * await queue.stop();
 * await queue.close();
 */
export class RedisTurnQueue implements TurnQueue, TurnWorker {
  readonly keys: TurnQueueKeys;
  private readonly client: Redis;
  private readonly queue: Queue<IncomingTurn>;
  private readonly inboxes: RedisInboxes;
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private handler: TurnHandler | undefined;
  private worker: Worker<IncomingTurn> | null = null;
  private workerConnection: Redis | null = null;
  private repairTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: RedisTurnQueueOptions) {
    if (typeof options?.redisUrl !== "string" || !/^rediss?:\/\//.test(options.redisUrl)) {
      throw new Error("queue: redisUrl must be a redis:// or rediss:// URL (REDIS_URL)");
    }
    this.maxAttempts = positive(options.maxAttempts ?? 4, "maxAttempts");
    positive(options.concurrency ?? 8, "concurrency");
    positive(options.lockDurationMs ?? 30_000, "lockDurationMs");
    positive(options.stalledIntervalMs ?? 30_000, "stalledIntervalMs");
    positive(options.maxStalledCount ?? 1000, "maxStalledCount");
    const ttlDays = options.seenTtlDays ?? 7;
    if (!(ttlDays > 0)) throw new Error(`queue: seenTtlDays must be a positive number (got ${ttlDays})`);
    this.backoff = options.backoff ?? ((n) => backoffMs(n));
    this.handler = options.handler;
    this.keys = new TurnQueueKeys(options.queueName ?? "turns", options.prefix);
    this.client = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.client.on("error", (err) => this.options.logger?.warn("queue: redis error", { error: err.message }));
    this.queue = new Queue<IncomingTurn>(this.keys.name, {
      connection: this.client,
      prefix: this.keys.prefix,
    });
    this.queue.on("error", () => undefined);
    this.inboxes = new RedisInboxes(this.client, this.keys, Math.ceil(ttlDays * DAY_S));
  }

  /** Sets the handler (when not given to the constructor). */
  consume(handler: TurnHandler): this {
    this.handler = handler;
    return this;
  }

  async enqueue(turn: IncomingTurn): Promise<EnqueueResult> {
    if (this.closed) throw new Error("queue: closed, no turn is accepted");
    const key = turnKey(turn);
    const accepted = await this.inboxes.accept(turn);
    // Always: a crash between the script and this add must not strand the turn, and re-adding a
    // finished turn is harmless (its job finds it gone from the inbox and completes).
    await this.addJob(turn);
    return { outcome: accepted ? "queued" : "duplicate", key };
  }

  async stats(): Promise<QueueStats> {
    const counts = await this.queue.getJobCounts("waiting", "prioritized", "active", "delayed");
    const oldest = await this.inboxes.oldest();
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      oldestAgeMs: oldest === null ? null : Math.max(0, Date.now() - oldest),
    };
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async start(): Promise<void> {
    if (!this.handler) throw new Error("queue: no handler; pass `handler` or call consume(handler) first");
    if (this.worker) return;
    const o = this.options;
    this.workerConnection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection.on("error", () => undefined);
    this.worker = new Worker<IncomingTurn>(this.keys.name, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      prefix: this.keys.prefix,
      concurrency: o.concurrency ?? 8,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 30_000,
      maxStalledCount: o.maxStalledCount ?? 1000,
      settings: { backoffStrategy: (attemptsMade: number) => this.backoff(attemptsMade) },
    });
    this.worker.on("error", (err) => o.logger?.warn("queue: worker error", { error: err.message }));
    this.worker.on("failed", (job, err) => {
      if (job && job.attemptsMade >= this.maxAttempts) {
        o.logger?.error("queue: turn failed for good", { key: job.id, error: err.message });
      }
    });
    await this.worker.waitUntilReady();
    await this.repair().catch((err: Error) => o.logger?.warn("queue: repair failed", { error: err.message }));
    this.repairTimer = setInterval(() => {
      this.repair().catch((err: Error) => o.logger?.warn("queue: repair failed", { error: err.message }));
    }, o.repairIntervalMs ?? 30_000);
    this.repairTimer.unref();
  }

  /**
   * Stops taking turns; turns being run finish, up to `timeoutMs` (default 30 s). After that the
   * worker lets go of them and they come back to the queue for another worker once their locks expire.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.repairTimer) clearInterval(this.repairTimer);
    this.repairTimer = null;
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.timeoutMs ?? 30_000);
    });
    const outcome = await Promise.race([worker.close(), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") await worker.close(true);
    this.workerConnection?.disconnect();
    this.workerConnection = null;
  }

  /** Stops the worker (if started) and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    await this.queue.close();
    this.client.disconnect();
  }

  /**
   * Re-creates the job of every turn accepted more than `graceMs` ago whose job is missing, or ended
   * while the turn is still unfinished (e.g. a process died between accepting a turn and adding its job).
   */
  async repair(graceMs = 10_000): Promise<number> {
    const turns = await this.inboxes.pendingBefore(Date.now() - graceMs, 1000);
    let repaired = 0;
    for (const turn of turns) if (await this.ensureJob(turn)) repaired++;
    return repaired;
  }

  private async process(job: Job<IncomingTurn>, token: string | undefined): Promise<void> {
    const turn = job.data;
    const position = await this.inboxes.position(turn);
    if (position.at === "gone") return; // finished earlier: a redelivered or re-added job
    if (position.at === "behind") {
      await this.ensureJob(position.head);
      const [min, max] = this.options.waitMs ?? [100, 300];
      await job.moveToDelayed(Date.now() + min + Math.random() * Math.max(0, max - min), token);
      throw new DelayedError();
    }
    const attempt = job.attemptsMade + 1;
    const final = attempt >= this.maxAttempts;
    try {
      await (this.handler as TurnHandler)(turn, { attempt, maxAttempts: this.maxAttempts, final });
    } catch (err) {
      if (!final) throw err;
      // Failed for good: the conversation's next turns must not wait for it.
      await this.finish(turn);
      this.options.onGiveUp?.(turn, err);
      throw err;
    }
    await this.finish(turn);
  }

  /** Takes the turn out of its inbox and wakes the next turn of the conversation. */
  private async finish(turn: IncomingTurn): Promise<void> {
    const { next } = await this.inboxes.pop(turn);
    if (!next) return;
    const job = await this.queue.getJob(turnKey(next));
    if (!job) {
      await this.addJob(next);
      return;
    }
    if (await job.isDelayed()) await job.promote().catch(() => undefined);
  }

  /** Makes sure the turn has a job that will run; true when one was (re-)created. */
  private async ensureJob(turn: IncomingTurn): Promise<boolean> {
    const key = turnKey(turn);
    const state = await this.queue.getJobState(key);
    if (state === "completed" || state === "failed") await this.queue.remove(key);
    else if (state !== "unknown") return false;
    await this.addJob(turn);
    return true;
  }

  private async addJob(turn: IncomingTurn): Promise<void> {
    const opts: JobsOptions = {
      jobId: turnKey(turn),
      attempts: this.maxAttempts,
      backoff: { type: "turn" },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * DAY_S },
    };
    await this.queue.add("turn", turn, opts);
  }
}

function positive(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`queue: ${field} must be a positive integer (got ${n})`);
  return n;
}
