--[[
  Records that a sign-in from an address failed for a user: the distinct users behind one address
  in a window reveal password spraying.

  KEYS[1] users  zset: score = latest failure time (ms) of the user from this address, member = user id

  ARGV[1] user   ARGV[2] atMs   ARGV[3] windowMs   ARGV[4] sampleUsers   ARGV[5] maxWindowEntries

  Returns { usersBefore, users, sampleUser1, sampleUser2, … } where users counts members failing
  after atMs - windowMs (exclusive). Idempotent: the same user counts once.
  Errors: none of its own; Redis errors pass through.
]]
local user, at, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local since = '(' .. (at - window)

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
return reply
