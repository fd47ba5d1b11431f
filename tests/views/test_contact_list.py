import re
import time

import requests

from contacts import taskip


def _names(html: str) -> list[str]:
    return re.findall(r'<td class="name"[^>]*><a href="/contacts/\d+/[^"]*">([^<]+)</a></td>', html)


def test_list_shows_a_page_of_contacts_with_totals(shared_api, login_as):
    response = login_as("viewer").get("/contacts/?limit=20")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(_names(html)) == 20
    assert "200 contacts" in html and "page 1 of 10" in html
    assert 'aria-label="Pagination"' in html


def test_list_view_makes_exactly_one_api_call(api, login_as):
    client = login_as("viewer")
    before = len(api.api_calls())
    client.get("/contacts/?search=a&sort=email&order=desc&page=2")
    calls = api.api_calls()[before:]
    assert [(method, path.split("?")[0]) for method, path, _ in calls] == [
        ("GET", "/api/public-v1/contact")
    ]
    assert "sort=email" in calls[0][1] and "order=desc" in calls[0][1] and "page=2" in calls[0][1]


def test_search_sort_and_order_reach_the_api(shared_api, login_as):
    html = login_as("viewer").get("/contacts/?sort=email&order=desc&limit=100").content.decode()
    emails = re.findall(r"<td[^>]*>([^<@\s]+@[^<\s]+)</td>", html)
    assert emails == sorted(emails, key=str.lower, reverse=True)
    assert 'aria-sort="descending"' in html


