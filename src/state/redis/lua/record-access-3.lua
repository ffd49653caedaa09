--[[
  Records one access event of a user: its records join the bulk-download window.

  KEYS[1] profile  hash (see record-auth-3.lua); this script reads first, logins, d:*, c:* and
                   keeps rb (mean window total) and rn (totals in that mean)
  KEYS[2] records  zset: score = event time (ms), member = "<eventKey>:<records>"
  KEYS[3] replies  hash: eventKey = this script's reply (JSON) until the pipeline releases it

  ARGV[1] eventKey   ARGV[2] atMs   ARGV[3] records (0 = not counted)
  ARGV[4] device or ""   ARGV[5] country or ""
  ARGV[6] windowMs   ARGV[7] baselineSamples (cap of the running mean)   ARGV[8] retentionMs
  ARGV[9] replyTtlMs

  Returns { seen (0 new, 1 seen and released, 2 seen with its first reply), firstSeenMs (-1 = new user), logins,
            windowRecordsBefore, windowRecords, windowEvents, baselineRecords (rounded), baselineSamples,
            device "<first>:<last>" | "", country "<first>:<last>" | "", windowPeakBefore }
  A redelivered event gets its first reply again, marked 2, while that reply is kept.
  Errors: none of its own; Redis errors pass through.
]]
local eventKey, at, records = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local window, cap, retention = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])

local stored = redis.call('HMGET', KEYS[1], 'first', 'logins', 'rb', 'rn',
  'd:' .. ARGV[4], 'c:' .. ARGV[5])
local first = tonumber(stored[1]) or -1
local logins = tonumber(stored[2]) or 0
local baseline = tonumber(stored[3]) or 0
local samples = tonumber(stored[4]) or 0
local device = ARGV[4] ~= '' and stored[5] or ''
local country = ARGV[5] ~= '' and stored[6] or ''
device, country = device or '', country or ''

local kept = redis.call('HGET', KEYS[3], eventKey)
if kept then
  local reply = cjson.decode(kept)
  reply[1] = 2
  return reply
end

if records == 0 then
  return { 0, first, logins, 0, 0, 0, math.floor(baseline + 0.5), samples, device, country, 0 }
end

local member = eventKey .. ':' .. records
local duplicate = redis.call('ZSCORE', KEYS[2], member) and 1 or 0

-- The entries of the last two windows, oldest first, give in one pass with two pointers the total
-- of the window ending now and the highest total of a window ending at an earlier event inside it
-- (the peak): a bulk alert fires when the total crosses a limit the peak stayed under, so a slow
-- export that keeps the window full raises one alert, not one per export.
local entries = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. (at - 2 * window), at, 'WITHSCORES')
local times, counts = {}, {}
for i = 1, #entries, 2 do
  if entries[i] ~= member then
    table.insert(times, tonumber(entries[i + 1]))
    table.insert(counts, tonumber(string.match(entries[i], ':(%d+)$')))
  end
end
local before, count, peak = 0, 0, 0
local lo, hi, sum = 1, 0, 0
for j = 1, #times do
  while hi < #times and times[hi + 1] <= times[j] do
    hi = hi + 1
    sum = sum + counts[hi]
  end
  while times[lo] <= times[j] - window do
    sum = sum - counts[lo]
    lo = lo + 1
  end
  if times[j] > at - window then
    before = before + counts[j]
    count = count + 1
    if sum > peak then peak = sum end
  end
end
local total = before + records

if duplicate == 0 then
  redis.call('ZADD', KEYS[2], at, member)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', at - 2 * window)
  redis.call('PEXPIRE', KEYS[2], 2 * window)
  local n = math.min(samples + 1, cap)
  redis.call('HSET', KEYS[1], 'rb', tostring(baseline + (total - baseline) / n), 'rn', samples + 1)
  redis.call('PEXPIRE', KEYS[1], retention)
end

local reply = { duplicate, first, logins, before, total, count + 1, math.floor(baseline + 0.5), samples, device, country, peak }
if duplicate == 0 then
  redis.call('HSET', KEYS[3], eventKey, cjson.encode(reply))
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[9]))
end
return reply
