import type { Cluster, Redis } from "ioredis";
import type { ClaimResult, ReleaseOutcome, SendClaimStore } from "./send-claims.js";

// Each operation is one Lua script on one key, so it is atomic across processes. Time is the Redis
// server's (TIME), so the clocks of the sending hosts do not matter. The in-flight marker is kept for
// the retention, not just the lease, so a claim left by a dead process is still seen (and the send
// reconciled) when the key is tried again, however late.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
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
  /** Prepended to every key, e.g. `agent-ledger:{benova}:email:sent:`. */
  keyPrefix: string;
  /** How long a result (and an in-flight marker) is kept, in ms. */
  ttlMs: number;
}

/** Send claims in Redis: one string key per idempotency key, holding a marker or the result. */
export class RedisSendClaims implements SendClaimStore {
  constructor(private readonly options: RedisSendClaimsOptions) {}

  /** The Redis key of an idempotency key. */
  keyFor(key: string): string {
    return `${this.options.keyPrefix}${key}`;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const [status, detail] = (await this.options.redis.eval(
      CLAIM,
      1,
      this.keyFor(key),
      owner,
      String(Math.max(1, Math.round(leaseMs))),
      String(this.#ttl()),
    )) as [string, string];
    if (status === "done") return { status, result: detail };
    if (status === "busy") return { status, owner: detail };
    return { status: "claimed", takeover: detail === "1" };
  }

  async complete(key: string, owner: string, result: string, ttlMs?: number): Promise<boolean> {
    const ttl = String(this.#ttl(ttlMs));
    return (await this.options.redis.eval(COMPLETE, 1, this.keyFor(key), owner, result, ttl)) === 1;
  }

  async release(key: string, owner: string, outcome: ReleaseOutcome = "unsent"): Promise<boolean> {
    return (await this.options.redis.eval(RELEASE, 1, this.keyFor(key), owner, outcome)) === 1;
  }

  #ttl(ttlMs = this.options.ttlMs): number {
    return Math.max(1, Math.round(ttlMs));
  }
}
