"""One person's page views may take only their share of the API budget; others keep working."""


def test_a_user_past_their_share_gets_the_dashboards_own_429_and_others_do_not(
        start_sandbox, settings, login_as):
    server = start_sandbox()
    settings.TASKIP_BASE_URL, settings.TASKIP_SECRET_KEY = server.url, server.secret_key
    settings.TASKIP_RATE_LIMIT = 8
    settings.TASKIP_USER_SHARE = 0.25  # two calls a minute each
    busy = login_as("viewer")
    assert [busy.get(f"/contacts/?search=a{n}").status_code for n in range(2)] == [200, 200]

    limited = busy.get("/contacts/?search=b")
    html = limited.content.decode()
    assert limited.status_code == 429
    assert "dashboard's own limit" in html.replace("&#x27;", "'")
    assert 0 < int(limited["Retry-After"]) <= 60
    assert len(server.api_calls()) == 2  # refused before any call

    assert login_as("editor").get("/contacts/?search=c").status_code == 200
    assert len(server.api_calls()) == 3
