"""Django's cache and cached_db sessions on a real Redis, shared by two separate processes."""

from .django_process import DjangoProcess

CACHE = "from django.core.cache import caches\ncache = caches['default']\n"
SESSIONS = (
    "from importlib import import_module\n"
    "from django.conf import settings\n"
    "SessionStore = import_module(settings.SESSION_ENGINE).SessionStore\n"
)


def test_with_redis_url_the_cache_is_redis_and_shared_between_processes(stores_env):
    with DjangoProcess(stores_env) as a, DjangoProcess(stores_env) as b:
        assert a.run(CACHE + "result = type(cache).__module__ + '.' + type(cache).__name__") == (
            "django.core.cache.backends.redis.RedisCache"
        )

        a.run(CACHE + "cache.set('greeting', 'from a', 60)")
        assert b.run(CACHE + "result = cache.get('greeting')") == "from a"

        b.run(CACHE + "cache.set('greeting', 'from b', 60)")
        assert a.run(CACHE + "result = cache.get('greeting')") == "from b"

        b.run(CACHE + "cache.delete('greeting')")
        assert a.run(CACHE + "result = cache.get('greeting', 'gone')") == "gone"


def test_a_session_is_valid_in_another_process_and_a_flush_ends_it_there_at_once(stores_env):
    with DjangoProcess(stores_env) as a, DjangoProcess(stores_env) as b:
        assert a.run(SESSIONS + "result = settings.SESSION_ENGINE") == (
            "django.contrib.sessions.backends.cached_db"
        )
        key = a.run(
            SESSIONS + "session = SessionStore()\nsession['who'] = 'a'\nsession.save()\n"
            "result = session.session_key"
        )
        read_in_b = SESSIONS + f"result = SessionStore({key!r}).get('who')"
        assert b.run(read_in_b) == "a"

        a.run("session.flush()")  # what logout does

        assert b.run(read_in_b) is None
        assert b.run(SESSIONS + f"result = SessionStore().exists({key!r})") is False
