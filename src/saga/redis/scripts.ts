/**
 * The saga store's Lua scripts. Each is registered once with `defineCommand` and runs as one atomic
 * round trip; every key it touches is passed in KEYS (all under the tenant's hash tag). Lease times
 * come from the Redis server's clock (`TIME`), so processes with skewed clocks agree on expiry.
 */

/**
 * The scripts' command names on the ioredis connection. The version is part of the name: change a
 * script, bump its version (tests/unit/redis-commands.test.ts pins each script to its name), so two
 * deployed versions of this code sharing a connection never run each other's script under one name.
 */
export const SAGA_COMMANDS = {
  create: "alSagaCreateV1",
  claim: "alSagaClaimV1",
  renew: "alSagaRenewV1",
  save: "alSagaSaveV1",
  expired: "alSagaExpiredV1",
} as const;

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Keeps an index key alive at least as long as the newest record it lists. */
const TOUCH_INDEX = `
local function touch_index(key, expireAt)
  redis.call('PEXPIREAT', key, expireAt, 'GT')
  if redis.call('PTTL', key) == -1 then redis.call('PEXPIREAT', key, expireAt) end
end
`;

/**
 * SAGA_COMMANDS.create
 * KEYS: 1 record hash, 2 index of all sagas, 3 index of the status
 * ARGV: 1 sagaId, 2 record JSON, 3 status, 4 expireAt ms, 5 cutoff id prefix (older ids are trimmed)
 * Returns: 1, or 0 when the id is taken.
 */
export const CREATE = `${TOUCH_INDEX}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'status', ARGV[3], 'owner', '', 'lease', '0', 'version', '1')
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], 0, ARGV[1])
  redis.call('ZREMRANGEBYLEX', KEYS[i], '-', '(' .. ARGV[5])
  touch_index(KEYS[i], ARGV[4])
end
return 1
`;

/**
 * SAGA_COMMANDS.claim
 * KEYS: 1 record hash, 2 lease index
 * ARGV: 1 sagaId, 2 owner, 3 lease ms, 4 allowed statuses joined by ','
 * Returns: {1, data, version, leaseUntil} when taken; {0, 'not_found'}; {0, 'status', status};
 *          {0, 'leased', owner, leaseUntil}.
 */
export const CLAIM = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'status', 'owner', 'lease', 'data')
if not h[1] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {0, 'not_found'}
end
if not string.find(',' .. ARGV[4] .. ',', ',' .. h[1] .. ',', 1, true) then return {0, 'status', h[1]} end
local lease = tonumber(h[3] or '0') or 0
if h[2] and h[2] ~= '' and lease > now then return {0, 'leased', h[2], lease} end
local untilMs = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'lease', untilMs)
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('ZADD', KEYS[2], untilMs, ARGV[1])
return {1, h[4], v, untilMs}
`;

/**
 * SAGA_COMMANDS.renew
 * KEYS: 1 record hash, 2 lease index
 * ARGV: 1 sagaId, 2 owner, 3 lease ms
 * Returns: the new lease expiry, or 0 when the owner no longer holds the saga.
 */
export const RENEW = `${NOW}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
local untilMs = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'lease', untilMs)
redis.call('ZADD', KEYS[2], untilMs, ARGV[1])
return untilMs
`;

/**
 * SAGA_COMMANDS.save (compare-and-set on the owner)
 * KEYS: 1 record hash, 2 lease index, 3.. one index per saga status
 * ARGV: 1 sagaId, 2 expected owner ('' = nobody), 3 record JSON, 4 new status, 5 release ('1'|'0'),
 *       6 position in KEYS of the new status's index
 * Returns: {1, version} when written; {0, current owner} when refused (nothing changed).
 */
export const SAVE = `
local h = redis.call('HMGET', KEYS[1], 'status', 'owner')
if not h[1] then return {0, ''} end
local owner = h[2] or ''
if owner ~= ARGV[2] then return {0, owner} end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'status', ARGV[4])
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'owner', '', 'lease', '0')
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if h[1] ~= ARGV[4] then
  local target = tonumber(ARGV[6])
  for i = 3, #KEYS do
    if i == target then
      redis.call('ZADD', KEYS[i], 0, ARGV[1])
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl, 'GT') end
      if redis.call('PTTL', KEYS[i]) == -1 and ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
    else
      redis.call('ZREM', KEYS[i], ARGV[1])
    end
  end
end
return {1, v}
`;

/**
 * SAGA_COMMANDS.expired
 * KEYS: 1 lease index
 * ARGV: 1 limit
 * Returns: ids whose lease expired, oldest first.
 */
export const EXPIRED = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
`;
