"""GET /healthz: 200 while the database and the cache answer, 503 naming the one that does not."""

import responses

from .django_process import DjangoProcess

HEALTHZ = (
    "from django.test import Client\n"
    "response = Client(HTTP_HOST='127.0.0.1').get('/healthz')\n"
    "result = [response.status_code, response.json()]"
)


def test_healthz_needs_no_login_and_makes_no_api_call(client, db):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert len(api.calls) == 0


def test_healthz_is_ok_on_postgres_and_redis(stores_env):
    with DjangoProcess(stores_env) as host:
        assert host.run(HEALTHZ) == [200, {"status": "ok", "database": "ok", "cache": "ok"}]


def test_healthz_names_the_cache_when_redis_does_not_answer(stores_env, refused_port):
    env = {**stores_env, "REDIS_URL": f"redis://127.0.0.1:{refused_port}/0"}
    with DjangoProcess(env) as host:
        assert host.run(HEALTHZ) == [503, {"status": "error", "database": "ok", "cache": "error"}]


def test_healthz_names_the_database_when_postgres_does_not_answer(stores_env, refused_port):
    env = {**stores_env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{refused_port}/gone"}
    with DjangoProcess(env) as host:
        assert host.run(HEALTHZ) == [503, {"status": "error", "database": "error", "cache": "ok"}]
