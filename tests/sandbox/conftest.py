"""Fixtures for the sandbox contract tests (helpers live in sandbox_http.py).

The session's shared `sandbox` must keep its 200 seeded contacts untouched (other suites count
them), so anything that writes uses `writable`: the lent sandbox (one per test process), reset to
its seeded state before each test, so no test sees another's writes whatever the order.
"""

import pytest
from sandbox_http import Client


@pytest.fixture
def api(sandbox):
    """A keyed client on the shared, read-only sandbox. Paths are relative to the API root."""
    return Client(sandbox)


@pytest.fixture
def writable(start_sandbox):
    """A 200-contact sandbox in its seeded state, this test's alone (the lent one, reset)."""
    return start_sandbox()


@pytest.fixture
def wapi(writable):
    """A keyed client on the test's writable sandbox."""
    return Client(writable)
