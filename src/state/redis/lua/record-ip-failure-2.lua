--[[
  Records that a sign-in from an address (or an IPv6 /64) failed for a user: the distinct users
  behind one address in a window reveal password spraying. The same logic as src/state/ip-failures.ts.

  KEYS[1] users    zset: member = "<bucket>|<user>", score = bucket (event time / window * 20)
  KEYS[2] replies  hash: "<user>|<eventKey>" = this script's reply (JSON) until the pipeline releases it

  ARGV[1] user   ARGV[2] bucket (integer)   ARGV[3] buckets per window (integer)
  ARGV[4] sampleUsers   ARGV[5] maxEntries   ARGV[6] eventKey   ARGV[7] replyTtlMs   ARGV[8] keyTtlMs

  Returns { usersBefore, users, sampleUser1, sampleUser2, … }: users is the most distinct users in a
  window holding this failure, newest first in the sample; usersBefore the most in any window near it
  before it came. Nothing is trimmed by event time, only by count (the newest buckets stay), so a
  partition far behind the others still counts what they wrote about its past.
  Errors: none of its own; Redis errors pass through.
]]
local user, bucket, k = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local replyField = user .. '|' .. ARGV[6]

local kept = redis.call('HGET', KEYS[2], replyField)
if kept then return cjson.decode(kept) end

local entries = {}
local raw = redis.call('ZRANGEBYSCORE', KEYS[1], bucket - 2 * k + 2, bucket + 2 * k - 2)
for _, member in ipairs(raw) do
  local sep = string.find(member, '|', 1, true)
  table.insert(entries, { tonumber(string.sub(member, 1, sep - 1)), string.sub(member, sep + 1) })
end

-- As ipWindowPeaks: the busiest window holding the bucket, and the busiest window near it.
local function peaks()
  local holding, holdingCount, nearby = {}, 0, 0
  for start = bucket - 2 * k + 2, bucket + k - 1 do
    local latest, count = {}, 0
    for _, entry in ipairs(entries) do
      if entry[1] >= start and entry[1] < start + k then
        if not latest[entry[2]] then count = count + 1 end
        if not latest[entry[2]] or latest[entry[2]] < entry[1] then latest[entry[2]] = entry[1] end
      end
    end
    if count > nearby then nearby = count end
    if start <= bucket and bucket < start + k and count > holdingCount then
      holding, holdingCount = latest, count
    end
  end
  return holding, holdingCount, nearby
end

local _, _, before = peaks()
local member = bucket .. '|' .. user
if not redis.call('ZSCORE', KEYS[1], member) then
  redis.call('ZADD', KEYS[1], bucket, member)
  table.insert(entries, { bucket, user })
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[8])

local holding, users = peaks()
local sample = {}
for name, at in pairs(holding) do table.insert(sample, { name, at }) end
table.sort(sample, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end)
local reply = { before, users }
for i = 1, math.min(#sample, tonumber(ARGV[4])) do table.insert(reply, sample[i][1]) end
redis.call('HSET', KEYS[2], replyField, cjson.encode(reply))
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return reply
