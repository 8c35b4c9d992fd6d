import { luaScript } from './script.js';

/** One claimed payment: [id, lease token, doc]. */
export type ClaimDueReply = Array<[string, number, string]>;

/**
 * ARGV: prefix, now (epoch ms), leaseUntil (epoch ms), limit, owner.
 *
 * Why one script: "is the lease free? then take it and bump the token" must not interleave with another
 * poller doing the same, or both would poll (and write) the same payment (POLL-1). The token bump is the
 * fence that `transition` checks (POLL-3).
 *
 * A leased payment stays in the due set (its nextPollAt has not changed), so the walk skips it; with
 * thousands of payments leased at once, a second sorted set of lease ends would keep the walk short.
 */
export const claimDueScript = luaScript(
  'claimDue',
  `
local now, leaseUntil, limit, owner = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
local claimed = {}
if limit <= 0 then return claimed end
-- Oldest due first: the sorted set is ordered by nextPollAt.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', dueKey, '-inf', now)) do
  local key = paymentKey(id)
  local currentLeaseEnd = redis.call('HGET', key, 'leaseUntil')
  if not currentLeaseEnd or tonumber(currentLeaseEnd) <= now then
    local token = redis.call('HINCRBY', key, 'leaseToken', 1)
    redis.call('HSET', key, 'leaseOwner', owner, 'leaseUntil', leaseUntil)
    claimed[#claimed + 1] = { id, token, redis.call('HGET', key, 'doc') }
    if #claimed >= limit then break end
  end
end
return claimed
`,
);

/**
 * ARGV: prefix, payment id, lease token.
 * Why a script: "free it only if the token is still mine" is a check-then-write; as two commands, a lease
 * another poller took in between would be freed by mistake.
 */
export const releaseLeaseScript = luaScript(
  'releaseLease',
  `
local key = paymentKey(ARGV[2])
if redis.call('HGET', key, 'leaseToken') == ARGV[3] then
  redis.call('HDEL', key, 'leaseOwner', 'leaseUntil')
end
return 0
`,
);
