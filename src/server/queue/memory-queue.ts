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

export interface MemoryTurnQueueOptions {
  /** Runs each turn. May also be given later to `consume`. */
  handler?: TurnHandler;
  /** Attempts per turn, the first included. Default 4. */
  maxAttempts?: number;
  /** Wait before attempt n+1 (ms). Default 1 s, 2 s, 4 s, ... capped at 60 s. */
  backoff?: (attempt: number) => number;
  /** Conversations run at the same time. Default 8. */
  concurrency?: number;
  /** How many message and delivery ids are remembered for deduplication. Default 100 000. */
  rememberIds?: number;
  /** Told when a turn failed for good (its handler threw on the final attempt). */
  onGiveUp?: (turn: IncomingTurn, error: unknown) => void;
}

interface Conversation {
  turns: { turn: IncomingTurn; delayed: boolean }[];
  running: boolean;
}

/**
 * The in-process queue of the embedded default: the same contract as the BullMQ queue (idempotent
 * enqueue, one turn at a time per conversation in arrival order, retries with backoff, a final
 * attempt flag) without Redis. Turns live in memory: a process that dies loses the turns it had not
 * run, which is why production uses the Redis queue.
 */
export class MemoryTurnQueue implements TurnQueue, TurnWorker {
  private readonly conversations = new Map<string, Conversation>();
  private readonly seen = new Set<string>();
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private readonly concurrency: number;
  private readonly rememberIds: number;
  private handler: TurnHandler | undefined;
  private started = false;
  private stopping = false;
  private halted = false;
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: MemoryTurnQueueOptions = {}) {
    this.handler = options.handler;
    this.maxAttempts = positive(options.maxAttempts ?? 4, "maxAttempts");
    this.concurrency = positive(options.concurrency ?? 8, "concurrency");
    this.rememberIds = positive(options.rememberIds ?? 100_000, "rememberIds");
    this.backoff = options.backoff ?? ((n) => backoffMs(n));
  }

  /** Sets the handler (when not given to the constructor). */
  consume(handler: TurnHandler): this {
    this.handler = handler;
    return this;
  }

  async enqueue(turn: IncomingTurn): Promise<EnqueueResult> {
    if (this.stopping) throw new Error("queue: closed, no turn is accepted");
    const key = turnKey(turn);
    const ids = [`m:${turn.companyId}:${turn.messageId}`];
    if (turn.deliveryId) ids.push(`d:${turn.companyId}:${turn.deliveryId}`);
    if (ids.some((id) => this.seen.has(id))) return { outcome: "duplicate", key };
    for (const id of ids) this.remember(id);
    const conv = this.conversation(`${turn.companyId}:${turn.conversationId}`);
    conv.turns.push({ turn, delayed: false });
    if (this.started) void this.drain(`${turn.companyId}:${turn.conversationId}`);
    return { outcome: "queued", key };
  }

  async stats(): Promise<QueueStats> {
    let waiting = 0;
    let delayed = 0;
    let oldest: number | null = null;
    for (const conv of this.conversations.values()) {
      conv.turns.forEach((t, i) => {
        if (t.delayed) delayed++;
        else if (!(i === 0 && conv.running)) waiting++;
        oldest = oldest === null ? t.turn.receivedAt : Math.min(oldest, t.turn.receivedAt);
      });
    }
    return {
      waiting,
      active: this.active,
      delayed,
      oldestAgeMs: oldest === null ? null : Date.now() - oldest,
    };
  }

  async ping(): Promise<void> {}

  async start(): Promise<void> {
    if (!this.handler) throw new Error("queue: no handler; pass `handler` or call consume(handler) first");
    this.started = true;
    for (const id of this.conversations.keys()) void this.drain(id);
  }

  /**
   * Takes no new turns and runs the ones already queued (they live only in this process), up to
   * `timeoutMs` (default 30 s); after that the turns not started are dropped.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    if (!this.started || !this.busy()) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.halted = true;
        done();
      }, options.timeoutMs ?? 30_000);
      this.idle.add(done);
    });
  }

  private busy(): boolean {
    return [...this.conversations.values()].some((c) => c.running || c.turns.length > 0);
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private remember(id: string): void {
    if (this.seen.size >= this.rememberIds) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.add(id);
  }

  private conversation(id: string): Conversation {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { turns: [], running: false };
      this.conversations.set(id, conv);
    }
    return conv;
  }

  /** Runs a conversation's turns one after another until none is left (or the queue stops). */
  private async drain(id: string): Promise<void> {
    const conv = this.conversations.get(id);
    if (!conv || conv.running) return;
    conv.running = true;
    try {
      while (conv.turns.length > 0 && !this.halted) {
        const head = conv.turns[0] as { turn: IncomingTurn; delayed: boolean };
        await this.acquire();
        try {
          await this.runWithRetries(head);
        } finally {
          this.release();
        }
        conv.turns.shift();
      }
    } finally {
      conv.running = false;
      if (conv.turns.length === 0) this.conversations.delete(id);
      if (!this.busy()) for (const done of [...this.idle]) done();
    }
  }

  private async runWithRetries(head: { turn: IncomingTurn; delayed: boolean }): Promise<void> {
    const handler = this.handler as TurnHandler;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const final = attempt === this.maxAttempts;
      try {
        await handler(head.turn, { attempt, maxAttempts: this.maxAttempts, final });
        return;
      } catch (err) {
        if (final || this.halted) {
          this.options.onGiveUp?.(head.turn, err);
          return;
        }
        head.delayed = true;
        await sleep(this.backoff(attempt));
        head.delayed = false;
      }
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.slotWaiters.shift()?.();
  }
}

function positive(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`queue: ${field} must be a positive integer (got ${n})`);
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
