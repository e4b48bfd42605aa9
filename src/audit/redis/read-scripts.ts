/**
 * Read-only Lua scripts used by verify: one round trip for a page of entries instead of one command
 * per entry. Every key is passed in KEYS; a page's keys all share the tenant's hash tag (one slot).
 */

/**
 * auditEntries: the fields of many entries.
 * KEYS: entry hashes. Returns a flat array, five values per key in ENTRY_FIELDS order (base, status,
 * outcome, comp, updatedAt); a missing field is nil.
 */
export const ENTRIES = `
local out = {}
for i = 1, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'base', 'status', 'outcome', 'comp', 'updatedAt')
  for j = 1, 5 do out[#out + 1] = h[j] end
end
return out
`;

/**
 * auditStatuses: the status of many entries, without their fields.
 * KEYS: entry hashes. Returns one value per key: the status, or nil when the hash is gone or has an
 * empty or no base (not an entry the store wrote).
 */
export const STATUSES = `
local out = {}
for i = 1, #KEYS do
  local s = false
  if redis.call('HSTRLEN', KEYS[i], 'base') > 0 then s = redis.call('HGET', KEYS[i], 'status') end
  out[i] = s
end
return out
`;
