"""Fixtures for export and import tests: staff in each role, private job files, jobs run now.

    login_as(role) -> Client           a logged-in test client: "viewer", "editor" or "admin"
    run_job(response) -> Job           the job a response redirected to, worked to its end
    csv_rows(response) -> list[dict]   a downloaded CSV file, read as staff's spreadsheet would
"""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from contacts.job_runner import run
from contacts.models import Job
from contacts.roles import ROLE_GROUPS
from tests.roles import staff_group


@pytest.fixture(autouse=True)
def job_files_dir(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    return settings.JOB_FILES_DIR


@pytest.fixture(autouse=True)
def budget_that_never_waits(settings):
    """These tests are about what an import or export sends and writes, and their files have
    up to 200 rows: at the real 100 a minute (80 for jobs) each waited out a whole TaskIP
    window, 60-120 s a test. Their sandbox has no rate limit, so the key may go faster here;
    the budget's waits are tested in tests/jobs, tests/service/test_budget*.py and
    tests/stores/test_two_hosts.py."""
    settings.TASKIP_RATE_LIMIT = 100_000


@pytest.fixture
def login_as(db):
    def login(role: str, *, username: str | None = None, permissions=()) -> Client:
        user = User.objects.create_user(username or f"{role}-user", password="correct-horse-9")
        if role in ROLE_GROUPS:
            user.groups.add(staff_group(role))
        for codename in permissions:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return login


def job_of(response) -> Job:
    location = response.headers.get("HX-Redirect") or response.headers["Location"]
    match = re.fullmatch(r"/jobs/(\d+)/", location)
    assert match, location
    return Job.objects.get(pk=int(match[1]))


def run_job(response) -> Job:
    """Work the job the response started to its end, in this process, as a worker would."""
    job = job_of(response)
    run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
    return job


def csv_rows(response, delimiter: str = ",") -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def api_pages(server, **query) -> list[dict]:
    """Every contact the API lists for the query, as raw JSON, walking pages of 100."""
    session = server.session()
    contacts, page = [], 1
    while True:
        body = session.get(f"{server.api_url}/contact",
                           params={"page": page, "limit": 100, **query}, timeout=10).json()
        contacts += body["data"]
        if page >= body["meta"]["total_pages"]:
            return contacts
        page += 1


def pages_of(total: int) -> int:
    return math.ceil(total / 100)
