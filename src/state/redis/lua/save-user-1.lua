--[[
  Saves one user's state at a checkpoint unless a newer one is saved: the processor that owns a
  user's partitions is its only writer, and one that lost them (a stale writer) must not overwrite
  what the new owner saved. The version is how far into its inputs the record is (the sum of the
  offsets it is as of), so a record only ever moves forward.

  KEYS[1] state  hash: v = version, s = the user's record (JSON), t = offsets it is as of (JSON)

  ARGV[1] version   ARGV[2] the record (JSON)   ARGV[3] its offsets (JSON)   ARGV[4] ttlMs (retention)

  Returns 1 when saved, 0 when a newer version was already there (the caller drops its copy).
]]
local stored = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
if stored > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2], 't', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
