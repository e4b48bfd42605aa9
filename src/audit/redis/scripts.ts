/**
 * The audit trail's Lua scripts. Each is registered once with `defineCommand` and runs as one atomic
 * round trip. Every key a script touches is passed in KEYS (all under the tenant's hash tag), except
 * the entry hashes read by `auditQuery`, which share that hash tag through ARGV[1].
 */

/**
 * Shared helpers.
 * append_chain: one chain record. The head key holds "<seq>:<chain hash>", so the sequence number
 * and the hash it continues from are one read and one write. Trimming by score is done on a sample
 * of writes (`trim`): readers already ignore anything older than the retention cutoff, so trimming
 * only bounds memory.
 * extend: makes an index key live at least until `at` (an hour bucket computed by the client).
 * Clients skip it for keys they already extended in the same bucket, so most writes do no expiry
 * call at all; GT never shortens a key another process extended further.
 */
const HELPERS = `
local function append_chain(headKey, chainKey, cutoff, id, op, digest, at, sig, trim)
  local head = redis.call('GET', headKey)
  local seq, prev = 1, ''
  if head then
    local sep = string.find(head, ':', 1, true)
    seq = tonumber(string.sub(head, 1, sep - 1)) + 1
    prev = string.sub(head, sep + 1)
  end
  local chain = redis.sha1hex(prev .. '|' .. sig)
  redis.call('SET', headKey, seq .. ':' .. chain)
  if trim then
    redis.call('XADD', chainKey, 'MINID', '~', cutoff, '*',
      'seq', seq, 'id', id, 'op', op, 'digest', digest, 'at', at, 'sig', sig, 'prev', prev, 'chain', chain)
  else
    redis.call('XADD', chainKey, '*',
      'seq', seq, 'id', id, 'op', op, 'digest', digest, 'at', at, 'sig', sig, 'prev', prev, 'chain', chain)
  end
  return seq
end
local function extend(key, at)
  if redis.call('PEXPIREAT', key, at, 'GT') == 0 and redis.call('PTTL', key) == -1 then
    redis.call('PEXPIREAT', key, at)
  end
end
`;

/**
 * auditCreate
 * KEYS: 1 entry, 2 chain stream, 3 chain head, 4 idempotency key (or the head key when none),
 *       5.. index sorted sets (all, user, type, status pending, conversation, saga, tags)
 * ARGV: 1 auditId, 2 score (created ms), 3 expireAt ms, 4 cutoff ms, 5 base JSON, 6 updatedAt,
 *       7 sig, 8 digest, 9 at, 10 has idempotency key ('1'|'0'), 11 trim indexes this time ('1'|'0'),
 *       12 index expiry bucket ms, 13 per index key: '1' to extend its expiry, '0' to skip,
 *       14 lease owner, 15 lease end ms (the pending entry's lease rides in the same round trip)
 * Returns: the chain seq, or the error EXISTS when the id is taken.
 */
export const CREATE = `${HELPERS}
if redis.call('HSETNX', KEYS[1], 'base', ARGV[5]) == 0 then return redis.error_reply('EXISTS audit id already used') end
redis.call('HSET', KEYS[1], 'status', 'pending', 'updatedAt', ARGV[6], 'owner', ARGV[14], 'leaseUntil', ARGV[15])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
local trim = ARGV[11] == '1'
for i = 5, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1])
  if string.byte(ARGV[13], i - 4) == 49 then extend(KEYS[i], ARGV[12]) end
  if trim then redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[4]) end
end
if ARGV[10] == '1' then redis.call('SET', KEYS[4], ARGV[1], 'PXAT', ARGV[3]) end
return append_chain(KEYS[3], KEYS[2], ARGV[4], ARGV[1], 'create', ARGV[8], ARGV[9], ARGV[7], trim)
`;

/**
 * auditTransition
 * KEYS: 1 entry, 2 chain stream, 3 chain head, 4 index of the old status, 5 index of the new status
 * ARGV: 1 auditId, 2 expected status, 3 new status, 4 field name, 5 field JSON, 6 updatedAt,
 *       7 score, 8 index expiry bucket ms ('' to skip the expiry call), 9 cutoff ms, 10 sig,
 *       11 digest, 12 at, 13 op, 14 trim ('1'|'0')
 * Returns: {1, seq} on success, {0, current status or ''} when refused (nothing changed).
 * Leaving `pending` drops the lease fields: a finished entry has no owner.
 */
export const TRANSITION = `${HELPERS}
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {0, ''} end
if cur ~= ARGV[2] then return {0, cur} end
local trim = ARGV[14] == '1'
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5], 'status', ARGV[3], 'updatedAt', ARGV[6])
if ARGV[2] == 'pending' then redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil') end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1])
if ARGV[8] ~= '' then extend(KEYS[5], ARGV[8]) end
if trim then redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[9]) end
local seq = append_chain(KEYS[3], KEYS[2], ARGV[9], ARGV[1], ARGV[13], ARGV[11], ARGV[12], ARGV[10], trim)
return {1, seq}
`;

