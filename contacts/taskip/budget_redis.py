"""The API budget shared through Redis (REDIS_URL set: several hosts).

Each draw is one Lua script, so it is one round trip and atomic: Redis runs a script alone.
The scripts apply the same rules as budget.State.take and .learn (the store tests run both
against one suite). Two keys per API: a hash with the count, and a hash of this window's
per-user counts that expires with the window. Numbers cross into Lua as strings and come back
as strings, because Redis would cut a Lua float reply down to an integer.
"""

from __future__ import annotations

import hashlib

import redis

from .budget import NEW_WINDOW_AFTER, WINDOW_SECONDS, News, Outcome, Rules, State

KEY_PREFIX = "taskip-admin:api-budget:"

# KEYS: count hash, users hash. ARGV: now, background (1/0), user ('' = none), default limit,
# reserve share, user share, window seconds.
# Returns {granted (1 yes, 0 wait, -1 user's share spent), limit, remaining, reset_at, wait}.
TAKE = """
local now = tonumber(ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset_at', 'paused_until')
local limit = tonumber(s[1]) or tonumber(ARGV[4])
local remaining = tonumber(s[2]) or limit
local reset_at = tonumber(s[3]) or 0
local paused = tonumber(s[4]) or 0
local fresh = now >= reset_at
if fresh then
  remaining = limit
  reset_at = now + tonumber(ARGV[7])
end
local user = ARGV[3]
local function answer(granted, wait)
  return {granted, tostring(limit), tostring(remaining), tostring(reset_at), tostring(wait)}
end
if ARGV[2] == '1' then
  if paused > now then return answer(0, paused - now) end
  local reserve = math.min(math.ceil(limit * tonumber(ARGV[5]) - 1e-9), limit - 1)
  if remaining - 1 < reserve then return answer(0, reset_at - now) end
elseif user ~= '' then
  local used = 0
  if not fresh then used = tonumber(redis.call('HGET', KEYS[2], user)) or 0 end
  local share = math.max(1, math.floor(limit * tonumber(ARGV[6]) + 1e-9))
  if used >= share then return answer(-1, reset_at - now) end
end
if fresh then redis.call('DEL', KEYS[2]) end
remaining = math.max(0, remaining - 1)
redis.call('HSET', KEYS[1], 'limit', tostring(limit), 'remaining', tostring(remaining),
           'reset_at', tostring(reset_at), 'paused_until', tostring(paused))
if ARGV[2] ~= '1' and user ~= '' then
  redis.call('HINCRBY', KEYS[2], user, 1)
  redis.call('EXPIRE', KEYS[2], math.ceil(reset_at - now) + 1)
end
return answer(1, 0)
"""

# KEYS: as TAKE. ARGV: now, default limit, window seconds, then the answer's limit, remaining,
# reset_at and paused_until ('' where it said nothing), then NEW_WINDOW_AFTER.
LEARN = """
local now = tonumber(ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset_at', 'paused_until')
local limit = tonumber(s[1]) or tonumber(ARGV[2])
local remaining = tonumber(s[2]) or limit
local reset_at = tonumber(s[3]) or 0
local paused = tonumber(s[4]) or 0
local new_limit, new_remaining = tonumber(ARGV[4]), tonumber(ARGV[5])
local new_reset, new_paused = tonumber(ARGV[6]), tonumber(ARGV[7])
if new_paused and new_paused > paused then paused = new_paused end
if new_reset and new_reset > now and new_remaining then
  if now >= reset_at then
    remaining = limit
    redis.call('DEL', KEYS[2])
  end
  if new_reset > reset_at + tonumber(ARGV[8]) then
    -- TaskIP opened a window this count doesn't know yet (budget.State.learn says why).
    remaining = new_remaining
    redis.call('DEL', KEYS[2])
  end
  remaining = math.min(remaining, new_remaining)
  reset_at = new_reset
  if new_limit then limit = new_limit end
end
redis.call('HSET', KEYS[1], 'limit', tostring(limit), 'remaining', tostring(remaining),
           'reset_at', tostring(reset_at), 'paused_until', tostring(paused))
return 1
"""


class RedisStore:
    def __init__(self, *, url: str, scope: str, client: redis.Redis | None = None) -> None:
        # redis-py's client holds a thread-safe connection pool: one per process is enough.
        self._redis = client if client is not None else redis.Redis.from_url(url)
        # The base URL names the API; hashed so a key is short and has no odd characters.
        name = hashlib.sha256(scope.encode()).hexdigest()[:16]
        self._keys = [KEY_PREFIX + name, KEY_PREFIX + name + ":users"]
        self._take = self._redis.register_script(TAKE)
        self._learn = self._redis.register_script(LEARN)

    def __repr__(self) -> str:
        return f"<RedisStore {self._keys[0]}>"

    def take(self, *, now: float, background: bool, user: str | None, rules: Rules) -> Outcome:
        granted, limit, remaining, reset_at, wait = self._take(
            keys=self._keys,
            args=[repr(now), "1" if background else "0", user or "", rules.per_minute,
                  repr(rules.reserve), repr(rules.user_share), repr(WINDOW_SECONDS)],
        )
        common = {"limit": int(float(limit)), "remaining": int(float(remaining)),
                  "reset_at": float(reset_at)}
        if granted == 1:
            return Outcome(**common, granted=True)
        if granted == -1:
            return Outcome(**common, user_retry_after=float(wait))
        return Outcome(**common, wait_seconds=float(wait))

    def learn(self, news: News, *, now: float, rules: Rules) -> None:
        def text(value: float | None) -> str:
            return "" if value is None else repr(value)

        self._learn(keys=self._keys, args=[
            repr(now), rules.per_minute, repr(WINDOW_SECONDS), text(news.limit),
            text(news.remaining), text(news.reset_at), text(news.paused_until),
            repr(NEW_WINDOW_AFTER),
        ])

    def peek(self, *, rules: Rules) -> State:
        limit, remaining, reset_at, paused = self._redis.hmget(
            self._keys[0], "limit", "remaining", "reset_at", "paused_until")
        if limit is None:
            return State.fresh(rules)
        return State(limit=int(float(limit)), remaining=int(float(remaining)),
                     reset_at=float(reset_at), paused_until=float(paused))
