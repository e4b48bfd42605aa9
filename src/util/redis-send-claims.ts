import type { Cluster, Redis } from "ioredis";
import { type SendChannel, sendClaimPrefix } from "../redis/keys.js";
import type { ClaimResult, ReleaseOutcome, SendClaimStore } from "./send-claims.js";

/**
 * The scripts' command names on the ioredis connection. The version is part of the name: change a
 * script, bump its version (tests/unit/redis-commands.test.ts pins each script to its name), so two
 * deployed versions of this code sharing a connection never run each other's script under one name.
 */
const CMD = {
  claim: "alSendClaimV1",
  complete: "alSendCompleteV1",
  release: "alSendReleaseV1",
} as const;
interface SendClaimCommands {
  [CMD.claim](...args: (string | number)[]): Promise<[string, string]>;
  [CMD.complete](...args: (string | number)[]): Promise<number>;
  [CMD.release](...args: (string | number)[]): Promise<number>;
}

// Each operation is one Lua script on one key (a claim also reads its former name, in the same
// hash slot), so it is atomic across processes. Time is the Redis
// server's (TIME), so the clocks of the sending hosts do not matter. The in-flight marker is kept for
// the retention, not just the lease, so a claim left by a dead process is still seen (and the send
// reconciled) when the key is tried again, however late.
//
// CLAIM
// KEYS: 1 the key; 2 (optional) the same key under a former name, read while the current one is
//       unset (never written: what it holds expires with its own TTL)
// ARGV: 1 owner, 2 lease ms, 3 retention ms
// Returns: {'claimed', '0' | '1' (took over a dead owner's claim)} | {'done', result} | {'busy', owner}
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v and KEYS[2] then v = redis.call('GET', KEYS[2]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local marker = 'claim:' .. string.format('%d', now + tonumber(ARGV[2])) .. ':' .. ARGV[1]
if not v then
  redis.call('SET', KEYS[1], marker, 'PX', ARGV[3])
  return {'claimed', '0'}
end
local lease_end, owner = string.match(v, '^claim:(%d+):(.*)$')
if not lease_end then return {'done', v} end
if owner == ARGV[1] then
  redis.call('SET', KEYS[1], marker, 'PX', ARGV[3])
  return {'claimed', '0'}
end
if tonumber(lease_end) > now then return {'busy', owner} end
redis.call('SET', KEYS[1], marker, 'PX', ARGV[3])
return {'claimed', '1'}
`;

// COMPLETE: KEYS 1 the key; ARGV 1 owner, 2 result, 3 retention ms. Returns 1, or 0 when another owns it.
const COMPLETE = `
local v = redis.call('GET', KEYS[1])
if v then
  local lease_end, owner = string.match(v, '^claim:(%d+):(.*)$')
  if owner ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 1 end
return 0
`;

// RELEASE: KEYS 1 the key; ARGV 1 owner, 2 'unsent' | 'unknown'. Returns 1, or 0 when another owns it.
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local lease_end, owner = string.match(v, '^claim:(%d+):(.*)$')
if owner ~= ARGV[1] then return 0 end
if ARGV[2] == 'unsent' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], 'claim:0:' .. owner, 'KEEPTTL')
end
return 1
`;

export interface RedisSendClaimsOptions {
  redis: Redis | Cluster;
  /** The store's key prefix (see src/redis/keys.ts). */
  prefix: string;
  companyId: string;
  channel: SendChannel;
  /** A prefix the channel's keys were written under before: read while the current key is unset. */
  legacyPrefix?: string;
  /** How long a result (and an in-flight marker) is kept, in ms. */
  ttlMs: number;
}

/** Send claims in Redis: one string key per idempotency key, holding a marker or the result. */
export class RedisSendClaims implements SendClaimStore {
  private readonly redis: (Redis | Cluster) & SendClaimCommands;
  private readonly base: string;
  private readonly legacyBase: string | null;

  constructor(private readonly options: RedisSendClaimsOptions) {
    this.base = sendClaimPrefix(options.prefix, options.companyId, options.channel);
    this.legacyBase =
      options.legacyPrefix === undefined
        ? null
        : sendClaimPrefix(options.legacyPrefix, options.companyId, options.channel);
    const redis = options.redis as (Redis | Cluster) & Partial<SendClaimCommands>;
    if (!redis[CMD.claim]) {
      redis.defineCommand(CMD.claim, { lua: CLAIM });
      redis.defineCommand(CMD.complete, { numberOfKeys: 1, lua: COMPLETE });
      redis.defineCommand(CMD.release, { numberOfKeys: 1, lua: RELEASE });
    }
    this.redis = redis as (Redis | Cluster) & SendClaimCommands;
  }

  /** The Redis key of an idempotency key. */
  keyFor(key: string): string {
    return `${this.base}${key}`;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const keys =
      this.legacyBase === null ? [this.keyFor(key)] : [this.keyFor(key), `${this.legacyBase}${key}`];
    const [status, detail] = await this.redis[CMD.claim](
      keys.length,
      ...keys,
      owner,
      String(Math.max(1, Math.round(leaseMs))),
      String(this.#ttl()),
    );
    if (status === "done") return { status, result: detail };
    if (status === "busy") return { status, owner: detail };
    return { status: "claimed", takeover: detail === "1" };
  }

  async complete(key: string, owner: string, result: string, ttlMs?: number): Promise<boolean> {
    const ttl = String(this.#ttl(ttlMs));
    return (await this.redis[CMD.complete](this.keyFor(key), owner, result, ttl)) === 1;
  }

  async release(key: string, owner: string, outcome: ReleaseOutcome = "unsent"): Promise<boolean> {
    return (await this.redis[CMD.release](this.keyFor(key), owner, outcome)) === 1;
  }

  #ttl(ttlMs = this.options.ttlMs): number {
    return Math.max(1, Math.round(ttlMs));
  }
}
