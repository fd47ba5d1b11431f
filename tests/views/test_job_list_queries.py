"""The jobs list costs the same few queries however many people's jobs it shows."""

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import jobs


def _job(username: str) -> None:
    owner = User.objects.create_user(username)
    jobs.create_job(owner, "invite", {"access_level": "basic"}, rows=[(3, "Contact 3", None)])


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/jobs/").status_code == 200
    return len(queries)


def test_an_admins_job_list_does_not_ask_for_each_owner(db, login_as):
    admin = login_as("admin")
    _job("first-owner")
    _queries(admin)  # the first request also loads the session and permissions
    one = _queries(admin)
    for n in range(3):
        _job(f"owner-{n}")
    assert _queries(admin) == one
