"""What staff see when TaskIP is down, slow, rate limiting, refusing, or answering nonsense.

The page each error becomes is checked on the fake for every error type; the tests named "live"
produce the real failures (nothing listening, a failing, slow or rate-limiting sandbox).
"""

import logging
import socket

import pytest

from contacts import taskip
from contacts.taskip.budget import BudgetExceeded
from tests.views.dom import Page, text, triggered

pytestmark = pytest.mark.slow  # seconds of work: started first, beside the rest

ERRORS = [
    (taskip.TaskipUnavailable(), 503, "The TaskIP API is unavailable",
     "The TaskIP API can't be reached right now. Try again in a moment."),
    (taskip.TaskipTimeout(), 504, "The TaskIP API is not answering",
     "The TaskIP API took too long to answer. Nothing was changed by this page; try again."),
    (taskip.TaskipRateLimited(retry_after=7.2), 429, "Too many requests to TaskIP",
     "TaskIP's request limit was reached. Try again in 8 seconds."),
    (taskip.TaskipUnauthorized(status=401), 502, "The dashboard's API key was rejected",
     "TaskIP rejected the dashboard's API key. An administrator must fix the dashboard's "
     "TASKIP_SECRET_KEY setting; signing in again will not help."),
    (taskip.TaskipNotFound(status=404), 404, "Contact not found",
     "That contact does not exist in TaskIP (any more)."),
    (taskip.TaskipValidationError(status=422, field_errors={"limit": ["Too big."]}), 422,
     "TaskIP refused the request", "TaskIP said the request was not valid: limit: Too big."),
    (taskip.TaskipBadResponse(), 502, "TaskIP gave an unexpected answer",
     "The TaskIP API answered in a way the dashboard did not understand. Try again; if it "
     "keeps happening, tell an administrator."),
    (taskip.TaskipConflict(status=409), 502, "TaskIP gave an unexpected answer",
     "The TaskIP API answered in a way the dashboard did not understand. Try again; if it "
     "keeps happening, tell an administrator."),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alert(response) -> tuple[str, str, str]:
    """(title, explanation, retry link) of the error alert in a page or partial."""
    page = Page(response)
    [alert] = page.all_by_role("alert")
    return (text(page.find("h2", within=alert)), text(page.find_all("p", within=alert)[0]),
            page.link("Try again", within=alert)["href"])


@pytest.mark.parametrize(("error", "status", "title", "explanation"), ERRORS,
                         ids=lambda v: type(v).__name__)
def test_each_taskip_error_is_a_page_in_the_layout(fake_taskip, login_as, error, status, title,
                                                   explanation):
    fake_taskip.fail("list_contacts", error)
    response = login_as("viewer").get("/contacts/?search=x")
    page = Page(response)
    assert response.status_code == status
    assert _alert(response) == (title, explanation, "/contacts/?search=x")
    assert page.link("TaskIP admin")["href"] == "/contacts/"  # the dashboard's own layout
    assert page.button("Log out")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("error", "status", "title", "explanation"), ERRORS,
                         ids=lambda v: type(v).__name__)
def test_htmx_failures_are_shown_in_place(fake_taskip, login_as, error, status, title,
                                          explanation):
    fake_taskip.fail("list_contacts", error)
    response = login_as("viewer").get(
        "/contacts/?search=x",
        headers={"HX-Request": "true", "HX-Target": "results",
                 "HX-Current-URL": "http://testserver/contacts/?search=x"},
    )
    assert response.status_code == status
    assert response["HX-Retarget"] == "#api-status" and response["HX-Reswap"] == "innerHTML"
    assert triggered(response) == {"dialog:close"}
    assert Page(response).find_all("html") == []
    title_shown, _, retry = _alert(response)
    assert title_shown == title and retry == "http://testserver/contacts/?search=x"


def test_htmx_failure_without_a_current_url_retries_the_list(fake_taskip, login_as):
    fake_taskip.fail("get_contact", taskip.TaskipUnavailable())
    response = login_as("viewer").get("/contacts/2/", headers={"HX-Request": "true"})
    assert _alert(response)[2] == "/contacts/"


def test_a_rate_limit_without_a_wait_suggests_a_minute(fake_taskip, login_as):
    fake_taskip.fail("list_contacts", taskip.TaskipRateLimited())
    response = login_as("viewer").get("/contacts/")
    assert _alert(response)[1] == "TaskIP's request limit was reached. Try again in 60 seconds."
    assert "Retry-After" not in response


@pytest.mark.parametrize(("retry_after", "wait"), [(12.5, "13"), (0.2, "1")])
def test_a_spent_user_share_is_the_dashboards_own_429(fake_taskip, login_as, retry_after, wait):
    fake_taskip.fail("list_contacts", BudgetExceeded(retry_after=retry_after))
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 429
    title, explanation, _ = _alert(response)
    assert title == "Slow down"
    assert "This is the dashboard's own limit" in explanation
    assert explanation.endswith(f"Try again in {wait} seconds.")
    assert response["Retry-After"] == wait


