"""Per-key request budgets, as TaskIP enforces them: so many a minute and so many an hour.

Each window opens with a key's first request and lasts its full length (the way Laravel's
throttle counts), so a burst is judged the same whenever it starts. Thread-safe.
"""

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds when the binding window reopens
    retry_after: int  # seconds; only meaningful when not allowed

    def headers(self):
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    def __init__(self, per_minute, per_hour, clock=time.time):
        self.windows = [(60, per_minute), (3600, per_hour)]
        self.clock = clock
        self._lock = threading.Lock()
        # key -> one [opened_at, count] pair per window
        self._counters = {}

    def hit(self, key):
        """Count one request for `key` unless a budget is spent; say what to answer."""
        now = self.clock()
        with self._lock:
            if len(self._counters) > 10_000:
                self._forget_idle(now)
            counters = self._counters.setdefault(key, [[now, 0] for _ in self.windows])
            for (length, _), counter in zip(self.windows, counters, strict=True):
                if now - counter[0] >= length:
                    counter[0], counter[1] = now, 0
            exhausted = [
                (counter[0] + length, limit)
                for (length, limit), counter in zip(self.windows, counters, strict=True)
                if counter[1] >= limit
            ]
            if exhausted:
                reopens, limit = max(exhausted)
                return Decision(
                    False, limit, 0, math.ceil(reopens), max(1, math.ceil(reopens - now))
                )
            for counter in counters:
                counter[1] += 1
            # Report the window closest to running out; on a tie, the shorter one.
            remaining, _, limit, reopens = min(
                (limit - counter[1], length, limit, counter[0] + length)
                for (length, limit), counter in zip(self.windows, counters, strict=True)
            )
            return Decision(True, limit, remaining, math.ceil(reopens), 0)

    def clear(self):
        """Forget every key's counts, as if no request had ever come."""
        with self._lock:
            self._counters.clear()

    def _forget_idle(self, now):
        longest = max(length for length, _ in self.windows)
        self._counters = {
            key: counters
            for key, counters in self._counters.items()
            if now - min(counter[0] for counter in counters) < longest
        }
