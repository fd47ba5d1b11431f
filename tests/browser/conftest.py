"""Browser tests: Debian's Chromium through Playwright, against the real dashboard.

The dashboard is pytest-django's `live_server` (in this process, threaded); the `settings`
fixture points it at a real sandbox process (tests/conftest.py): `shared_api` is the session's
sandbox for tests that only read, `api` a fresh one for tests that change contacts.

`signed_in` is a page whose context carries the session cookie of a "Contact admins" user
(one test logs in through the form; the rest skip that to save time). Every test's context is
watched: any console error, uncaught exception or CSP violation fails the test at teardown,
unless the test allowed it with `problems.allow(...)`.
"""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from contacts.roles import ROLE_GROUPS

from . import chromium
from .checks import BrowserProblems

PASSWORD = "correct-horse-battery-9"

# A loaded 2-core machine runs the suite; htmx round trips through two servers need more
# than the 5 s default now and then.
ACTION_TIMEOUT_MS = 10_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": chromium.EXECUTABLE,
        "args": chromium.ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Pages are opened by path; pytest-playwright hands this to every new context."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": chromium.VIEWPORT}


def _admin_group() -> Group:
    # live_server tests flush the database after each test, which drops the groups migration
    # 0002 made; rebuild the admin group from that migration's own table of permissions.
    migration = importlib.import_module("contacts.migrations.0002_staff_groups")
    name = ROLE_GROUPS["admin"]
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="contacts",
            # ...and what later migrations gave the admins: exports, everyone's jobs.
            codename__in=[*migration.ROLE_PERMISSIONS[name], "export_contact", "manage_all_jobs"],
        )
    )
    return group


@pytest.fixture
def staff_user(transactional_db) -> User:
    user = User.objects.create_user("ada", password=PASSWORD)
    user.groups.add(_admin_group())
    return user


@pytest.fixture
def problems() -> BrowserProblems:
    """What the test's browser contexts logged; `problems.allow(regex)` for provoked errors."""
    return BrowserProblems()


@pytest.fixture(autouse=True)
def _quiet_console(request):
    """Fail any test whose pages logged an error, threw, or broke the CSP."""
    names = request.fixturenames
    if "page" not in names and "problems" not in names:
        yield
        return
    watcher: BrowserProblems = request.getfixturevalue("problems")
    if "page" in names:
        context = request.getfixturevalue("context")
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        watcher.watch(context)
    yield
    unexpected = watcher.unexpected()
    assert not unexpected, "browser console:\n  " + "\n  ".join(unexpected)


def _sign_in(context: BrowserContext, live_server, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def signed_in(page: Page, live_server, staff_user) -> Page:
    """`page`, logged in as a contact admin through a session made server-side."""
    _sign_in(page.context, live_server, staff_user)
    return page


@pytest.fixture
def signed_in_without_javascript(new_context, live_server, staff_user, problems) -> Page:
    """A logged-in page in a context with JavaScript off: the plain-HTML dashboard."""
    context = new_context(java_script_enabled=False)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    problems.watch(context)
    _sign_in(context, live_server, staff_user)
    return context.new_page()
