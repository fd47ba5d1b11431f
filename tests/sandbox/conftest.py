"""Fixtures for the sandbox contract tests (helpers live in sandbox_http.py).

The session's shared `sandbox` must keep its 200 seeded contacts untouched (other suites count
them), so anything that writes uses `writable`, a server of the test module's own.
"""

import pytest
from sandbox_http import Client


@pytest.fixture
def api(sandbox):
    """A keyed client on the shared, read-only sandbox. Paths are relative to the API root."""
    return Client(sandbox)


@pytest.fixture(scope="module")
def writable(sandbox_launcher):
    """A 200-contact sandbox shared by one test module's writing tests."""
    server = sandbox_launcher.start(seed=200, rate_limit=0)
    yield server
    server.stop()


@pytest.fixture
def wapi(writable):
    """A keyed client on the module's writable sandbox."""
    return Client(writable)
