import { queueNaming } from "../../redis/keys.js";

/**
 * The turn queue's own keys and Lua scripts, beside BullMQ's. Every key sits under the queue's hash
 * tag (`al:queue:{turns}:...`), so one script may touch any of them and BullMQ's keys share the slot.
 *
 * | key                                    | type       | what                                           |
 * | -------------------------------------- | ---------- | ---------------------------------------------- |
 * | `<q>:seen:m:<companyId>:<messageId>`   | string     | a message already accepted (expires)           |
 * | `<q>:seen:d:<companyId>:<deliveryId>`  | string     | a webhook delivery already accepted (expires)  |
 * | `<q>:inbox:<companyId>:<conversation>` | list       | the conversation's unfinished turns, in order  |
 * | `<q>:pending`                          | sorted set | every unfinished turn, scored by arrival (ms)  |
 *
 * Inbox and pending items are `<turnKey>|<turn JSON>`: the key identifies the turn, the JSON lets any
 * process re-create its job.
 */
export class TurnQueueKeys {
  /** BullMQ's queue name (`{turns}`) and prefix (`al:queue`). */
  readonly name: string;
  readonly prefix: string;
  readonly root: string;

  constructor(queue = "turns", prefix?: string) {
    const naming = queueNaming(queue, prefix);
    this.name = naming.name;
    this.prefix = naming.prefix;
    this.root = `${naming.prefix}:${naming.name}`;
  }

  seenMessage(companyId: string, messageId: number): string {
    return `${this.root}:seen:m:${companyId}:${messageId}`;
  }
  seenDelivery(companyId: string, deliveryId: string): string {
    return `${this.root}:seen:d:${companyId}:${deliveryId}`;
  }
  inbox(companyId: string, conversationId: number): string {
    return `${this.root}:inbox:${companyId}:${conversationId}`;
  }
  get pending(): string {
    return `${this.root}:pending`;
  }
}

/** An inbox item: `<turnKey>|<turn JSON>`. */
export function inboxItem(key: string, turnJson: string): string {
  return `${key}|${turnJson}`;
}

/** The turn key and JSON of an inbox item. */
export function splitItem(item: string): { key: string; json: string } {
  const bar = item.indexOf("|");
  return { key: item.slice(0, bar), json: item.slice(bar + 1) };
}

/** The scripts' command names (versioned: a changed script gets a new name). */
export const TURN_COMMANDS = {
  enqueue: "alTurnEnqueueV1",
  position: "alTurnPositionV1",
  pop: "alTurnPopV1",
} as const;

/**
 * TURN_COMMANDS.enqueue
 * KEYS: 1 seen-message key, 2 inbox, 3 pending, 4 seen-delivery key (optional)
 * ARGV: 1 TTL of the seen keys (s), 2 item, 3 arrival (ms)
 * Returns 1 when accepted, 0 for a message or delivery seen before (then nothing is written).
 */
export const ENQUEUE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if KEYS[4] then redis.call('SET', KEYS[4], '1', 'EX', ARGV[1]) end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return 1
`;

/**
 * TURN_COMMANDS.position
 * KEYS: 1 inbox
 * ARGV: 1 turn key
 * Returns {'head'}, {'behind', head item} or {'gone'} (finished, or never accepted).
 */
export const POSITION = `
local mark = ARGV[1] .. '|'
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i, item in ipairs(items) do
  if string.sub(item, 1, #mark) == mark then
    if i == 1 then return {'head'} end
    return {'behind', items[1]}
  end
end
return {'gone'}
`;

/**
 * TURN_COMMANDS.pop: removes the turn when it is the head of its inbox (compare and pop).
 * KEYS: 1 inbox, 2 pending
 * ARGV: 1 turn key
 * Returns {1, next head item or false} when popped, {0} when the turn was not the head.
 */
export const POP = `
local mark = ARGV[1] .. '|'
local head = redis.call('LINDEX', KEYS[1], 0)
if not head or string.sub(head, 1, #mark) ~= mark then return {0} end
redis.call('LPOP', KEYS[1])
redis.call('ZREM', KEYS[2], head)
return {1, redis.call('LINDEX', KEYS[1], 0)}
`;
