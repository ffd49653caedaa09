--[[
  Saves one user's state if nobody else saved it since it was read: the processor that owns a
  user's partition is its only writer, and a stale one (a partition moved away mid-batch) must not
  overwrite what the new owner wrote.

  KEYS[1] state  hash: v = version (a count of saves), s = the user's record (JSON),
                       r:<eventKey> = a kept first view (JSON) until the pipeline releases it

  ARGV[1] the version read (0 = the hash did not exist)   ARGV[2] the record (JSON)
  ARGV[3] ttlMs (the user's retention)   ARGV[4] n = how many kept views to drop
  ARGV[5 .. 4+n] the fields of kept views to drop   then field, value pairs of kept views to add

  Returns the new version.
  Errors: "STALE_STATE <version>" when the stored version is not ARGV[1]: reload and redo the batch.
]]
local read = tonumber(ARGV[1])
local stored = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if stored ~= read then
  return redis.error_reply('STALE_STATE ' .. stored)
end
local drop = tonumber(ARGV[4])
for i = 5, 4 + drop do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
local version = stored + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[2])
for i = 5 + drop, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version