def test_htmx_search_answers_with_the_results_partial_only(shared_api, login_as):
    client = login_as("viewer")
    full = client.get("/contacts/")
    partial = client.get(
        "/contacts/?search=son", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body and 'id="results"' in body
    assert partial["HX-Push-Url"] == "/contacts/?search=son"
    assert len(partial.content) < len(full.content) / 2
    assert "HX-Request" in partial["Vary"]


def test_no_match_offers_to_clear_the_search(shared_api, login_as):
    html = login_as("viewer").get("/contacts/?search=zzzznotaname").content.decode()
    assert "No contacts match “zzzznotaname”" in html
    assert "Clear search" in html


def test_unknown_parameters_fall_back_to_defaults(shared_api, login_as):
    response = login_as("viewer").get("/contacts/?sort=evil&order=sideways&limit=7&page=-3")
    assert response.status_code == 200
    assert len(_names(response.content.decode())) == 50


def test_page_past_the_end_shows_the_last_page(shared_api, login_as):
    html = login_as("viewer").get("/contacts/?page=99&limit=50").content.decode()
    assert "page 4 of 4" in html


def test_bulk_delete_asks_first_then_deletes_exactly_the_selection(api, login_as):
    client = login_as("admin")
    ids = [1, 2, 3]
    confirm = client.post("/contacts/bulk-delete/", {"contact_ids": ids, "search": "a"})
    assert confirm.status_code == 200
    assert "Delete 3 contacts?" in confirm.content.decode()
    assert taskip.get_contact(contact_id=1).id == 1  # nothing deleted yet

    done = client.post(
        "/contacts/bulk-delete/",
        {"contact_ids": ids, "confirmed": "1", "sort": "email", "order": "desc"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/contacts/?sort=email&order=desc"
    page = client.get(done["Location"]).content.decode()
    assert "3 contacts deleted" in page
    headers = {"X-Secret-Key": api.secret_key}
    for contact_id in ids:
        r = requests.get(
            f"{api.url}/api/public-v1/contact/{contact_id}", headers=headers, timeout=5
        )
        assert r.status_code == 404
    assert requests.get(f"{api.url}/api/public-v1/contact/4", headers=headers, timeout=5).ok


def test_htmx_bulk_delete_rerenders_the_list_and_closes_the_dialog(api, login_as):
    client = login_as("admin")
    response = client.post(
        "/contacts/bulk-delete/",
        {"contact_ids": [5, 6], "confirmed": "1", "limit": "20"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#results"
    assert "dialog:close" in response["HX-Trigger"]
    assert "2 contacts deleted" in body and 'hx-swap-oob="innerHTML"' in body
    assert "198 contacts" in body


def test_select_all_matching_deletes_every_match_across_pages(api, login_as):
    client = login_as("admin")
    matching = taskip.contact_ids_matching(search="a")
    assert len(matching) > 100
    confirm = client.post("/contacts/bulk-delete/", {"select_all": "1", "search": "a"})
    assert f"Delete {len(matching)} contacts?" in confirm.content.decode()
    before = len(api.api_calls())
    client.post(
        "/contacts/bulk-delete/",
        {"select_all": "1", "search": "a", "confirmed": "1", "count": str(len(matching))},
    )
    calls = [(m, p.split("?")[0]) for m, p, _ in api.api_calls()[before:]]
    assert calls.count(("POST", "/api/public-v1/contact/bulk-delete")) == 1
    assert taskip.contact_ids_matching(search="a") == []
    assert taskip.list_contacts(limit=1).total == 200 - len(matching)


def test_bulk_delete_with_nothing_selected_says_so(api, login_as):
    response = login_as("admin").post("/contacts/bulk-delete/", {"confirmed": "1"}, follow=True)
    assert "Select at least one contact" in response.content.decode()


def test_single_delete_confirms_then_deletes(api, login_as):
    client = login_as("admin")
    confirm = client.post("/contacts/7/delete/", {"search": "x"})
    assert "Delete contact" in confirm.content.decode()
    done = client.post("/contacts/7/delete/", {"confirmed": "1", "search": "x"})
    assert done["Location"] == "/contacts/?search=x"
    r = requests.get(
        f"{api.url}/api/public-v1/contact/7", headers={"X-Secret-Key": api.secret_key}, timeout=5
    )
    assert r.status_code == 404


def test_identical_reads_within_a_second_make_one_api_call(api, login_as):
    client = login_as("viewer")
    before = len(api.api_calls())
    for _ in range(3):
        assert client.get("/contacts/?search=son").status_code == 200
    assert len(api.api_calls()) - before == 1


def test_own_writes_are_never_hidden_by_the_read_memo(api, login_as):
    client = login_as("admin")
    assert "Jane Smith" in client.get("/contacts/?search=smith").content.decode()
    client.post("/contacts/bulk-delete/", {"contact_ids": [2], "confirmed": "1"})
    assert "Jane Smith" not in client.get("/contacts/?search=smith").content.decode()



def test_two_staff_opening_the_same_page_share_one_api_call(api, login_as):
    viewer, editor = login_as("viewer"), login_as("editor")
    before = len(api.api_calls())
    assert viewer.get("/contacts/?search=son").status_code == 200
    assert editor.get("/contacts/?search=son").status_code == 200
    assert len(api.api_calls()) - before == 1


def test_a_cached_list_expires_after_its_lifetime(api, login_as, monkeypatch):
    client = login_as("viewer")
    client.get("/contacts/?search=son")
    before = len(api.api_calls())
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 1.5)  # past the 1 s lifetime
    client.get("/contacts/?search=son")
    assert len(api.api_calls()) - before == 1


def test_a_write_by_anyone_retires_every_cached_list(api, login_as):
    viewer, admin = login_as("viewer"), login_as("admin")
    assert "Jane Smith" in viewer.get("/contacts/?search=smith").content.decode()
    admin.post("/contacts/bulk-delete/", {"contact_ids": [2], "confirmed": "1"})
    assert "Jane Smith" not in viewer.get("/contacts/?search=smith").content.decode()


def test_the_cache_can_be_turned_off(api, login_as, settings):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0
    client = login_as("viewer")
    before = len(api.api_calls())
    client.get("/contacts/?search=son")
    client.get("/contacts/?search=son")
    assert len(api.api_calls()) - before == 2


def test_select_all_deletes_nothing_if_the_matches_changed_since_the_dialog(api, login_as):
    client = login_as("admin")
    confirm = client.post("/contacts/bulk-delete/", {"select_all": "1", "search": "smith"})
    count = confirm.context["count"]
    taskip.create_contact(fields={"first_name": "New", "last_name": "Smith", "email": "n@s.org"})
    again = client.post(
        "/contacts/bulk-delete/",
        {"select_all": "1", "search": "smith", "confirmed": "1", "count": str(count)},
    )
    assert again.status_code == 409
    assert again.context["count"] == count + 1
    assert len(taskip.contact_ids_matching(search="smith")) == count + 1


def test_expired_session_sends_htmx_to_the_login_page_whole(db):
    from django.test import Client

    response = Client().get(
        "/contacts/?search=x",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/?page=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcontacts%2F%3Fpage%3D2"
