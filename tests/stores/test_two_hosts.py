"""Two production-style dashboard hosts behind one (imaginary) proxy, sharing Postgres and Redis.

The browser is one requests.Session whose cookies go to both hosts, as they would through a
reverse proxy that spreads requests over them.
"""

import requests

from .conftest import ADMIN, ADMIN_PASSWORD
from .hosts import REQUEST_TIMEOUT, log_in, log_out


def _get(browser: requests.Session, host, path: str) -> requests.Response:
    return browser.get(f"{host.url}{path}", allow_redirects=False, timeout=REQUEST_TIMEOUT)


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
