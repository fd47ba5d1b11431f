"""The parts of the list page around the rows, on the fake: who may tick rows, the rows' links
under a shared answer, the column chooser, the saved-views menu and the clear-search link.
(The mutation run found each of these unchecked by the tests that run without a sandbox.)"""

from dataclasses import replace

import pytest
from django.contrib.auth.models import User

from contacts import list_columns, taskip
from contacts.models import SavedView
from tests.views.dom import Page, attrs

MENU = {"HX-Request": "true", "HX-Target": "saved-view-menu"}


def _names(page: Page) -> list[str]:
    return [row["Name"] for row in page.rows()]


@pytest.mark.parametrize("action", ["delete", "invite", "change"])
def test_each_bulk_permission_alone_makes_rows_tickable(fake_taskip, login_with, action):
    client = login_with("contacts.view_contact", f"contacts.{action}_contact")
    page = Page(client.get("/contacts/"))
    first = page.rows()[0]["Name"]
    assert page.checkbox(f"Select {first}") is not None
    assert page.checkbox("Select all contacts on this page") is not None


def test_viewing_alone_ticks_nothing(fake_taskip, login_with):
    page = Page(login_with("contacts.view_contact").get("/contacts/"))
    assert page.all_by_role("checkbox", lambda name: name.startswith("Select")) == []


def test_the_same_answer_under_two_searches_links_back_to_each(fake_taskip, login_as):
    """TaskIP's answer to "smith" and to "SMITH" is the same, so the rows are cached once;
    each row's link still carries the search it was reached by."""
    client = login_as("viewer")
    lower, upper = (Page(client.get(f"/contacts/?search={s}")) for s in ("smith", "SMITH"))
    assert _names(lower) == _names(upper) != []
    assert all(href.endswith("?search=smith")
               for href in lower.links(lambda n: n in _names(lower)))
    assert all(href.endswith("?search=SMITH")
               for href in upper.links(lambda n: n in _names(upper)))


def test_answers_without_a_fingerprint_show_their_own_rows(fake_taskip, login_as, monkeypatch):
    """An answer the client could not fingerprint (see ContactPage.fingerprint) is never
    cached: two such answers must not share their rows."""
    listed = taskip.list_contacts
    monkeypatch.setattr(taskip, "list_contacts",
                        lambda **query: replace(listed(**query), fingerprint=""))
    client = login_as("viewer")
    first, second = (fake_taskip.add(name, "Unique") for name in ("Aurelia", "Bertram"))
    assert _names(Page(client.get("/contacts/?search=aurelia"))) == [first.full_name]
    assert _names(Page(client.get("/contacts/?search=bertram"))) == [second.full_name]


def test_an_answer_seen_again_is_not_made_into_rows_again(fake_taskip, login_as, settings,
                                                          monkeypatch):
    """What is made from one answer is kept with it (contacts/list_cache.py): the same answer
    again, even with the list cache off, reuses its rows; a changed answer gets new ones."""
    settings.CONTACTS_LIST_MEMO_SECONDS = 0  # every view asks TaskIP
    made = []
    real_rows = list_columns.rows
    monkeypatch.setattr(list_columns, "rows",
                        lambda *args, **kwargs: made.append(1) or real_rows(*args, **kwargs))
    client = login_as("viewer")
    first = _names(Page(client.get("/contacts/?search=smith")))
    assert _names(Page(client.get("/contacts/?search=smith"))) == first != []
    assert len(made) == 1
    added = fake_taskip.add("Zebedee", "Smith")
    assert added.full_name in _names(Page(client.get("/contacts/?search=smith")))
    assert len(made) == 2
    assert _names(Page(login_as("admin").get("/contacts/?search=smith"))) != []
    assert len(made) == 3  # other permissions: other rows (other actions, ticks)


def test_rows_kept_for_one_choice_of_columns_never_show_under_another(fake_taskip, login_with):
    """Two custom columns, and one custom column whose name spells both: different rows."""
    two, one = (login_with("contacts.view_contact") for _ in range(2))
    two.post("/views/columns/", {"columns": ["custom_fields.x", "custom_fields.y"]})
    one.post("/views/columns/", {"columns": ["custom_fields.x,custom_fields.y"]})
    for client, headers in ((two, 4), (one, 3)):  # tick box, Name, the custom ones, Actions
        page = Page(client.get("/contacts/"))
        table = page.table()
        cells = [len(page.find_all("td", within=row)) + len(page.find_all("th", within=row))
                 for row in page.find_all("tr", within=table)]
        assert cells[0] == headers + 1 and set(cells) == {headers + 1}


