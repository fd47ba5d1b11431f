"""Place names learnt from answers already read, and the contact form's error summary."""

from dataclasses import replace

from contacts import places, taskip
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
