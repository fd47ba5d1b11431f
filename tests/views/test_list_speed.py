"""What keeps the list page cheap, pinned by behaviour (docs/architecture.md, "Caching"):
rendered rows cached under TaskIP's answer, one API call for concurrent misses, permissions in
one query, the column choice joined to the user.
"""

import threading
from concurrent.futures import Future

import pytest
from django.contrib.auth.models import Permission, User

from contacts import list_cache, list_columns, taskip
from contacts.backends import StaffBackend
from contacts.models import ListPreference
from contacts.taskip import budget
from tests.roles import staff_group
from tests.views.dom import Page

WAIT = 10  # seconds; a bound on a wait for a condition, never a sleep


@pytest.fixture
def rows_made(monkeypatch):
    """How many rows have been made in Python (each row makes exactly one name cell)."""
    made = []
    real = list_columns._name_cell
    monkeypatch.setattr(list_columns, "_name_cell",
                        lambda contact, qs: made.append(contact.id) or real(contact, qs))
    return made


def test_rows_are_made_once_while_taskips_answer_is_unchanged(fake_taskip, login_as, settings,
                                                             rows_made):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0  # every view asks TaskIP
    client = login_as("viewer")
    first = Page(client.get("/contacts/?search=son")).rows()
    made = len(rows_made)
    second = Page(client.get("/contacts/?search=son")).rows()
    assert len(fake_taskip.calls_to("list_contacts")) == 2
    assert made == len(first) > 0 and len(rows_made) == made
    assert second == first


def test_rows_are_made_again_when_the_answer_changes(fake_taskip, login_as, settings, rows_made):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0
    client = login_as("viewer")
    before = Page(client.get("/contacts/?search=son")).rows()
    contact_id = next(c.id for c in fake_taskip.contacts.values()
                      if c.full_name == before[0]["Name"])
    fake_taskip.change(contact_id, position="Chief Cartographer")
    after = Page(client.get("/contacts/?search=son")).rows()
    assert after[0]["Position"] == "Chief Cartographer" != before[0]["Position"]
    assert len(rows_made) == 2 * len(before)


def test_rows_made_for_one_user_are_not_shown_to_one_who_may_do_less(fake_taskip, login_as,
                                                                    login_with):
    admin = Page(login_as("admin").get("/contacts/?search=son"))
    assert admin.all_by_role("button", lambda name: name.startswith("Delete "))
    viewer = Page(login_as("viewer").get("/contacts/?search=son"))
    assert viewer.all_by_role("button", lambda name: name.startswith("Delete ")) == []
    assert viewer.all_by_role("checkbox", lambda name: name.startswith("Select ")) == []
    # Export alone lets rows be ticked (to export the selection); the rows say so.
    exporter = Page(login_with("contacts.view_contact", "contacts.export_contact")
                    .get("/contacts/?search=son"))
    ticks = exporter.all_by_role("checkbox", lambda name: name.startswith("Select ")
                                 and name != "Select all contacts on this page")
    assert len(ticks) == len(exporter.rows()) > 0
    assert exporter.all_by_role("button", lambda name: name.startswith("Delete ")) == []


# ---- one API call for requests that miss together ---------------------------------------------


class _Request:
    def __init__(self, written_at: float = 0):
        self.session = {list_cache.WRITTEN_AT_KEY: written_at} if written_at else {}


@pytest.fixture
def slow_taskip(fake_taskip, monkeypatch):
    """list_contacts held until `release` is set; `entered` counts the calls that began."""

    class Slow:
        release = threading.Event()
        progress = threading.Event()  # a call began, or a request began waiting for one
        entered: list[float] = []
        first_fails_with: Exception | None = None

    real = fake_taskip.list_contacts

    def held(**query):
        Slow.entered.append(1)
        first = len(Slow.entered) == 1
        Slow.progress.set()
        assert Slow.release.wait(WAIT)
        if first and Slow.first_fails_with is not None:
            raise Slow.first_fails_with
        return real(**query)

    class WatchedFuture(Future):
        def result(self, timeout=None):
            Slow.progress.set()
            return super().result(timeout)

    monkeypatch.setattr(taskip, "list_contacts", held)
    monkeypatch.setattr(list_cache, "Future", WatchedFuture)
    return Slow


def _in_thread(function, *args, **kwargs):
    outcome = {}

    def run():
        try:
            outcome["page"] = function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_requests_missing_the_same_entry_together_share_one_call(slow_taskip, db):
    first, got_first = _in_thread(list_cache.list_contacts, _Request(), search="son")
    assert slow_taskip.progress.wait(WAIT)
    slow_taskip.progress.clear()
    second, got_second = _in_thread(list_cache.list_contacts, _Request(), search="son")
    assert slow_taskip.progress.wait(WAIT)  # the second is waiting, or (wrongly) calling
    slow_taskip.release.set()
    first.join(WAIT), second.join(WAIT)
    assert len(slow_taskip.entered) == 1
    assert got_second["page"] is got_first["page"]


def test_a_request_after_its_users_write_does_not_join_an_older_call(slow_taskip, db):
    import time

    first, _ = _in_thread(list_cache.list_contacts, _Request(), search="son")
    assert slow_taskip.progress.wait(WAIT)
    slow_taskip.progress.clear()
    # This user wrote after the first call began: its answer may be from before the write.
    second, got_second = _in_thread(list_cache.list_contacts, _Request(time.time()),
                                    search="son")
    assert slow_taskip.progress.wait(WAIT)
    slow_taskip.release.set()
    first.join(WAIT), second.join(WAIT)
    assert len(slow_taskip.entered) == 2 and got_second["page"].contacts


def test_a_spent_user_share_of_the_first_caller_is_not_passed_to_the_others(slow_taskip, db):
    slow_taskip.first_fails_with = budget.BudgetExceeded(retry_after=30)
    first, got_first = _in_thread(list_cache.list_contacts, _Request(), search="son")
    assert slow_taskip.progress.wait(WAIT)
    slow_taskip.progress.clear()
    second, got_second = _in_thread(list_cache.list_contacts, _Request(), search="son")
    assert slow_taskip.progress.wait(WAIT)
    slow_taskip.release.set()
    first.join(WAIT), second.join(WAIT)
    assert isinstance(got_first["error"], budget.BudgetExceeded)  # the first caller's own share
    assert got_second["page"].contacts and len(slow_taskip.entered) == 2


# ---- per-request reads of the dashboard's own database ----------------------------------------


def test_permissions_of_the_user_and_their_groups_come_in_one_query(db,
                                                                   django_assert_num_queries):
    user = User.objects.create_user("mixed")
    user.groups.add(staff_group("viewer"))
    user.user_permissions.add(Permission.objects.get(codename="export_contact"))
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        perms = StaffBackend().get_all_permissions(user)
    assert {"contacts.view_contact", "contacts.export_contact"} <= perms
    assert "contacts.delete_contact" not in perms


def test_the_users_column_choice_arrives_with_the_user(db, django_assert_num_queries):
    user = User.objects.create_user("chooser")
    ListPreference.remember(user, ["city", "custom_fields.team"])
    with django_assert_num_queries(1):
        signed_in = StaffBackend().get_user(user.pk)
        columns = ListPreference.columns_for(signed_in)
    assert columns.keys == ("city", "custom_fields.team")
    nobody = User.objects.create_user("default")
    assert ListPreference.columns_for(StaffBackend().get_user(nobody.pk)).keys == (
        list_columns.DEFAULT)
