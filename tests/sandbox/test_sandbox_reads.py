"""Reading contacts and companies: shapes, pagination, search and sorting (shared sandbox)."""

import math
from datetime import datetime

import pytest
from sandbox_http import BILLING_FIELDS, CONTACT_FIELDS, assert_error

# ---- contacts: shapes ----------------------------------------------------------------------


def test_list_has_the_documented_shape(api):
    response = api.get("/contact")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "data", "meta"}
    assert body["message"] == "All contacts fetched successfully"
    assert body["meta"] == {
        "search": None,
        "current_page": 1,
        "per_page": 50,
        "total": 200,
        "total_pages": 4,
    }
    assert [c["id"] for c in body["data"]] == list(range(1, 51))
    for contact in body["data"]:
        assert set(contact) == CONTACT_FIELDS
        assert "password" not in contact


def test_the_documents_two_listed_people_are_contacts_1_and_2(api):
    john, jane = api.get("/contact", params={"limit": 2}).json()["data"]
    assert john["full_name"] == "John Doe" and john["email"] == "john.doe@example.com"
    assert john["company"] == {
        "id": 5,
        "name": "Acme Corp",
        "domain": "acmecorp.com",
        "email": "info@acmecorp.com",
    }
    assert (john["city"], john["state"], john["country"]) == (
        "San Francisco",
        "California",
        "United States",
    )
    assert john["access_portal"] == 1 and john["billings"]["id"] == 10
    assert john["custom_fields"] == {"department": "Engineering", "lead_source": "Referral"}
    assert jane["company_id"] == 3 and jane["company"]["name"] == "Tech Solutions"
    assert jane["image"]["id"] == 25 and jane["image"]["url"].startswith("https://")
    assert [(lang["code"], lang["is_default"]) for lang in jane["languages"]] == [
        ("en", True),
        ("es", False),
    ]
    assert set(jane["billings"]) == BILLING_FIELDS
    assert jane["billings"]["tax_number"] == "TX-987654321"


def test_get_has_the_documented_shape(api):
    response = api.get("/contact/151")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data"} and body["success"] is True
    contact = body["data"]
    assert set(contact) == CONTACT_FIELDS and contact["id"] == 151
    assert contact["full_name"] == f"{contact['first_name']} {contact['last_name']}"
    for stamp in (contact["created_at"], contact["updated_at"]):
        assert stamp.endswith("Z")
        datetime.fromisoformat(stamp)


def test_seed_is_varied_and_realistic(api):
    contacts = api.all_contacts()
    assert len(contacts) == 200 and len({c["email"].lower() for c in contacts}) == 200
    assert len({c["country"] for c in contacts}) >= 8
    assert len({c["company_id"] for c in contacts}) >= 10
    assert any(not c["first_name"].isascii() or not c["last_name"].isascii() for c in contacts)
    assert any(c["access_portal"] == 1 for c in contacts)
    assert any(c["image"] for c in contacts) and any(c["languages"] for c in contacts)
    assert any(c["billings"]["billing_address"] for c in contacts)
    assert "alice.johnson@example.com" not in {c["email"] for c in contacts}


# ---- contacts: pagination ------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 50, 100])
def test_pagination_meta_is_consistent(api, limit):
    total_pages = math.ceil(200 / limit)
    last = api.get("/contact", params={"page": total_pages, "limit": limit}).json()
    assert last["meta"] == {
        "search": None,
        "current_page": total_pages,
        "per_page": limit,
        "total": 200,
        "total_pages": total_pages,
    }
    assert len(last["data"]) == 200 - (total_pages - 1) * limit
    beyond = api.get("/contact", params={"page": total_pages + 1, "limit": limit}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["total"] == 200 and beyond["meta"]["current_page"] == total_pages + 1


def test_pages_cover_every_contact_exactly_once(api):
    ids = [c["id"] for c in api.all_contacts()]
    assert sorted(ids) == list(range(1, 201))


def test_a_page_far_beyond_the_end_is_empty_not_an_error(api):
    body = api.get("/contact", params={"page": 1_000_000_000}).json()
    assert body["data"] == [] and body["meta"]["total"] == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "1000000001"}, "page"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "phone"}, "sort"),
        ({"order": "up"}, "order"),
        ({"search": "x" * 192}, "search"),
    ],
)
def test_bad_list_parameters_are_422(api, params, field):
    assert_error(api.get("/contact", params=params), 422, field)


def test_every_bad_parameter_is_reported_at_once(api):
    body = assert_error(api.get("/contact", params={"page": "x", "limit": "500"}), 422)
    assert {"page", "limit"} <= set(body["errors"])


# ---- contacts: search ----------------------------------------------------------------------


def _matches(contact, term):
    term = term.casefold()
    fields = [contact["first_name"], contact["last_name"] or "", contact["full_name"]]
    return any(term in text.casefold() for text in [*fields, contact["email"]])


def test_search_is_case_insensitive_and_matches_last_names(api):
    everyone = api.all_contacts()
    target = next(c for c in everyone if c["last_name"] and len(c["last_name"]) > 3)
    term = target["last_name"].upper()
    found = api.all_contacts(search=term)
    assert target["id"] in {c["id"] for c in found}
    assert {c["id"] for c in found} == {c["id"] for c in everyone if _matches(c, term)}
    body = api.get("/contact", params={"search": term}).json()
    assert body["meta"]["search"] == term and body["meta"]["total"] == len(found)


