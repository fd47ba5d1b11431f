"""Saved views and list columns through the views: who may save, share, open and delete what."""

import pytest
from django.contrib.auth.models import User

from contacts import taskip
from contacts.list_columns import DEFAULT, Columns
from contacts.models import ListPreference, SavedView


def _user(client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


def test_saving_keeps_the_list_state_and_the_users_columns(shared_api, login_as):
    client = login_as("viewer")
    client.post("/views/columns/", {"columns": ["email", "city", "custom_fields.tier"]})
    response = client.post(
        "/views/",
        {"name": "Tier people", "search": "smith", "sort": "email", "order": "desc",
         "limit": "20", "page": "3"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?search=smith&sort=email&order=desc&page=3&limit=20"
    view = SavedView.objects.get(name="Tier people")
    assert (view.search, view.sort, view.order, view.limit, view.shared) == (
        "smith", "email", "desc", 20, False
    )
    assert view.columns == ["email", "city", "custom_fields.tier"]


def test_saving_under_a_name_already_used_updates_that_view(shared_api, login_as):
    client = login_as("viewer")
    client.post("/views/", {"name": "Mine", "search": "a"})
    client.post("/views/", {"name": "Mine", "search": "b"})
    assert list(SavedView.objects.values_list("name", "search")) == [("Mine", "b")]


def test_only_contact_admins_may_share_a_view(shared_api, login_as):
    editor = login_as("editor")
    refused = editor.post("/views/", {"name": "For all", "shared": "1"})
    assert refused.status_code == 403
    assert not SavedView.objects.exists()

    admin = login_as("admin")
    admin.post("/views/", {"name": "For all", "shared": "1", "sort": "name", "order": "desc"})
    assert SavedView.objects.get(name="For all").shared


def test_a_shared_view_opens_for_others_and_sets_their_columns(shared_api, login_as):
    admin = login_as("admin")
    admin.post("/views/columns/", {"columns": ["email", "state"]})
    admin.post("/views/", {"name": "States", "shared": "1", "search": "example"})
    private = login_as("editor")
    private.post("/views/", {"name": "Editor's own"})
    viewer = login_as("viewer")
    states = SavedView.objects.get(name="States")

    page = viewer.get("/views/").content.decode()
    assert "States" in page and "Editor&#x27;s own" not in page and "Editor's own" not in page
    opened = viewer.post(f"/views/{states.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/contacts/?search=example"
    assert ListPreference.columns_for(_user(viewer)).keys == ("email", "state")
    hidden = SavedView.objects.get(name="Editor's own")
    assert viewer.post(f"/views/{hidden.pk}/open/").status_code == 404


def test_only_the_owner_deletes_a_view(shared_api, login_as):
    admin = login_as("admin")
    admin.post("/views/", {"name": "Shared", "shared": "1"})
    view = SavedView.objects.get()
    viewer = login_as("viewer")
    assert viewer.post(f"/views/{view.pk}/delete/").status_code == 403
    assert SavedView.objects.exists()
    assert admin.post(f"/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("url", ["/views/", "/views/columns/"])
def test_saved_views_need_the_view_permission(shared_api, db, client, url):
    user = User.objects.create_user("nobody", password="correct-horse-9")
    client.force_login(user)
    assert client.post(url, {"name": "x"}).status_code == 403


def test_columns_keep_known_ones_in_table_order_and_drop_the_rest(shared_api, login_as):
    client = login_as("viewer")
    client.post("/views/columns/", {"columns": ["created_at", "bogus", "email", "custom_fields."],
                                    "custom_column": " shoe size "})  # fmt: skip
    assert ListPreference.columns_for(_user(client)).keys == (
        "email", "created_at", "custom_fields.shoe size"
    )


def test_a_user_without_a_choice_sees_the_default_columns(shared_api, login_as):
    client = login_as("viewer")
    assert ListPreference.columns_for(_user(client)).keys == DEFAULT
    html = client.get("/contacts/?limit=20").content.decode()
    assert '<th scope="col">Position</th>' in html and '<th scope="col">City</th>' not in html


def test_chosen_columns_show_and_the_list_still_makes_one_api_call(api, login_as):
    client = login_as("viewer")
    client.post("/views/columns/", {"columns": ["city", "custom_fields.department"]})
    before = len(api.api_calls())
    html = client.get("/contacts/?limit=20").content.decode()
    assert len(api.api_calls()) - before == 1
    assert '<th scope="col">City</th>' in html and ">department</th>" in html
    assert '<th scope="col">Position</th>' not in html and "Email</a></th>" not in html


def test_list_cells_escape_whatever_taskip_sent():
    contact = taskip.Contact(
        id=1, first_name="A", last_name="", full_name="A", email='x"><script>1</script>@e.x',
        custom_fields={"note": "<b>bold</b>"},
    )  # fmt: skip
    html = "".join(Columns(("email", "custom_fields.note")).cells(contact))
    assert "<script>" not in html and "<b>" not in html
    assert 'title="x&quot;&gt;&lt;script&gt;1&lt;/script&gt;@e.x"' in html
    assert '<td class="extra" title="&lt;b&gt;bold&lt;/b&gt;">&lt;b&gt;bold&lt;/b&gt;</td>' in html
