"""HTTP helpers for the sandbox contract tests: they talk HTTP only, importing no sandbox code."""

import itertools

API = "/api/public-v1"
CONTACT_FIELDS = {
    "id", "user_id", "company", "company_id", "first_name", "last_name", "full_name", "email",
    "position", "phone_code", "phone_number", "country_id", "country", "state_id", "state",
    "city_id", "city", "address", "zip_code", "timezone", "details", "reference",
    "reference_name", "access_portal", "billings", "languages", "image", "custom_fields",
    "created_at", "updated_at",
}  # fmt: skip
BILLING_FIELDS = {
    "id", "contact_id", "billing_address", "billing_city", "billing_state", "billing_country",
    "billing_zip", "billing_phone", "tax_number", "created_at", "updated_at",
}  # fmt: skip
ERROR_FIELDS = {"success", "error", "message", "errors", "status_code"}

_numbers = itertools.count(1)


class Client:
    """requests, bound to one server and key, with paths relative to /api/public-v1."""

    def __init__(self, server, secret_key=None):
        self.server = server
        self.session = server.session()
        if secret_key is not None:
            self.session.headers["X-Secret-Key"] = secret_key

    def url(self, path):
        return f"{self.server.url}{API}{path}"

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def contact(self, contact_id):
        response = self.get(f"/contact/{contact_id}")
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def create(self, **fields):
        response = self.post("/contact", json=new_contact(**fields))
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def all_contacts(self, **params):
        """Every contact matching params, walking the pages at the maximum page size."""
        rows, page = [], 1
        while True:
            response = self.get("/contact", params={**params, "page": page, "limit": 100})
            assert response.status_code == 200, response.text
            body = response.json()
            rows += body["data"]
            if page >= body["meta"]["total_pages"]:
                return rows
            page += 1


def new_contact(**overrides):
    """A valid create body with an email no other test uses."""
    number = next(_numbers)
    body = {
        "first_name": "Test",
        "last_name": f"Person{number}",
        "email": f"test.person{number}@example.test",
    }
    body.update(overrides)
    return body


def assert_error(response, status, *fields):
    """The shared error envelope, with field errors for `fields` when given."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_FIELDS, body
    assert body["success"] is False and body["status_code"] == status
    assert isinstance(body["message"], str) and body["message"]
    for field in fields:
        assert field in body["errors"], body
        assert all(isinstance(message, str) and message for message in body["errors"][field])
    return body
