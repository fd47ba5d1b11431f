"""The budget against a live sandbox that enforces a rate limit of its own (20 a minute)."""

from __future__ import annotations

import pytest

from contacts import taskip
from contacts.taskip import budget
from contacts.taskip.budget import Budget, Rules
from contacts.taskip.budget_db import DatabaseStore
from contacts.taskip.budget_redis import RedisStore


class JobStopped(Exception):
    pass


def stop_job(seconds_left: float) -> None:
    raise JobStopped


@pytest.mark.django_db
@pytest.mark.parametrize("store", ["database", "redis"])
def test_jobs_never_meet_a_429_and_leave_the_reserve_for_page_views(start_sandbox, request,
                                                                    store) -> None:
    server = start_sandbox(rate_limit=20)
    if store == "database":
        shared = DatabaseStore(scope=server.url)
    else:
        shared = RedisStore(url=request.getfixturevalue("redis_url"), scope=server.url)
    # The dashboard thinks 100 a minute until the sandbox's headers say 20.
    meter = Budget(store=shared, rules=Rules(per_minute=100, reserve=0.2, user_share=1.0))
    client = taskip.TaskipClient(base_url=server.url, secret_key=server.secret_key,
                                 budget=meter)

    job_calls = 0
    with budget.background(on_wait=stop_job):
        while True:
            try:
                client.list_contacts(limit=1)
            except JobStopped:
                break
            job_calls += 1
            assert job_calls <= 20, "the job went past the sandbox's limit"
    assert job_calls == 16  # 20 less the 4 reserved
    assert {call.status for call in server.api_calls()} == {200}
    assert meter.snapshot()["limit"] == 20 and meter.snapshot()["remaining"] == 4

    for _ in range(4):  # the reserve is there for people
        client.list_contacts(limit=1)
    assert [call.status for call in server.api_calls()] == [200] * 20

    with pytest.raises(taskip.TaskipRateLimited):  # now TaskIP itself refuses
        client.list_contacts(limit=1)
    assert meter.snapshot()["paused_until"] is not None  # and every job stops for it
