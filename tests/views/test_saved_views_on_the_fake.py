"""Saved views without a sandbox (test_saved_views.py checks more against one): saving, opening
and choosing columns go back to the list with its query kept; only contact admins may share."""

from contacts.models import SavedView


def test_saving_returns_to_the_list_as_it_was(fake_taskip, login_as):
    response = login_as("viewer").post("/views/", {
        "name": "Tier people", "search": "smith", "sort": "email", "order": "desc",
        "limit": "20", "page": "3"})
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?search=smith&sort=email&order=desc&page=3&limit=20"


def test_opening_a_view_shows_the_list_it_saved(fake_taskip, login_as):
    client = login_as("viewer")
    client.post("/views/", {"name": "Smiths", "search": "smith", "sort": "email"})
    view = SavedView.objects.get(name="Smiths")
    response = client.post(f"/views/{view.pk}/open/")
    assert response["Location"] == "/contacts/?search=smith&sort=email&order=asc"


def test_choosing_columns_returns_to_the_list_with_its_query(fake_taskip, login_as):
    response = login_as("viewer").post("/views/columns/", {"columns": ["email"], "search": "ann"})
    assert response["Location"] == "/contacts/?search=ann"


def test_only_contact_admins_may_share_a_view(fake_taskip, login_as):
    editor = login_as("editor")
    assert editor.post("/views/", {"name": "Mine", "shared": "on"}).status_code == 403
    admin = login_as("admin")
    assert admin.post("/views/", {"name": "Ours", "shared": "on"}).status_code == 302
    assert list(SavedView.objects.values_list("name", "shared")) == [("Ours", True)]