/**
 * auditQuery: newest-first page of one index, other filters checked on each candidate.
 * KEYS: 1 index sorted set
 * ARGV: 1 entry key prefix, 2 max score, 3 min score, 4 limit, 5 cursor score ('' = none),
 *       6 cursor id, 7 filters JSON ({} = none), 8 scan budget (candidates examined at most)
 * Returns: {entries, next score, next id}; next is '' when done. `entries` is one string: entries
 * joined by \x1e, each "id \x1f score \x1f base \x1f status \x1f outcome \x1f comp \x1f updatedAt \x1f owner
 * \x1f leaseUntil"
 * (missing fields empty). Stored values are JSON or plain ids and dates, which never hold either byte.
 */
export const QUERY = `
local limit = tonumber(ARGV[4])
local budget = tonumber(ARGV[8])
local filters = cjson.decode(ARGV[7])
local hasFilters = next(filters) ~= nil
local cscore = ARGV[5]
local cid = ARGV[6]
local maxs = ARGV[2]
if cscore ~= '' then maxs = cscore end
local out = {}
local found = 0
local offset = 0
local examined = 0
local lastScore, lastId = '', ''
local batch = limit + 1
if hasFilters then batch = 200 end
while true do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], maxs, ARGV[3], 'WITHSCORES', 'LIMIT', offset, batch)
  if #ids == 0 then return {table.concat(out, '\\30'), '', ''} end
  for i = 1, #ids, 2 do
    local id, score = ids[i], ids[i + 1]
    if not (cscore ~= '' and score == cscore and id >= cid) then
      examined = examined + 1
      local h = redis.call('HMGET', ARGV[1] .. id, 'base', 'status', 'outcome', 'comp', 'updatedAt', 'owner', 'leaseUntil')
      local keep = h[1] ~= false
      if keep and hasFilters then
        if filters.status and h[2] ~= filters.status then keep = false end
        if keep then
          local base = cjson.decode(h[1])
          if filters.userId and base.userId ~= filters.userId then keep = false
          elseif filters.actionType and base.actionType ~= filters.actionType then keep = false
          elseif filters.conversationId and base.conversationId ~= filters.conversationId then keep = false
          elseif filters.sagaId and base.sagaId ~= filters.sagaId then keep = false
          elseif filters.tag then
            local has = false
            for _, t in ipairs(base.tags) do if t == filters.tag then has = true end end
            keep = has
          end
        end
      end
      if keep then
        if found == limit then return {table.concat(out, '\\30'), lastScore, lastId} end
        found = found + 1
        -- One flat string per page: fields joined by byte 31, entries by byte 30 (JSON escapes both), so the
        -- reply is a single bulk string instead of hundreds of nested ones.
        out[#out + 1] = id .. '\\31' .. score .. '\\31' .. h[1] .. '\\31' .. (h[2] or '') .. '\\31' .. (h[3] or '') .. '\\31' .. (h[4] or '') .. '\\31' .. (h[5] or '') .. '\\31' .. (h[6] or '') .. '\\31' .. (h[7] or '')
        lastScore, lastId = score, id
      end
      if examined >= budget then
        if found == 0 then return {table.concat(out, '\\30'), score, id} end
        return {table.concat(out, '\\30'), lastScore, lastId}
      end
    end
  end
  if #ids < batch * 2 then return {table.concat(out, '\\30'), '', ''} end
  offset = offset + batch
end
`;

/**
 * auditLease: renews or claims the lease of a pending entry (no chain record: a lease is who works on
 * an entry, not what happened to it).
 * KEYS: 1 entry
 * ARGV: 1 mode ('renew': only while ARGV[2] holds it; 'claim': only once the lease ended before
 *       ARGV[4]), 2 owner, 3 new lease end ms, 4 now ms
 * Returns: {1} when taken; {0, status or '', owner or '', lease end or ''} when refused.
 */
export const LEASE = `
local h = redis.call('HMGET', KEYS[1], 'status', 'owner', 'leaseUntil')
if not h[1] then return {0, '', '', ''} end
local owner, untilMs = h[2] or '', h[3] or ''
if h[1] ~= 'pending' then return {0, h[1], owner, untilMs} end
if ARGV[1] == 'renew' then
  if owner ~= ARGV[2] then return {0, h[1], owner, untilMs} end
elseif (tonumber(untilMs) or 0) >= tonumber(ARGV[4]) then
  return {0, h[1], owner, untilMs}
end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'leaseUntil', ARGV[3])
return {1}
`;

/**
 * auditSeal: append a seal if prevSig still names the newest one (compare-and-set).
 * KEYS: 1 seals stream
 * ARGV: 1 seq, 2 chain, 3 at, 4 prevSig, 5 sig, 6 cutoff ms
 * Returns 1 when appended, 0 when another seal came first.
 */
export const SEAL = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local lastSig = ''
if #last > 0 then
  local f = last[1][2]
  for i = 1, #f, 2 do if f[i] == 'sig' then lastSig = f[i + 1] end end
end
if lastSig ~= ARGV[4] then return 0 end
redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[6], '*', 'seq', ARGV[1], 'chain', ARGV[2], 'at', ARGV[3], 'prevSig', ARGV[4], 'sig', ARGV[5])
return 1
`;
