--[[
  Records one auth event of a user and returns what detection needs, in one call.

  KEYS[1] profile   hash: first (ms), logins, d:<device> and c:<country> = "<firstMs>:<lastMs>"
  KEYS[2] sign-ins  zset: score = event time (ms), member = "<eventKey>|<place>" (place "" = not located)
  KEYS[3] failures  zset: score = event time (ms), member = "l:<eventKey>" or "m:<eventKey>"
  KEYS[4] replies   hash: eventKey = this script's reply (JSON) until the pipeline releases it

  ARGV[1] eventKey        ARGV[2] atMs            ARGV[3] outcome: login|success|login_failure|mfa_failure|other
  ARGV[4] place or ""     ARGV[5] device or ""    ARGV[6] country or ""
  ARGV[7] historySize     ARGV[8] historyTtlMs    ARGV[9] retentionMs (profile TTL)
  ARGV[10] maxDevices     ARGV[11] failureWindowMs ARGV[12] maxWindowEntries
  ARGV[13] replyTtlMs

  Returns { seen (0 new, 1 seen and released, 2 seen with its first reply), firstSeenMs (-1 = new user), logins,
            earlierMember | "", earlierMs, laterMember | "", laterMs,
            device "<first>:<last>" | "", country "<first>:<last>" | "",
            knownCountries "CC,CC" (only when the country is new), knownDevices (only when the device is new),
            loginFailures, mfaFailures }
  A redelivered event gets its first reply again, marked 2, while that reply is kept: so a
  batch that died after this call and before its sinks raises the same signals when it is retried.
  Errors: none of its own; Redis errors pass through.
]]
local eventKey, at, outcome = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local place, device, country = ARGV[4], ARGV[5], ARGV[6]
local historySize, historyTtl, retention = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local maxDevices, failureWindow, maxEntries = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

local kept = redis.call('HGET', KEYS[4], eventKey)
if kept then
  local reply = cjson.decode(kept)
  reply[1] = 2
  return reply
end

local function keep(reply)
  redis.call('HSET', KEYS[4], eventKey, cjson.encode(reply))
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[13]))
  return reply
end

local stored = redis.call('HMGET', KEYS[1], 'first', 'logins')
local first = tonumber(stored[1]) or -1
local logins = tonumber(stored[2]) or 0

local function failureCounts()
  local l, m = 0, 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. (at - failureWindow), at)) do
    if string.sub(member, 1, 2) == 'l:' then l = l + 1 else m = m + 1 end
  end
  return l, m
end

if outcome == 'other' then
  return { 0, first, logins, '', 0, '', 0, '', '', '', 0, 0, 0 }
end

if outcome == 'login_failure' or outcome == 'mfa_failure' then
  local member = (outcome == 'login_failure' and 'l:' or 'm:') .. eventKey
  local duplicate = redis.call('ZSCORE', KEYS[3], member) and 1 or 0
  if duplicate == 0 then
    redis.call('ZADD', KEYS[3], at, member)
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', at - 2 * failureWindow)
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(maxEntries + 1))
    redis.call('PEXPIRE', KEYS[3], 2 * failureWindow)
  end
  local l, m = failureCounts()
  if duplicate == 1 then return { duplicate, first, logins, '', 0, '', 0, '', '', '', 0, l, m } end
  return keep({ 0, first, logins, '', 0, '', 0, '', '', '', 0, l, m })
end

-- A successful authentication: it places the user, and may bring a device or country.
local member = eventKey .. '|' .. place
if redis.call('ZSCORE', KEYS[2], member) then
  return { 1, first, logins, '', 0, '', 0, '', '', '', 0, 0, 0 }
end

local function nearestLocated(entries)
  for i = 1, #entries, 2 do
    local candidate = entries[i]
    if string.sub(candidate, -1) ~= '|' then return candidate, tonumber(entries[i + 1]) end
  end
  return '', 0
end

local earlier, earlierAt, later, laterAt = '', 0, '', 0
if place ~= '' then
  earlier, earlierAt = nearestLocated(redis.call('ZREVRANGEBYSCORE', KEYS[2], at, '-inf', 'WITHSCORES', 'LIMIT', 0, historySize))
  later, laterAt = nearestLocated(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. at, '+inf', 'WITHSCORES', 'LIMIT', 0, historySize))
end

-- "<first>:<last>" widened to include `at`: an older event never moves `last` back.
local function widen(seen)
  if not seen then return at .. ':' .. at end
  local f, l = string.match(seen, '^(%d+):(%d+)$')
  return math.min(tonumber(f), at) .. ':' .. math.max(tonumber(l), at)
end

local deviceSeen, countrySeen = '', ''
local knownCountries, knownDevices = '', 0
local all = nil
if device ~= '' then
  deviceSeen = redis.call('HGET', KEYS[1], 'd:' .. device) or ''
  if deviceSeen == '' then all = redis.call('HGETALL', KEYS[1]) end
end
if country ~= '' then
  countrySeen = redis.call('HGET', KEYS[1], 'c:' .. country) or ''
  if countrySeen == '' and not all then all = redis.call('HGETALL', KEYS[1]) end
end
local oldestDevice, oldestLast = nil, nil
if all then
  local countries = {}
  for i = 1, #all, 2 do
    local field = all[i]
    local kind = string.sub(field, 1, 2)
    if kind == 'c:' then
      table.insert(countries, string.sub(field, 3))
    elseif kind == 'd:' then
      knownDevices = knownDevices + 1
      local last = tonumber(string.match(all[i + 1], ':(%d+)$'))
      if not oldestLast or last < oldestLast then oldestDevice, oldestLast = field, last end
    end
  end
  table.sort(countries)
  if countrySeen == '' then knownCountries = table.concat(countries, ',') end
  if deviceSeen ~= '' or device == '' then knownDevices = 0 end
end

redis.call('ZADD', KEYS[2], at, member)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(historySize + 1))
redis.call('PEXPIRE', KEYS[2], historyTtl)

local newFirst = (first == -1 or at < first) and at or first
redis.call('HSET', KEYS[1], 'first', newFirst, 'logins', logins + (outcome == 'login' and 1 or 0))
if device ~= '' then
  redis.call('HSET', KEYS[1], 'd:' .. device, widen(deviceSeen ~= '' and deviceSeen or nil))
  if deviceSeen == '' and knownDevices >= maxDevices and oldestDevice then
    redis.call('HDEL', KEYS[1], oldestDevice)
  end
end
if country ~= '' then
  redis.call('HSET', KEYS[1], 'c:' .. country, widen(countrySeen ~= '' and countrySeen or nil))
end
redis.call('PEXPIRE', KEYS[1], retention)

local l, m = failureCounts()
return keep({ 0, first, logins, earlier, earlierAt, later, laterAt, deviceSeen, countrySeen, knownCountries, knownDevices, l, m })