def test_the_column_chooser_offers_the_standard_columns_and_the_pages_custom_fields(
    fake_taskip, login_as
):
    fake_taskip.add("Cordelia", "Unique", custom_fields={"Referral source": "fair"})
    page = Page(login_as("viewer").get("/contacts/?search=cordelia"))
    chooser = page.by_role("group", "Show columns")
    offered = [page.name_of(box) for box in page.all_by_role("checkbox", within=chooser)]
    assert "Email" in offered
    assert "Custom field “Referral source”" in offered


def test_a_chosen_custom_field_becomes_a_column(fake_taskip, login_as):
    fake_taskip.add("Desmond", "Unique", custom_fields={"Referral source": "fair"})
    client = login_as("viewer")
    client.post("/views/columns/", {"columns": ["email"], "custom_column": "Referral source"})
    [row] = Page(client.get("/contacts/?search=desmond")).rows()
    assert (row["Name"], row["Email"], row["Referral source"]) == (
        "Desmond Unique", "desmond.unique201@example.org", "fair")


def test_the_saved_views_menu_lists_ones_own_and_shared_views_only(fake_taskip, login_as):
    client = login_as("editor")
    me = User.objects.get(username="editor-user")
    someone = User.objects.create_user("someone-else")
    SavedView.objects.create(owner=me, name="My smiths", search="smith")
    SavedView.objects.create(owner=someone, name="Their private view")
    SavedView.objects.create(owner=someone, name="Team view", shared=True)
    page = Page(client.get("/views/", headers=MENU))
    menu = page.by_role("form", "Open a saved view")
    assert sorted(page.name_of(b) for b in page.all_by_role("button", within=menu)) == [
        "My smiths", "Team view"]
    assert page.headings() == []  # the menu's contents, not the saved-views page


def test_the_list_page_fills_its_saved_views_menu_when_it_opens(fake_taskip, login_as,
                                                                  django_assert_num_queries):
    """The menu is closed on most list pages, so they spend no query on it: it is fetched when
    first opened, from the URL its slot names, as the menu's own htmx target."""
    client = login_as("editor")
    SavedView.objects.create(owner=User.objects.get(username="editor-user"), name="Mine")
    client.get("/contacts/")
    with django_assert_num_queries(3):  # session, user and their permissions: no saved views
        page = Page(client.get("/contacts/"))
    slot = attrs(page.by_id("saved-view-menu"))
    assert (slot["hx-get"], slot["hx-target"], slot["hx-swap"]) == ("/views/", "this", "innerHTML")
    assert slot["hx-trigger"] == "toggle once from:closest details"
    assert page.all_by_role("button", "Mine") == []
    menu = client.get(slot["hx-get"], headers=MENU)
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in menu["Vary"].split(",")}
    assert [Page(menu).name_of(b) for b in Page(menu).all_by_role("button")] == ["Mine"]


def test_an_empty_saved_views_menu_says_so(fake_taskip, login_as):
    page = Page(login_as("viewer").get("/views/", headers=MENU))
    assert page.text == "No saved views yet."


@pytest.mark.parametrize(("role", "offered"), [("admin", True), ("editor", False)])
def test_only_contact_admins_are_offered_to_share_a_view(fake_taskip, login_as, role, offered):
    page = Page(login_as(role).get("/contacts/"))
    assert bool(page.all_by_role("checkbox", "Share with everyone")) is offered


def test_clearing_a_search_goes_back_to_the_first_page(fake_taskip, login_as, monkeypatch):
    """TaskIP may count no pages at all for an empty result, so the list stays on the page it
    was asked for; clearing the search must not keep that page."""
    listed = taskip.list_contacts

    def no_pages_when_empty(**query):
        page = listed(**query)
        return replace(page, total_pages=0) if not page.total else page

    monkeypatch.setattr(taskip, "list_contacts", no_pages_when_empty)
    page = Page(login_as("viewer").get("/contacts/?search=nobody-by-this-name&page=3"))
    assert page.link("Clear search")["href"] == "/contacts/"