def test_search_matches_email_and_full_name(api):
    by_email = api.get("/contact", params={"search": "JOHN.DOE@EXAMPLE"}).json()
    assert [c["id"] for c in by_email["data"]] == [1]
    by_name = api.get("/contact", params={"search": "jane smith"}).json()
    assert 2 in [c["id"] for c in by_name["data"]]


def test_search_folds_case_beyond_ascii(api):
    everyone = api.all_contacts()
    accented = next(c for c in everyone if not c["last_name"].isascii())
    found = api.all_contacts(search=accented["last_name"].upper())
    assert accented["id"] in {c["id"] for c in found}


def test_search_without_matches_is_an_empty_page(api):
    body = api.get("/contact", params={"search": "zzqq-nobody"}).json()
    assert body["data"] == []
    assert body["meta"] == {
        "search": "zzqq-nobody",
        "current_page": 1,
        "per_page": 50,
        "total": 0,
        "total_pages": 1,
    }


def test_search_treats_like_wildcards_literally(api):
    assert api.get("/contact", params={"search": "%"}).json()["meta"]["total"] == 0
    assert api.get("/contact", params={"search": "_"}).json()["meta"]["total"] == 0


# ---- contacts: sorting ---------------------------------------------------------------------

SORT_KEYS = {
    # name: last name, then first name, case-insensitively; ties by id throughout.
    "name": lambda c: ((c["last_name"] or "").casefold(), c["first_name"].casefold(), c["id"]),
    "email": lambda c: (c["email"].lower(), c["id"]),
    "created_at": lambda c: (c["created_at"], c["id"]),
}


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_each_sort_in_each_order(api, sort, order):
    rows = api.all_contacts(sort=sort, order=order)
    expected = sorted(rows, key=SORT_KEYS[sort], reverse=order == "desc")
    assert [c["id"] for c in rows] == [c["id"] for c in expected]
    assert len(rows) == 200


def test_sort_combines_with_search_and_pages(api):
    first = api.get("/contact", params={"search": "a", "sort": "email", "limit": 10}).json()
    second = api.get(
        "/contact", params={"search": "a", "sort": "email", "limit": 10, "page": 2}
    ).json()
    emails = [c["email"].lower() for c in first["data"] + second["data"]]
    assert emails == sorted(emails) and len(emails) == 20


def test_default_order_is_by_id_and_desc_reverses_it(api):
    asc = [c["id"] for c in api.get("/contact", params={"limit": 5}).json()["data"]]
    desc = [
        c["id"] for c in api.get("/contact", params={"limit": 5, "order": "desc"}).json()["data"]
    ]
    assert asc == [1, 2, 3, 4, 5] and desc == [200, 199, 198, 197, 196]


# ---- companies -----------------------------------------------------------------------------


def test_company_list_is_a_laravel_paginator(api):
    response = api.get("/company", params={"limit": 5, "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "links", "meta"}
    meta = body["meta"]
    assert set(meta) == {"current_page", "from", "last_page", "path", "per_page", "to", "total"}
    assert meta["current_page"] == 2 and meta["per_page"] == 5
    assert meta["total"] >= 13 and meta["last_page"] == math.ceil(meta["total"] / 5)
    assert (meta["from"], meta["to"]) == (6, 10)
    assert meta["path"].endswith("/api/public-v1/company")
    assert body["links"]["prev"].endswith("page=1") and "page=3" in body["links"]["next"]
    assert "page=1" in body["links"]["first"]
    assert f"page={meta['last_page']}" in body["links"]["last"]
    assert [c["id"] for c in body["data"]] == [6, 7, 8, 9, 10]
    assert set(body["data"][0]) == {"id", "name", "domain", "email", "created_at", "updated_at"}


def test_the_documents_companies_exist(api):
    by_id = {c["id"]: c for c in api.get("/company", params={"limit": 100}).json()["data"]}
    assert (by_id[3]["name"], by_id[3]["domain"]) == ("Tech Solutions", "techsolutions.com")
    assert (by_id[5]["name"], by_id[5]["domain"]) == ("Acme Corp", "acmecorp.com")
    assert (by_id[7]["name"], by_id[7]["domain"]) == ("Marketing Pro", "marketingpro.com")
    assert len(by_id) >= 13


def test_company_search_sort_and_empty_pages(api):
    found = api.get("/company", params={"search": "ACME"}).json()
    assert [c["name"] for c in found["data"]] == ["Acme Corp"]
    by_domain = api.get("/company", params={"search": "marketingpro"}).json()["data"]
    assert [c["id"] for c in by_domain] == [7]
    names = [
        c["name"]
        for c in api.get("/company", params={"sort": "name", "order": "desc"}).json()["data"]
    ]
    assert names == sorted(names, reverse=True)
    domains = [c["domain"] for c in api.get("/company", params={"sort": "domain"}).json()["data"]]
    assert domains == sorted(domains)
    empty = api.get("/company", params={"search": "no-such-company"}).json()
    assert empty["data"] == [] and empty["meta"]["from"] is None and empty["meta"]["to"] is None
    assert empty["links"]["next"] is None and empty["links"]["prev"] is None


def test_get_company(api):
    response = api.get("/company/7")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["data"]["name"] == "Marketing Pro"
    assert_error(api.get("/company/9999"), 404)
    assert_error(api.get("/company/acme"), 404)


@pytest.mark.parametrize(
    "params", [{"limit": "101"}, {"sort": "email"}, {"page": "0"}, {"order": "sideways"}]
)
def test_bad_company_parameters_are_422(api, params):
    assert_error(api.get("/company", params=params), 422, *params)
