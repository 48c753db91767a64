"""Behind the deployment's TLS proxy the console cookie is `Secure` and HSTS is sent; a
client claiming https itself, on a plain connection, changes nothing."""

from __future__ import annotations

import pytest

PROXY_SAYS_HTTPS = {"X-Forwarded-Proto": "https"}
# httpx's ASGI transport connects from 127.0.0.1, which plays the proxy's part here.
BEHIND_PROXY = {"trusted_proxies": ["127.0.0.1"]}


def _cookie_and_hsts(answer) -> tuple[bool, str | None]:
    cookie = answer.headers["set-cookie"]
    return "secure" in [part.strip().lower() for part in cookie.split(";")], answer.headers.get(
        "strict-transport-security"
    )


@pytest.mark.parametrize(
    ("settings_overrides", "headers", "secure"),
    [
        (BEHIND_PROXY, PROXY_SAYS_HTTPS, True),
        (BEHIND_PROXY | {"trusted_proxy_header": "forwarded"}, {"Forwarded": "proto=https"}, True),
        (BEHIND_PROXY, {"X-Forwarded-Proto": "http"}, False),
        (BEHIND_PROXY, {}, False),
        ({}, PROXY_SAYS_HTTPS, False),  # not from a trusted proxy: a client's claim
        ({"force_https": True}, {}, True),
    ],
)
async def test_the_console_cookie_is_secure_exactly_when_the_public_scheme_is_https(
    client, headers, secure
):
    form = await client.get("/console/login", headers=headers)
    assert form.status_code == 200
    cookie_secure, hsts = _cookie_and_hsts(form)
    assert cookie_secure is secure
    assert (hsts is not None) is secure
    if secure:
        assert hsts.startswith("max-age=31536000")
