"""Stand-in for the deployment's API budget (docs/architecture.md, "The API budget").

Only the interface the jobs runner uses, with no limiting at all: calls inside `background()`
never wait and `on_wait` is never called. The real module (shared per-minute budget, the
interactive reserve, 429 back-off for every process) replaces this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings


@contextmanager
def background(*, on_wait: Callable[[float], None] | None = None) -> Iterator[None]:
    """Calls this thread makes inside the block are background calls (jobs)."""
    yield


def estimate_seconds(calls: int | float) -> float:
    """How long `calls` background calls take at the rate jobs may spend."""
    per_minute = settings.TASKIP_RATE_LIMIT * (1 - settings.TASKIP_INTERACTIVE_RESERVE)
    return max(0.0, calls) * 60.0 / per_minute if per_minute > 0 else float("inf")
