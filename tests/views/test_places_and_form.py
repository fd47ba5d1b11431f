"""Place names learnt from answers already read, and the contact form's error summary."""

from dataclasses import replace

import pytest

from contacts import places, taskip
from tests.views.dom import Page, attrs, text
from tests.views.test_contact_forms import _edit_form


def test_the_edit_form_offers_places_the_list_named_without_asking_the_api_more(api, login_as):
    client = login_as("editor")
    client.get("/contacts/?limit=100")
    before = len(api.api_calls())
    html = client.get("/contacts/1/edit/").content.decode()
    calls = [path.split("?")[0] for _, path, _ in api.api_calls()[before:]]
    assert calls == ["/api/public-v1/contact/1", "/api/public-v1/company"]
    for name in ("Germany", "Nigeria", "United States"):
        assert f">{name}</option>" in html
    assert '<option value="another">Another country (type its ID)</option>' in html


def test_a_typed_place_id_wins_and_another_without_an_id_is_an_error(api, login_as):
    client = login_as("editor")
    _, data = _edit_form(client, 2, country_id="another", country_id_other="3")
    assert client.post("/contacts/2/edit/", data).status_code == 302
    assert taskip.get_contact(contact_id=2).country_id == 3

    _, data = _edit_form(client, 2, country_id="another")
    response = client.post("/contacts/2/edit/", data)
    assert response.status_code == 422
    assert response.context["form"].errors["country_id_other"]


def test_a_name_the_answer_left_out_is_filled_from_places_seen(db):
    contact = taskip.Contact(id=9, first_name="A", last_name="B", full_name="A B", email="a@b.c",
                             country_id=4, country="Germany", city_id=70, city="Berlin")
    places.remember([contact])
    bare = replace(contact, country=None, city=None, state_id=99)
    (filled,) = places.with_names([bare])
    assert (filled.country, filled.city, filled.state) == ("Germany", "Berlin", None)
    assert places.choices("state", current=99) == [(99, "ID 99 (name not known yet)")]


def test_a_failed_save_has_a_summary_linking_each_error_to_its_field(api, login_as):
    client = login_as("editor")
    _, data = _edit_form(client, 2, first_name="", email="nope")
    data["custom_key"] = ["", "tier"]
    data["custom_value"] = ["orphan", "gold"]
    html = client.post("/contacts/2/edit/", data).content.decode()
    assert 'role="alert"' in html and "There is a problem" in html
    assert '<a href="#id_first_name">First name: This field is required.</a>' in html
    assert '<a href="#id_email">Email: Enter a valid email address.</a>' in html
    assert '<a href="#custom-fields">The value “orphan” needs a name.</a>' in html
    assert "Fix the custom fields below." not in html


# ---- the same on the in-process fake (the fast tests make mutate runs) ---------------------------


def _places(page: Page, kind: str) -> list[tuple[str, str, bool]]:
    return page.options(page.find("select", name=f"{kind}_id"))


def test_the_edit_form_offers_the_places_seen_so_far_and_another(fake_taskip, login_as):
    munich = fake_taskip.add("Ann", "Lee", country_id=4, country="Germany", state_id=9,
                             state="Bavaria", city_id=70, city="Munich")
    vienna = fake_taskip.add("Bo", "Berg", country_id=2, country="Austria", city_id=71)
    client = login_as("editor")
    client.get(f"/contacts/{munich.id}/edit/")
    page = Page(client.get(f"/contacts/{vienna.id}/edit/"))
    assert _places(page, "country") == [
        ("", "—", False), ("2", "Austria", True), ("4", "Germany", False),
        ("another", "Another country (type its ID)", False)]
    assert _places(page, "city") == [
        ("", "—", False), ("70", "Munich", False), ("71", "ID 71 (name not known yet)", True),
        ("another", "Another city (type its ID)", False)]
    assert _places(page, "state") == [
        ("", "—", True), ("9", "Bavaria", False), ("another", "Another state (type its ID)", False)]


def test_a_typed_place_id_is_sent_and_another_without_one_is_named(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, country_id="another", country_id_other="3")
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"country_id": 3}}]

    action, data = _edit_form(client, 2, city_id="another")
    response = client.post(action, data)
    assert response.status_code == 422
    assert Page(response).field_errors("ID of another city") == [
        "Type the city's ID, or choose one from the list."]


@pytest.mark.parametrize("value", ["abc", "0", "-4"])
def test_a_place_that_is_not_a_listed_id_is_refused(fake_taskip, login_as, value):
    client = login_as("editor")
    action, data = _edit_form(client, 2, state_id=value)
    response = client.post(action, data)
    assert response.status_code == 422
    assert Page(response).field_errors("State") == ["Choose a place from the list."]
    assert fake_taskip.writes() == []


def test_a_failed_save_links_each_error_in_page_order(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, first_name="", email="nope", zip_code="123456789",
                              custom_key=["", "tier"], custom_value=["orphan", "gold"])
    page = Page(client.post(action, data))
    summary = page.by_role("alert", "There is a problem")
    assert [(attrs(a)["href"], text(a)) for a in page.find_all("a", within=summary)] == [
        ("#id_first_name", "First name: This field is required."),
        ("#id_email", "Email: Enter a valid email address."),
        ("#id_zip_code", "ZIP code: Ensure this value has at most 8 characters (it has 9)."),
        ("#custom-fields", "The value “orphan” needs a name."),
    ]


def test_a_bad_typed_place_id_is_named_on_its_field(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, city_id="another", city_id_other="0")
    response = client.post(action, data)
    assert response.status_code == 422
    assert Page(response).field_errors("ID of another city") == [
        "Ensure this value is greater than or equal to 1.",
        "Type the city's ID, or choose one from the list."]
    assert fake_taskip.writes() == []


def test_the_password_and_typed_place_ids_show_only_when_their_switch_asks(fake_taskip,
                                                                          login_as):
    page = Page(login_as("editor").get("/contacts/2/edit/"))
    shown = {(a.get("data-show-when"), a.get("data-show-value"))
             for a in map(attrs, page.find_all("div", class_="field")) if "data-show-when" in a}
    assert shown == {("id_access_portal", None), ("id_country_id", "another"),
                     ("id_state_id", "another"), ("id_city_id", "another")}


def test_place_id_one_is_a_place(fake_taskip, login_as):
    client = login_as("editor")
    action, data = _edit_form(client, 2, country_id="1")
    assert client.post(action, data).status_code == 302
    assert fake_taskip.calls_to("update_contact") == [
        {"contact_id": 2, "changes": {"country_id": 1}}]


def test_a_failed_save_keeps_offering_the_place_that_was_posted(fake_taskip, login_as):
    # A place id the dashboard has no name for yet (a list answer left it out) stays chosen on
    # the re-rendered form, not swapped for the contact's saved place.
    client = login_as("editor")
    action, data = _edit_form(client, 2, country_id="57", email="nope")
    page = Page(client.post(action, data))
    assert page.field_errors("Email") == ["Enter a valid email address."]
    chosen = [(value, label) for value, label, selected in _places(page, "country") if selected]
    assert chosen == [("57", "ID 57 (name not known yet)")]
    assert fake_taskip.writes() == []
