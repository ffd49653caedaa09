--[[
  Records that a sign-in from an address failed for a user: the distinct users behind one address
  in a window reveal password spraying.

  KEYS[1] users    zset: score = latest failure time (ms) of the user from this address, member = user id
  KEYS[2] replies  hash: "<user>|<eventKey>" = this script's reply (JSON) until the pipeline releases it

  ARGV[1] user   ARGV[2] atMs   ARGV[3] windowMs   ARGV[4] sampleUsers   ARGV[5] maxWindowEntries
  ARGV[6] eventKey   ARGV[7] replyTtlMs

  Returns { usersBefore, users, sampleUser1, sampleUser2, … } where users counts members failing
  after atMs - windowMs (exclusive). Idempotent: the same user counts once, and a redelivered event
  gets its first reply again while that reply is kept.
  Errors: none of its own; Redis errors pass through.
]]
local user, at, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local since = '(' .. (at - window)
local replyField = user .. '|' .. ARGV[6]

local kept = redis.call('HGET', KEYS[2], replyField)
if kept then return cjson.decode(kept) end

local previous = tonumber(redis.call('ZSCORE', KEYS[1], user))
local counted = previous ~= nil and previous > at - window
redis.call('ZADD', KEYS[1], 'GT', at, user)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', at - 2 * window)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
redis.call('PEXPIRE', KEYS[1], 2 * window)

local users = redis.call('ZCOUNT', KEYS[1], since, '+inf')
local reply = { counted and users or users - 1, users }
for _, sample in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', since, 'LIMIT', 0, tonumber(ARGV[4]))) do
  table.insert(reply, sample)
end
redis.call('HSET', KEYS[2], replyField, cjson.encode(reply))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]))
return reply
