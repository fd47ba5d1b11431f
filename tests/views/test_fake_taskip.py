"""The fake must stay a faithful stand-in: same call signatures as `contacts.taskip`, same
answers to the questions views ask."""

import inspect

import pytest

from contacts import taskip
from tests.views.fake_taskip import OPERATIONS, FakeTaskip


@pytest.mark.parametrize("name", OPERATIONS)
def test_the_fake_takes_exactly_what_the_service_module_takes(name):
    real = inspect.signature(getattr(taskip.default, name)).parameters
    fake = inspect.signature(getattr(FakeTaskip, name)).parameters
    assert [(p.name, p.kind, p.default) for p in list(fake.values())[1:]] == [
        (p.name, p.kind, p.default) for p in real.values()
    ]


def test_installing_the_fake_replaces_every_operation_and_blocks_http(fake_taskip):
    for name in OPERATIONS:
        assert getattr(taskip, name).__self__ is fake_taskip
    with pytest.raises(AssertionError, match="around the fake"):
        taskip.default.list_contacts()


def test_failures_come_in_the_order_and_number_asked_for():
    fake = FakeTaskip.seeded(3)
    fake.fail("get_contact", taskip.TaskipTimeout(), after=1, times=2)
    outcomes = []
    for _ in range(4):
        try:
            fake.get_contact(contact_id=1)
            outcomes.append("ok")
        except taskip.TaskipTimeout:
            outcomes.append("timeout")
    assert outcomes == ["ok", "timeout", "timeout", "ok"]


def test_the_fake_pages_and_sorts_as_taskip_does():
    fake = FakeTaskip.seeded(120)
    page = fake.list_contacts(page=3, limit=50, sort="email", order="desc")
    assert (page.page, page.total, page.total_pages, page.has_next) == (3, 120, 3, False)
    assert len(page.contacts) == 20
    everyone = fake.list_contacts(limit=100, sort="email", order="asc").contacts
    emails = [c.email for c in everyone]
    assert emails == sorted(emails)
    assert fake.list_contacts(page=9).contacts == ()
    with pytest.raises(taskip.TaskipValidationError):
        fake.list_contacts(search="x" * 192)
