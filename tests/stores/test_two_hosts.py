"""Two production-style dashboard hosts behind one (imaginary) proxy, sharing Postgres and Redis.

The browser is one requests.Session whose cookies go to both hosts, as they would through a
reverse proxy that spreads requests over them.
"""

import time
from collections import Counter

import pytest
import requests

from .conftest import ADMIN, ADMIN_PASSWORD
from .hosts import REQUEST_TIMEOUT, log_in, log_out

JOB_TIMEOUT = 240.0
POLL_SECONDS = 2.0


def _get(browser: requests.Session, host, path: str) -> requests.Response:
    # A connection of its own each time: gunicorn closes an idle keep-alive connection after
    # 2 s, and a request sent on it just then gets no answer (the test polls every 2 s).
    return browser.get(f"{host.url}{path}", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                       headers={"Connection": "close"})


def test_a_session_made_on_one_host_is_valid_on_the_other(two_hosts):
    a, b = two_hosts
    browser = requests.Session()
    log_in(browser, a, ADMIN, ADMIN_PASSWORD)

    response = _get(browser, b, "/contacts/")

    assert response.status_code == 200
    assert f"<span>{ADMIN}</span>" in response.text  # signed in there as that user


def test_logging_out_on_one_host_ends_the_session_on_the_other_at_once(two_hosts):
    a, b = two_hosts
    browser = requests.Session()
    log_in(browser, a, ADMIN, ADMIN_PASSWORD)
    session_cookie = browser.cookies["sessionid"]
    assert _get(browser, b, "/contacts/").status_code == 200  # B has read (and cached) it

    log_out(browser, a)
    # The old cookie, as a second tab or a stolen copy would still send it.
    browser.cookies.set("sessionid", session_cookie)
    response = _get(browser, b, "/contacts/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_a_group_change_is_enforced_on_the_other_host_at_once(two_hosts, deployment):
    a, b = two_hosts
    browser = requests.Session()
    log_in(browser, a, ADMIN, ADMIN_PASSWORD)
    assert _get(browser, b, "/audit/").status_code == 200  # B has loaded the permissions

    with deployment.django_process() as shell:  # the ORM, on the shared Postgres
        shell.run(
            "from django.contrib.auth.models import Group, User\n"
            f"User.objects.get(username={ADMIN!r}).groups.remove("
            "Group.objects.get(name='Contact admins'))"
        )

    assert _get(browser, b, "/audit/").status_code == 403
    assert _get(browser, a, "/audit/").status_code == 403


def test_hosts_reconnect_when_the_database_drops_their_connections(two_hosts, deployment):
    """Persistent connections (CONN_MAX_AGE) are checked before reuse (CONN_HEALTH_CHECKS):
    a connection the database has closed is replaced instead of failing the next request."""
    a, b = two_hosts
    browser = requests.Session()
    log_in(browser, a, ADMIN, ADMIN_PASSWORD)
    assert _get(browser, a, "/audit/").status_code == 200

    with deployment.django_process() as shell:
        ended = shell.run(
            "from django.db import connection\n"
            "with connection.cursor() as cursor:\n"
            "    cursor.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()')\n"
            "    result = len(cursor.fetchall())"
        )
    assert ended >= 1  # the hosts' kept connections

    for host in (a, b, a, b):
        assert _get(browser, host, "/audit/").status_code == 200


@pytest.mark.slow
def test_a_job_started_on_one_host_runs_each_row_once_within_the_shared_budget(
    two_hosts, deployment
):
    """Two workers take the job's rows while staff browse on both hosts; the key (100 a
    minute, as TaskIP's) is never pushed over: no 429 reaches a page or a row, and each
    contact is invited exactly once. 90 invites are more than one minute's share for jobs
    (80), so the budget has to hold the workers back for the next window."""
    a, b = two_hosts
    sandbox = deployment.sandbox
    for name in ("a", "b"):
        deployment.start_db_worker(name, "--no-startup-delay", "--interval", "0.1")
    browser = requests.Session()
    log_in(browser, a, ADMIN, ADMIN_PASSWORD)
    since = len(sandbox.api_calls())
    ids = list(range(1, 91))
    started = browser.post(
        f"{a.url}/contacts/bulk-invite/",
        data={"contact_ids": ids, "limit": "100", "confirmed": "1", "send_again": "on",
              "access_level": "basic", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False, timeout=REQUEST_TIMEOUT,
    )  # fmt: skip
    assert started.status_code == 303, started.text[:500]
    job_url = started.headers["Location"]

    searches = iter(["smith", "jones", "lee", "brown", "garcia", "miller", "davis", "wilson",
                     "moore", "taylor", "anderson", "thomas"])
    pages = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        progress = _get(browser, b, job_url)  # the job's page, polled on the other host
        assert progress.status_code == 200
        if "<strong>Finished</strong>" in progress.text:
            break
        assert time.monotonic() < deadline, "the job did not finish in time"
        search = next(searches, None)
        if search is not None:
            host = (a, b)[len(pages) % 2]
            pages.append((host.name, _get(browser, host, f"/contacts/?search={search}")))
        time.sleep(POLL_SECONDS)  # a person looking at the page now and then, not a test wait

    calls = sandbox.api_calls()[since:]
    recorded = sandbox.recorded()[since:]
    invited = Counter(
        int(call.path.rsplit("/", 1)[1]) for call in calls
        if call.method == "POST" and "/invite-client/" in call.path and call.status == 200
    )  # fmt: skip
    too_many = [call for call in calls if call.status == 429]
    # Minutes counted from the first call, as TaskIP opens its window with a key's first call.
    per_minute = Counter(int((r.at - recorded[0].at) // 60) for r in recorded)
    print(f"\nrequests per host: {deployment.request_counts()}; API calls per minute: "
          f"{dict(sorted(per_minute.items()))} against a budget of 100; 429s: {len(too_many)}")
    assert [status.status_code for _, status in pages] == [200] * len(pages)
    assert invited == {contact_id: 1 for contact_id in ids}
    assert too_many == []
    assert "Done</dt><dd>90</dd>" in progress.text
