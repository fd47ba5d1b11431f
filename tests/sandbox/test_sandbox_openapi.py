"""Property-based tests: schemathesis generates requests from the served OpenAPI document and
holds every answer to it (no 5xx; only documented status codes, content types, headers and body
shapes). Writes happen, so this module has a sandbox of its own.

Three phases run: the document's own request examples, the coverage phase (every boundary and
many invalid values, deterministically) and a short random fuzz. The run goes through
schemathesis's engine (what its CLI uses) rather than its pytest plugin: the plugin's lazy
`from_fixture` loader reads a pytest node attribute (`_nodeid`) that pytest 9 removed.
"""

import pytest
import requests

# schemathesis (with hypothesis) is imported inside the test: every xdist worker imports every
# test module to collect it, and this import alone cost each of them about 0.5 s of CPU.

pytestmark = pytest.mark.slow  # seconds of work: started first, beside the rest

# Only what the contract promises: no server errors, and answers that match the document.
# positive_data_acceptance is off on purpose: a schema-valid body may still name a company id
# that does not exist, which is a correct 422. Stateful runs are left out to keep this short.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]
MAX_EXAMPLES = 6


@pytest.fixture(scope="module")
def fuzzed(sandbox_launcher):
    server = sandbox_launcher.start(seed=200, rate_limit=0)
    yield server
    server.stop()


def test_openapi_document_describes_the_whole_contract(fuzzed):
    response = requests.get(f"{fuzzed.url}/api/public-v1/openapi.json", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["SecretKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Secret-Key",
    }
    assert document["security"] == [{"SecretKey": []}]
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    }
    assert operations == {
        ("GET", "/contact"),
        ("POST", "/contact"),
        ("GET", "/contact/{id}"),
        ("PUT", "/contact/{id}"),
        ("DELETE", "/contact/{id}"),
        ("POST", "/contact/bulk-delete"),
        ("POST", "/contact/invite-client/{id}"),
        ("GET", "/company"),
        ("GET", "/company/{id}"),
    }
    # Test support stays outside the public contract.
    assert not any("_sandbox" in path for path in document["paths"])


def test_every_answer_conforms_to_the_openapi_document(fuzzed):
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events

    config = SchemathesisConfig.from_dict(
        {
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {"stateful": {"enabled": False}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "headers": fuzzed.headers,
        }
    )
    schema = schemathesis.openapi.from_url(
        f"{fuzzed.url}/api/public-v1/openapi.json", config=config, timeout=10
    )

    problems, scenarios = [], 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            problems += _scenario_problems(event)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"{type(event).__name__}: {event.info}")

    assert scenarios >= 9, "every operation should have been exercised"
    assert not problems, "\n\n".join(problems[:10])
    assert not any(call.status >= 500 for call in fuzzed.api_calls())
    assert len(fuzzed.api_calls()) > 100


def _scenario_problems(event):
    from schemathesis.engine import Status

    if event.status not in (Status.FAILURE, Status.ERROR):
        return []
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                info = check.failure_info
                found.append(
                    f"{event.label}: {check.name}: {info.failure.title}\n{info.code_sample}"
                )
    return found or [f"{event.label}: {event.status.value} (see the schemathesis output above)"]
