"""GET /healthz in this process: which store it names when one fails, what it logs, and the probe
it writes (tests/stores/test_health.py starts real PostgreSQL and Redis servers for the same)."""

import logging

from django.db import DatabaseError

from contacts.views import health


class RecordingCache:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.writes: list[tuple] = []

    def set(self, key, value, timeout=None):
        if self.error is not None:
            raise self.error
        self.writes.append((key, value, timeout))


class BrokenConnection:
    def cursor(self):
        raise DatabaseError("server closed the connection unexpectedly")


def test_healthy_stores_answer_ok_and_the_probe_expires_soon(client, db, monkeypatch):
    cache = RecordingCache()
    monkeypatch.setattr(health, "cache", cache)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200, {"status": "ok", "database": "ok", "cache": "ok"})
    assert cache.writes == [("healthz", "ok", 10)]


def _checked_and_logged(client, caplog) -> tuple[int, dict, list[str]]:
    with caplog.at_level(logging.WARNING, logger="contacts.health"):
        response = client.get("/healthz")
    logged = [r.getMessage() for r in caplog.records if r.name == "contacts.health"]
    return response.status_code, response.json(), logged


def test_a_cache_that_refuses_writes_is_named_and_logged(client, db, monkeypatch, caplog):
    monkeypatch.setattr(health, "cache", RecordingCache(ConnectionRefusedError("refused")))
    assert _checked_and_logged(client, caplog) == (
        503, {"status": "error", "database": "ok", "cache": "error"},
        ["health check: cache failed: ConnectionRefusedError"])


def test_a_database_that_does_not_answer_is_named_and_logged(client, db, monkeypatch, caplog):
    monkeypatch.setattr(health, "connection", BrokenConnection())
    assert _checked_and_logged(client, caplog) == (
        503, {"status": "error", "database": "error", "cache": "ok"},
        ["health check: database failed: DatabaseError"])