def test_a_rate_limit_says_when_to_retry(fake_taskip, login_as):
    fake_taskip.fail("list_contacts", taskip.TaskipRateLimited(retry_after=7.2))
    response = login_as("viewer").get("/contacts/")
    assert response["Retry-After"] == "8"
    assert _alert(response)[1] == "TaskIP's request limit was reached. Try again in 8 seconds."


def test_a_validation_error_names_each_problem(fake_taskip, login_as):
    fake_taskip.fail("list_contacts", taskip.TaskipValidationError(
        status=422, field_errors={"limit": ["Too big."], "page": ["Not a number.", "Too low."]}))
    explanation = _alert(login_as("viewer").get("/contacts/"))[1]
    assert explanation == ("TaskIP said the request was not valid: limit: Too big.; "
                           "page: Not a number. Too low.")


def test_a_rejected_key_is_logged_as_critical_without_the_key(fake_taskip, login_as, caplog):
    fake_taskip.fail("list_contacts", taskip.TaskipUnauthorized(status=401))
    with caplog.at_level(logging.WARNING, logger="contacts"):
        login_as("viewer").get("/contacts/")
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("contacts")
            ] == [(logging.CRITICAL, "TaskIP rejected the configured key (status 401)")]


def test_other_errors_are_logged_as_warnings_naming_the_path_only(fake_taskip, login_as, caplog):
    fake_taskip.fail("list_contacts", taskip.TaskipUnavailable())
    with caplog.at_level(logging.WARNING, logger="contacts"):
        login_as("viewer").get("/contacts/?search=private-term")
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("contacts")
            ] == [(logging.WARNING, "TaskIP error on /contacts/: TaskipUnavailable")]


@pytest.mark.parametrize("url", ["/contacts/999/", "/contacts/999/edit/", "/contacts/999/invite/"])
def test_unknown_contact_is_a_404_page(fake_taskip, login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code == 404
    assert _alert(response)[:2] == ("Contact not found",
                                    "That contact does not exist in TaskIP (any more).")


def test_retry_after_a_failed_read_repeats_the_read(fake_taskip, login_as):
    fake_taskip.fail("get_contact", taskip.TaskipUnavailable())
    response = login_as("viewer").get("/contacts/2/?search=x")
    assert _alert(response)[2] == "/contacts/2/?search=x"


# ---- the real failures -------------------------------------------------------------------------


@pytest.mark.wallclock  # real backoff sleeps inside the real 15 s deadline
def test_live_nothing_listening_gives_503_in_the_layout(settings, login_as):
    settings.TASKIP_BASE_URL = f"http://127.0.0.1:{_free_port()}"
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 503
    assert _alert(response) == ("The TaskIP API is unavailable",
                                "The TaskIP API can't be reached right now. Try again in a moment.",
                                "/contacts/")


def test_live_failing_api_gives_503(start_sandbox, settings, login_as, backoff_waits):
    server = start_sandbox(fail_rate=1.0)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 503
    assert _alert(response)[0] == "The TaskIP API is unavailable"
    assert len(backoff_waits) == 2  # tried three times, backing off between
    assert [call.status for call in server.api_calls()] == [503, 503, 503]


def test_live_slow_api_gives_504(start_sandbox, settings, login_as, backoff_waits):
    server = start_sandbox(latency_ms=3000)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_TIMEOUT = (0.5, 0.3)
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 504
    assert _alert(response)[0] == "The TaskIP API is not answering"
    assert len(backoff_waits) == 2


def test_live_rejected_key_says_an_administrator_must_fix_it(shared_api, settings, login_as):
    settings.TASKIP_SECRET_KEY = "wrong-key-123"
    response = login_as("viewer").get("/contacts/")
    assert response.status_code == 502
    title, explanation, _ = _alert(response)
    assert title == "The dashboard's API key was rejected" and "administrator" in explanation
    assert "wrong-key-123" not in response.content.decode()


def test_live_rate_limited_api_says_when_to_retry(start_sandbox, settings, login_as):
    server = start_sandbox(rate_limit=2)
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_USER_SHARE = 1.0  # one user may spend the sandbox's whole window
    client = login_as("viewer")
    statuses = [client.get(f"/contacts/?search=a{n}").status_code for n in range(2)]
    assert statuses == [200, 200]
    # Another user: the first one has used their share of the dashboard's own budget.
    limited = login_as("editor").get("/contacts/?search=b")
    assert limited.status_code == 429
    assert _alert(limited)[0] == "Too many requests to TaskIP"
    assert "Try again in" in _alert(limited)[1]
    assert int(limited["Retry-After"]) > 0

