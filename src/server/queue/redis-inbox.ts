import type { Redis } from "ioredis";
import {
  TURN_COMMANDS as CMD,
  ENQUEUE,
  inboxItem,
  POP,
  POSITION,
  splitItem,
  type TurnQueueKeys,
} from "./redis-scripts.js";
import { type IncomingTurn, turnKey } from "./types.js";

interface InboxCommands {
  [CMD.enqueue](...args: (string | number)[]): Promise<number>;
  [CMD.position](...args: (string | number)[]): Promise<[string, string?]>;
  [CMD.pop](...args: (string | number)[]): Promise<[number, (string | null)?]>;
}

/** Where a turn stands in its conversation's inbox. */
export type Position = { at: "head" } | { at: "behind"; head: IncomingTurn } | { at: "gone" };

/**
 * The conversations' inboxes on Redis: which turns are accepted and not finished, in arrival order.
 * A turn runs only at the head of its inbox and leaves it when done, so the inbox, not the job
 * queue, is what orders the turns of one conversation across any number of workers.
 */
export class RedisInboxes {
  private readonly redis: Redis & InboxCommands;

  constructor(
    redis: Redis,
    private readonly keys: TurnQueueKeys,
    private readonly seenTtlSeconds: number,
  ) {
    const r = redis as Redis & Partial<InboxCommands>;
    if (!r[CMD.enqueue]) {
      r.defineCommand(CMD.enqueue, { lua: ENQUEUE });
      r.defineCommand(CMD.position, { numberOfKeys: 1, lua: POSITION });
      r.defineCommand(CMD.pop, { numberOfKeys: 2, lua: POP });
    }
    this.redis = r as Redis & InboxCommands;
  }

  /** Records the turn as seen and appends it to its inbox; false when its message or delivery was seen. */
  async accept(turn: IncomingTurn): Promise<boolean> {
    const k = this.keys;
    const keys = [
      k.seenMessage(turn.companyId, turn.messageId),
      k.inbox(turn.companyId, turn.conversationId),
      k.pending,
    ];
    if (turn.deliveryId) keys.push(k.seenDelivery(turn.companyId, turn.deliveryId));
    const item = inboxItem(turnKey(turn), JSON.stringify(turn));
    const added = await this.redis[CMD.enqueue](
      keys.length,
      ...keys,
      this.seenTtlSeconds,
      item,
      turn.receivedAt,
    );
    return added === 1;
  }

  async position(turn: IncomingTurn): Promise<Position> {
    const [at, head] = await this.redis[CMD.position](
      this.keys.inbox(turn.companyId, turn.conversationId),
      turnKey(turn),
    );
    if (at === "head") return { at: "head" };
    if (at === "behind" && head) return { at: "behind", head: parseItem(head) };
    return { at: "gone" };
  }

  /**
   * Removes the turn from its inbox if it is the head. Returns whether it did, and the turn now at
   * the head (null when the inbox is empty).
   */
  async pop(turn: IncomingTurn): Promise<{ popped: boolean; next: IncomingTurn | null }> {
    const [popped, next] = await this.redis[CMD.pop](
      this.keys.inbox(turn.companyId, turn.conversationId),
      this.keys.pending,
      turnKey(turn),
    );
    return { popped: popped === 1, next: next ? parseItem(next) : null };
  }

  /** Unfinished turns that arrived before `before` (ms), oldest first. */
  async pendingBefore(before: number, limit: number): Promise<IncomingTurn[]> {
    const items = await this.redis.zrangebyscore(this.keys.pending, "-inf", before, "LIMIT", 0, limit);
    return items.map(parseItem);
  }

  /** Arrival time (ms) of the oldest unfinished turn, or null. */
  async oldest(): Promise<number | null> {
    const [, score] = await this.redis.zrange(this.keys.pending, 0, 0, "WITHSCORES");
    return score === undefined ? null : Number(score);
  }
}

function parseItem(item: string): IncomingTurn {
  return JSON.parse(splitItem(item).json) as IncomingTurn;
}
