"""The contact list: paging, search, sort, htmx partials, the list cache, deleting from the list.

Most tests run on the in-process fake (`fake_taskip`); those named "live" talk to a sandbox.
"""

import time

import pytest
from django.test import Client

from contacts import list_cache
from tests.views.dom import Page, as_post, attrs, text, triggered
from tests.views.fake_taskip import Call

HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def _names(response) -> list[str]:
    return [row["Name"] for row in Page(response).rows()]


def _sort_headers(page: Page) -> dict[str, dict]:
    return {text(th): {"aria-sort": attrs(th).get("aria-sort"), "href": page.links(within=th)}
            for th in page.find_all("th", scope="col")}  # fmt: skip


# ---- reading -----------------------------------------------------------------------------------


def test_list_shows_a_page_of_contacts_with_totals(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?limit=20")
    page = Page(response)
    assert response.status_code == 200
    expected = [c.full_name for c in list(fake_taskip.contacts.values())[:20]]
    assert _names(response) == expected
    assert page.name_of(page.table()) == "200 contacts, page 1 of 10"
    nav = page.by_role("navigation", "Pagination")
    assert page.link("Next page", within=nav)["href"] == "/contacts/?page=2&limit=20"
    assert page.all_by_role("link", "Previous page") == []


def test_a_middle_page_links_both_ways_keeping_the_page_size(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?page=2&limit=20")
    page = Page(response)
    assert _names(response) == [fake_taskip.contacts[i].full_name for i in range(21, 41)]
    assert page.link("Previous page")["href"] == "/contacts/?limit=20"
    assert page.link("Next page")["href"] == "/contacts/?page=3&limit=20"
    assert page.name_of(page.table()) == "200 contacts, page 2 of 10"


def test_the_last_page_has_no_next_link(fake_taskip, login_as):
    page = Page(login_as("viewer").get("/contacts/?page=4"))
    assert page.all_by_role("link", "Next page") == []
    assert page.link("Previous page")["href"] == "/contacts/?page=3"


def test_rows_show_each_contacts_columns(fake_taskip, login_as):
    row = Page(login_as("viewer").get("/contacts/?search=john.doe")).rows()
    assert row == [{
        "Select": "", "Name": "John Doe", "Email": "john.doe@example.com",
        "Company": "Tech Solutions", "Position": "CEO", "Phone": "+1 555-0100", "Country": "",
        "Portal": "No", "Created": "2025-01-01", "Actions": "",
    }]  # fmt: skip


def test_list_makes_one_api_call_with_the_lists_state(fake_taskip, login_as):
    login_as("viewer").get("/contacts/?search=a&sort=email&order=desc&page=2")
    assert fake_taskip.calls == [
        Call("list_contacts", {"page": 2, "limit": 50, "search": "a", "sort": "email",
                               "order": "desc"}),
    ]  # fmt: skip


def test_each_row_matches_the_search(fake_taskip, login_as):
    rows = Page(login_as("viewer").get("/contacts/?search=SMITH&limit=100")).rows()
    assert [r["Name"] for r in rows] == ["Jane Smith"]
    rows = Page(login_as("editor").get("/contacts/?search=an&limit=100")).rows()
    assert len(rows) > 20
    assert all("an" in (r["Name"] + " " + r["Email"]).casefold() for r in rows)


def test_sorted_column_says_so_and_its_header_flips_the_order(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?sort=email&order=desc&search=an")
    headers = _sort_headers(Page(response))
    assert headers["Email"] == {"aria-sort": "descending",
                                "href": ["/contacts/?search=an&sort=email&order=asc"]}
    assert headers["Name"] == {"aria-sort": "none",
                               "href": ["/contacts/?search=an&sort=name&order=asc"]}
    assert headers["Created"]["aria-sort"] == "none"
    emails = [row["Email"] for row in Page(response).rows()]
    assert emails == sorted(emails, reverse=True) and len(emails) > 1


def test_ascending_sort_header_offers_descending(fake_taskip, login_as):
    headers = _sort_headers(Page(login_as("viewer").get("/contacts/?sort=name&order=asc")))
    assert headers["Name"] == {"aria-sort": "ascending",
                               "href": ["/contacts/?sort=name&order=desc"]}


def test_sorting_keeps_search_and_page_size_and_resets_page(fake_taskip, login_as):
    page = Page(login_as("viewer").get("/contacts/?search=an&page=2&limit=20"))
    assert _sort_headers(page)["Created"]["href"] == [
        "/contacts/?search=an&sort=created_at&order=asc&limit=20"
    ]


def test_search_keeps_sort_and_resets_page(fake_taskip, login_as):
    url = "/contacts/?search=an&sort=email&order=desc&page=2&limit=20"
    page = Page(login_as("viewer").get(url))
    search_form = page.form(id="contact-search")
    assert attrs(search_form)["method"] == "get" and attrs(search_form)["action"] == "/contacts/"
    assert page.form_data(search_form) == [
        ("search", "an"), ("limit", "20"), ("sort", "email"), ("order", "desc"),
    ]
    assert page.field("Search contacts")["value"] == "an"


def test_htmx_search_answers_with_the_results_partial_only(fake_taskip, login_as):
    client = login_as("viewer")
    full = client.get("/contacts/")
    partial = client.get("/contacts/?search=son", headers=HTMX_RESULTS)
    page = Page(partial)
    assert partial.status_code == 200
    assert page.find_all("html") == [] and page.find_all("form", id="contact-search") == []
    top = [c for c in page.root.children if not isinstance(c, str)]
    assert attrs(top[0])["id"] == "results"
    assert partial["HX-Push-Url"] == "/contacts/?search=son"
    assert len(partial.content) < len(full.content) / 2
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in partial["Vary"].split(",")}
    assert all("son" in (r["Name"] + r["Email"]).casefold() for r in page.rows())


@pytest.mark.parametrize(
    "headers",
    [
        {"HX-Request": "true", "HX-Target": "main"},
        {"HX-Request": "true", "HX-Target": "results", "HX-History-Restore-Request": "true"},
    ],
    ids=["another target", "history restore"],
)
def test_other_htmx_requests_get_the_whole_page(fake_taskip, login_as, headers):
    page = Page(login_as("viewer").get("/contacts/?search=son", headers=headers))
    assert len(page.find_all("html")) == 1
    assert page.find_all("form", id="contact-search")


def test_no_match_offers_to_clear_the_search_keeping_the_sort(fake_taskip, login_as):
    page = Page(login_as("viewer").get("/contacts/?search=zzzznotaname&sort=name&order=desc"))
    assert "No contacts match “zzzznotaname”." in page.text
    assert page.link("Clear search")["href"] == "/contacts/?sort=name&order=desc"
    assert page.find_all("table") == []


def test_an_empty_list_offers_the_first_contact_to_those_who_may_add(fake_taskip, login_as):
    fake_taskip.contacts.clear()
    editor = Page(login_as("editor").get("/contacts/"))
    assert "There are no contacts yet." in editor.text
    assert editor.link("Add the first contact")["href"] == "/contacts/new/"
    viewer = Page(login_as("viewer").get("/contacts/"))
    assert viewer.all_by_role("link", "Add the first contact") == []


def test_unknown_parameters_fall_back_to_defaults(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?sort=evil&order=sideways&limit=7&page=-3")
    assert response.status_code == 200
    assert fake_taskip.calls_to("list_contacts") == [
        {"page": 1, "limit": 50, "search": None, "sort": None, "order": None}
    ]
    assert len(_names(response)) == 50


def test_page_past_the_end_shows_the_last_page(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?page=99&limit=50")
    assert [c["page"] for c in fake_taskip.calls_to("list_contacts")] == [99, 4]
    page = Page(response)
    assert page.name_of(page.table()) == "200 contacts, page 4 of 4"
    assert _names(response)[-1] == fake_taskip.contacts[200].full_name


def test_a_page_that_exists_is_fetched_once(fake_taskip, login_as):
    login_as("viewer").get("/contacts/?search=zzzznotaname")
    assert [c["page"] for c in fake_taskip.calls_to("list_contacts")] == [1]


def test_the_second_page_past_the_end_falls_back_to_the_first(fake_taskip, login_as):
    response = login_as("viewer").get("/contacts/?search=smith&page=2")
    assert [c["page"] for c in fake_taskip.calls_to("list_contacts")] == [2, 1]
    assert _names(response) == ["Jane Smith"]


def test_a_long_search_is_trimmed_to_what_taskip_accepts(fake_taskip, login_as):
    typed = "x" * 195
    response = login_as("viewer").get(f"/contacts/?search={typed}")
    assert response.status_code == 200
    assert [c["search"] for c in fake_taskip.calls_to("list_contacts")] == ["x" * 191]


# ---- the list cache ----------------------------------------------------------------------------


def test_identical_reads_share_one_api_call(fake_taskip, login_as):
    client = login_as("viewer")
    pages = [_names(client.get("/contacts/?search=son")) for _ in range(3)]
    assert len(fake_taskip.calls_to("list_contacts")) == 1
    assert pages[0] == pages[1] == pages[2] and pages[0]


def test_two_staff_opening_the_same_page_share_one_api_call(fake_taskip, login_as):
    viewer, editor = login_as("viewer"), login_as("editor")
    assert viewer.get("/contacts/?search=son").status_code == 200
    assert editor.get("/contacts/?search=son").status_code == 200
    assert len(fake_taskip.calls_to("list_contacts")) == 1


def test_different_queries_are_cached_apart(fake_taskip, login_as):
    client = login_as("viewer")
    for url in ("/contacts/?search=son", "/contacts/?search=an", "/contacts/?search=son&page=2",
                "/contacts/?search=son&sort=name&order=asc", "/contacts/?search=son&limit=20"):
        client.get(url)
    assert len(fake_taskip.calls_to("list_contacts")) == 5


def test_a_cached_list_expires_after_its_lifetime(fake_taskip, login_as, settings, monkeypatch):
    settings.CONTACTS_LIST_MEMO_SECONDS = 30
    client = login_as("viewer")
    client.get("/contacts/?search=son")
    client.get("/contacts/?search=son")
    assert len(fake_taskip.calls_to("list_contacts")) == 1
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 31)  # past the lifetime
    client.get("/contacts/?search=son")
    assert len(fake_taskip.calls_to("list_contacts")) == 2


def test_the_cache_can_be_turned_off(fake_taskip, login_as, settings):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0
    client = login_as("viewer")
    client.get("/contacts/?search=son")
    client.get("/contacts/?search=son")
    assert len(fake_taskip.calls_to("list_contacts")) == 2


def test_a_write_by_anyone_retires_every_cached_list(fake_taskip, login_as):
    viewer, admin = login_as("viewer"), login_as("admin")
    assert _names(viewer.get("/contacts/?search=smith")) == ["Jane Smith"]
    admin.post("/contacts/bulk-delete/", {"contact_ids": [2], "confirmed": "1"})
    assert _names(viewer.get("/contacts/?search=smith")) == []
    assert len(fake_taskip.calls_to("list_contacts")) == 2


def test_own_write_is_seen_even_where_the_cache_missed_the_retirement(fake_taskip, login_as):
    # Another process with its own local cache never sees the version bump; the writer's
    # session stamp must still make that user's next list fresh.
    from django.core.cache import cache

    admin = login_as("admin")
    assert _names(admin.get("/contacts/?search=smith")) == ["Jane Smith"]
    version = cache.get(list_cache.VERSION_KEY)
    admin.post("/contacts/2/delete/", {"confirmed": "1"})
    cache.set(list_cache.VERSION_KEY, version, None)  # as if the bump never reached this cache
    assert _names(admin.get("/contacts/?search=smith")) == []


# ---- deleting from the list ----------------------------------------------------------------------


def test_bulk_delete_asks_first_then_deletes_exactly_the_selection(
    fake_taskip, login_as, audit_entries
):
    client = login_as("admin")
    confirm = client.post("/contacts/bulk-delete/", {"contact_ids": [3, 1, 2], "search": "a"})
    dialog = Page(confirm)
    assert confirm.status_code == 200
    assert dialog.by_role("dialog", "Delete 3 contacts?")
    assert fake_taskip.writes() == []
    sent = dialog.form_data(dialog.form(action="/contacts/bulk-delete/"))
    assert sorted(sent) == sorted([("search", "a"), ("contact_ids", "1"), ("contact_ids", "2"),
                                   ("contact_ids", "3"), ("confirmed", "1"),
                                   ("csrfmiddlewaretoken", dict(sent)["csrfmiddlewaretoken"])])

    done = client.post("/contacts/bulk-delete/", as_post(sent))
    assert done.status_code == 302
    assert done["Location"] == "/contacts/?search=a"
    assert fake_taskip.calls_to("bulk_delete_contacts") == [
        {"contact_ids": [1, 2, 3], "batch_size": 1000}
    ]
    assert not {1, 2, 3} & set(fake_taskip.contacts) and 4 in fake_taskip.contacts
    assert Page(client.get(done["Location"])).messages() == ["3 contacts deleted"]
    assert audit_entries() == [("admin-user", "bulk_delete", [1, 2, 3], [], "success", "")]


def test_htmx_asks_in_a_dialog_fragment(fake_taskip, login_as):
    response = login_as("admin").post("/contacts/bulk-delete/", {"contact_ids": [1, 2]},
                                      headers={"HX-Request": "true"})
    page = Page(response)
    assert page.find_all("html") == []
    dialog = page.by_role("dialog", "Delete 2 contacts?")
    assert "open" not in attrs(dialog)  # app.js opens it as a modal


def test_without_javascript_asks_on_a_whole_page(fake_taskip, login_as):
    page = Page(login_as("admin").post("/contacts/bulk-delete/", {"contact_ids": [1, 2]}))
    assert len(page.find_all("html")) == 1
    assert "open" in attrs(page.by_role("dialog", "Delete 2 contacts?"))


def test_one_contact_deleted_is_said_in_the_singular(fake_taskip, login_as):
    client = login_as("admin")
    done = client.post("/contacts/bulk-delete/", {"contact_ids": [4], "confirmed": "1"})
    assert Page(client.get(done["Location"])).messages() == ["1 contact deleted"]


def test_htmx_bulk_delete_rerenders_the_list_and_closes_the_dialog(fake_taskip, login_as):
    response = login_as("admin").post(
        "/contacts/bulk-delete/",
        {"contact_ids": [5, 6], "confirmed": "1", "limit": "20"},
        headers={"HX-Request": "true"},
    )
    page = Page(response)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#results" and response["HX-Reswap"] == "outerHTML"
    assert triggered(response) == {"dialog:close"}
    assert page.messages() == ["2 contacts deleted"]
    assert attrs(page.by_id("messages"))["hx-swap-oob"] == "innerHTML"
    assert page.name_of(page.table()) == "198 contacts, page 1 of 10"


def test_select_all_matching_deletes_every_match(fake_taskip, login_as, audit_entries):
    client = login_as("admin")
    def matches(contact):
        return "an" in contact.full_name.casefold() or "an" in contact.email

    matching = [c.id for c in fake_taskip.contacts.values() if matches(c)]
    confirm = Page(client.post("/contacts/bulk-delete/",
                               {"select_all": "1", "search": "an", "sort": "name"}))
    assert confirm.by_role("dialog", f"Delete {len(matching)} contacts?")
    assert fake_taskip.calls_to("list_contacts") == [
        {"page": 1, "limit": 1, "search": "an", "sort": None, "order": None}
    ]
    sent = confirm.form_data(confirm.form(action="/contacts/bulk-delete/"))
    assert ("select_all", "1") in sent and ("count", str(len(matching))) in sent

    client.post("/contacts/bulk-delete/", as_post(sent))
    assert fake_taskip.calls_to("contact_ids_matching") == [
        {"search": "an", "sort": "name", "order": "asc", "page_size": 100}
    ]
    [deleted] = fake_taskip.calls_to("bulk_delete_contacts")
    assert sorted(deleted["contact_ids"]) == sorted(matching)
    assert not any(matches(c) for c in fake_taskip.contacts.values())
    assert len(fake_taskip.contacts) == 200 - len(matching)
    [entry] = audit_entries()
    assert entry[1] == "bulk_delete" and entry[2] == sorted(matching) and entry[4] == "success"


def test_select_all_deletes_nothing_if_the_matches_changed_since_the_dialog(
    fake_taskip, login_as
):
    client = login_as("admin")
    confirm = Page(client.post("/contacts/bulk-delete/", {"select_all": "1", "search": "smith"}))
    sent = confirm.form_data(confirm.form(action="/contacts/bulk-delete/"))
    assert ("count", "1") in sent
    fake_taskip.add("New", "Smith", email="n@s.org")
    again = client.post("/contacts/bulk-delete/", as_post(sent))
    page = Page(again)
    assert again.status_code == 409
    assert page.by_role("dialog", "Delete 2 contacts?")
    assert ("count", "2") in page.form_data(page.form(action="/contacts/bulk-delete/"))
    assert "The matching contacts changed; check the new count." in page.messages()
    assert fake_taskip.calls_to("bulk_delete_contacts") == []


def test_bulk_delete_with_nothing_selected_says_so(fake_taskip, login_as):
    client = login_as("admin")
    response = client.post("/contacts/bulk-delete/", {"confirmed": "1", "search": "x"})
    assert response["Location"] == "/contacts/?search=x"
    assert Page(client.get(response["Location"])).messages() == [
        "Select at least one contact to delete."
    ]
    assert fake_taskip.writes() == []


def test_bulk_delete_of_ids_that_cannot_exist_makes_no_api_call(fake_taskip, login_as):
    client = login_as("admin")
    for confirmed in ("", "1"):
        response = client.post(
            "/contacts/bulk-delete/", {"contact_ids": ["0", "-5", "x"], "confirmed": confirmed}
        )
        assert response.status_code == 302
    assert fake_taskip.calls == []


def test_single_delete_confirms_then_deletes(fake_taskip, login_as, audit_entries):
    client = login_as("admin")
    name = fake_taskip.contacts[7].full_name
    confirm = client.post("/contacts/7/delete/", {"search": "x"})
    dialog = Page(confirm)
    assert dialog.by_role("dialog", f"Delete {name}?")
    assert fake_taskip.writes() == []
    sent = dialog.form_data(dialog.form(action="/contacts/7/delete/"))
    assert ("confirmed", "1") in sent and ("search", "x") in sent
    assert dialog.link("Cancel")["href"] == "/contacts/7/?search=x"
    done = client.post("/contacts/7/delete/", as_post(sent))
    assert done["Location"] == "/contacts/?search=x"
    assert fake_taskip.calls_to("delete_contact") == [{"contact_id": 7}]
    assert 7 not in fake_taskip.contacts
    assert Page(client.get(done["Location"])).messages() == ["1 contact deleted"]
    assert audit_entries() == [("admin-user", "delete", [7], [], "success", "")]


def test_deleting_from_a_list_row_stays_on_the_list(fake_taskip, login_as):
    client = login_as("admin")
    list_page = Page(client.get("/contacts/?search=jane"))
    delete = list_page.button("Delete Jane Smith")
    assert attrs(delete)["formaction"] == "/contacts/2/delete/"
    dialog = Page(client.post("/contacts/2/delete/", {"from": "list", "search": "jane"},
                              headers={"HX-Request": "true"}))
    assert dialog.find_all("html") == []
    assert dialog.link("Cancel")["href"] == "/contacts/?search=jane"
    form = dialog.form(action="/contacts/2/delete/")
    assert attrs(form)["hx-post"] == "/contacts/2/delete/"
    done = client.post("/contacts/2/delete/", as_post(dialog.form_data(form)),
                       headers={"HX-Request": "true"})
    assert done["HX-Retarget"] == "#results"
    assert Page(done).rows() == [] and Page(done).messages() == ["1 contact deleted"]


# ---- sessions ----------------------------------------------------------------------------------


def test_expired_session_sends_htmx_to_the_login_page_whole(db):
    response = Client().get(
        "/contacts/?search=x",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/?page=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcontacts%2F%3Fpage%3D2"


def test_a_malformed_current_url_still_gets_the_login_page(db):
    response = Client().get(
        "/contacts/", headers={"HX-Request": "true", "HX-Current-URL": "http://[bad/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcontacts%2F"


# ---- the same against the live service ---------------------------------------------------------


def test_live_list_page_is_one_api_call_carrying_the_state(shared_api, login_as):
    before = len(shared_api.api_calls())
    login_as("viewer").get("/contacts/?search=a&sort=email&order=desc&page=2")
    [call] = shared_api.api_calls()[before:]
    assert call.method == "GET" and call.path.split("?")[0] == "/api/public-v1/contact"
    sent = dict(pair.split("=") for pair in call.path.split("?")[1].split("&"))
    assert sent == {"page": "2", "limit": "50", "search": "a", "sort": "email", "order": "desc"}


@pytest.mark.parametrize("term", ["son", "SMITH", "example.org"])
def test_live_rows_each_match_the_search(shared_api, login_as, term):
    rows = Page(login_as("viewer").get(f"/contacts/?search={term}&limit=100")).rows()
    assert rows
    assert all(term.casefold() in (r["Name"] + " " + r["Email"]).casefold() for r in rows)


def test_live_rows_come_in_the_order_asked_for(shared_api, login_as):
    rows = Page(login_as("viewer").get("/contacts/?sort=email&order=desc&limit=100")).rows()
    emails = [r["Email"] for r in rows]
    assert len(emails) == 100 and emails == sorted(emails, key=str.lower, reverse=True)


def test_live_select_all_matching_deletes_every_match_across_pages(api, login_as):
    client = login_as("admin")
    raw = api.session()
    matching = raw.get(f"{api.api_url}/contact", params={"search": "a", "limit": 1},
                       timeout=5).json()["meta"]["total"]
    assert matching > 100  # more than one page of ids to walk
    confirm = Page(client.post("/contacts/bulk-delete/", {"select_all": "1", "search": "a"}))
    assert confirm.by_role("dialog", f"Delete {matching} contacts?")
    before = len(api.api_calls())
    sent = confirm.form_data(confirm.form(action="/contacts/bulk-delete/"))
    client.post("/contacts/bulk-delete/", as_post(sent))
    calls = [(m, p.split("?")[0]) for m, p, _ in api.api_calls()[before:]]
    assert calls.count(("POST", "/api/public-v1/contact/bulk-delete")) == 1
    left = raw.get(f"{api.api_url}/contact", params={"search": "a"}, timeout=5).json()
    assert left["meta"]["total"] == 0
    everyone = raw.get(f"{api.api_url}/contact", params={"limit": 1}, timeout=5).json()
    assert everyone["meta"]["total"] == 200 - matching

