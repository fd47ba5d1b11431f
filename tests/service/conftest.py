"""Fixtures for the service module's unit tests: a client on fake time, and a `responses` mock."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from contacts import taskip

BASE = "http://taskip.test"
API = f"{BASE}/api/public-v1"
SECRET = "sk-TOPSECRET-4f1b2e9c"  # distinctive, so a leak anywhere is easy to spot
NOW = 1_700_000_000.0  # wall-clock epoch seconds seen by the client


class FakeTime:
    """A monotonic clock that only moves when the client sleeps or a mocked request takes time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Callable[..., taskip.TaskipClient]:
    def make(**overrides: Any) -> taskip.TaskipClient:
        options: dict[str, Any] = {
            "base_url": BASE, "secret_key": SECRET, "sleep": fake_time.sleep,
            "clock": fake_time.clock, "rand": lambda: 0.5, "now": lambda: NOW,
        }
        options.update(overrides)
        return taskip.TaskipClient(**options)

    return make


@pytest.fixture
def client(make_client: Callable[..., taskip.TaskipClient]) -> taskip.TaskipClient:
    return make_client()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def url(path: str) -> re.Pattern[str]:
    """Match an API path with or without a query string."""
    return re.compile(re.escape(f"{API}{path}") + r"(\?.*)?$")


def contact_json(contact_id: int = 1, **overrides: Any) -> dict[str, Any]:
    """A contact exactly as the document's list example shows one."""
    data: dict[str, Any] = {
        "id": contact_id, "user_id": 123,
        "company": {"id": 5, "name": "Acme Corp", "domain": "acmecorp.com",
                    "email": "info@acmecorp.com"},
        "company_id": 5, "first_name": "John", "last_name": "Doe", "full_name": "John Doe",
        "email": f"john{contact_id}@example.com", "position": "Software Engineer",
        "phone_number": "555-0123", "country_id": 1, "country": "United States", "state_id": 5,
        "state": "California", "city_id": 10, "city": "San Francisco",
        "address": "123 Tech Street", "zip_code": "94105", "timezone": "America/Los_Angeles",
        "details": None, "reference": None, "reference_name": None, "access_portal": 1,
        "billings": {"id": 10, "contact_id": contact_id, "billing_address": None,
                     "billing_city": None, "billing_state": None, "billing_country": None,
                     "billing_zip": None, "billing_phone": None, "tax_number": None,
                     "created_at": "2024-01-15T10:30:00Z", "updated_at": "2024-01-15T10:30:00Z"},
        "languages": [], "image": None,
        "custom_fields": {"department": "Engineering", "lead_source": "Referral"},
    }
    data.update(overrides)
    return data


def error_json(status: int, message: str = "Something went wrong",
               errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The sandbox's (and the document's) error body."""
    return {"success": False, "error": "Error", "message": message, "errors": errors or {},
            "status_code": status}
