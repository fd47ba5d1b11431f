"""Bulk invite over a rate-limited TaskIP, as staff would do it (the jobs acceptance run).

A sandbox allowing 60 requests a minute, 150 contacts, one real `db_worker`: select all, invite,
watch the job page; the worker is killed mid-job and replaced. The budget keeps every call under
the key's limit, so no 429 reaches a row or a page, and nobody is invited twice. It takes about
three minutes: 150 invites at 48 a minute (60 less the 20% reserved for page views).
"""

import re
from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from contacts.models import Job, JobRow
from tests.conftest import _point_dashboard_at
from tests.jobs.conftest import INVITE_PATH, start_worker, wait_for  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONTACTS = 150
RATE_LIMIT = 60
JOB_TIMEOUT = 420.0  # 150 calls at 48 a minute is ~190 s; a loaded machine needs headroom


def invitations(server) -> Counter:
    counted: Counter = Counter()
    for call in server.api_calls():
        match = INVITE_PATH.match(call.path)
        if call.method == "POST" and match and call.status == 200:
            counted[int(match[1])] += 1
    return counted


def test_inviting_150_clients_over_a_rate_limited_key(
    signed_in: Page, start_sandbox, start_worker, settings, monkeypatch  # noqa: F811
):
    page = signed_in
    server = start_sandbox(seed=CONTACTS, rate_limit=RATE_LIMIT)
    _point_dashboard_at(settings, server)
    settings.TASKIP_RATE_LIMIT = RATE_LIMIT
    monkeypatch.setenv("TASKIP_RATE_LIMIT", str(RATE_LIMIT))  # the workers' settings
    settings.JOB_LEASE_SECONDS = 2
    worker = start_worker(server)

    page.goto("/contacts/?limit=100")
    page.get_by_role("checkbox", name="Select all contacts on this page").check()
    page.get_by_role("button", name=f"Select all {CONTACTS} matching contacts").click()
    page.get_by_role("button", name=f"Invite selected ({CONTACTS})").click()
    dialog = page.get_by_role("dialog", name=f"Invite {CONTACTS} contacts as clients")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Sending takes about")
    # Some seeded contacts already have portal access: invite them all the same.
    dialog.get_by_role("checkbox", name=re.compile("^Send again")).check()
    dialog.get_by_label("Access level").select_option("standard")
    dialog.get_by_role("button", name="Start sending").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    job = Job.objects.get()
    progress = page.get_by_role("progressbar", name="Rows finished")
    expect(progress).to_be_visible()

    # Kill the worker mid-job and start another: the job goes on under the new one.
    wait_for(lambda: job.rows.filter(state=JobRow.State.DONE).count() >= 30,
             timeout=JOB_TIMEOUT, what="30 rows done", workers=(worker,))
    worker.kill()
    replacement = start_worker(server)

    # Staff keep browsing while the job runs: the reserve keeps their pages answered.
    searches = iter(["smith", "jones", "lee", "brown", "garcia", "miller", "davis", "wilson",
                     "moore", "taylor", "anderson", "thomas", "jackson", "white"])
    statuses = []
    browsed_at = set()
    browsing = page.context.new_page()

    def finished_while_browsing() -> bool:
        job.refresh_from_db()
        if job.status == Job.Status.FINISHED:
            return True
        every_ten = job.rows.filter(state=JobRow.State.DONE).count() // 10
        search = next(searches, None) if every_ten not in browsed_at else None
        if search is not None:
            browsed_at.add(every_ten)
            statuses.append(browsing.goto(f"/contacts/?search={search}").status)
        return False

    wait_for(finished_while_browsing, timeout=JOB_TIMEOUT, what="the job to finish",
             workers=(worker, replacement))
    assert statuses and all(status == 200 for status in statuses), statuses

    # The page stops polling and shows the outcome.
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_text("Finished", exact=True)).to_be_visible()
    rows = {row.contact_id: row for row in job.rows.all()}
    unknown = [cid for cid, row in rows.items() if row.state == JobRow.State.UNKNOWN]
    assert all(row.state in (JobRow.State.DONE, JobRow.State.UNKNOWN) for row in rows.values())
    invited = invitations(server)
    assert max(invited.values()) == 1  # nobody twice
    assert {cid for cid, row in rows.items() if row.state == JobRow.State.DONE} <= set(invited)
    assert len(invited) >= CONTACTS - len(unknown)
    assert not [call for call in server.api_calls() if call.status == 429]
    if unknown:
        expect(page.get_by_role("group", name="Rows whose outcome is unknown")).to_be_visible()
