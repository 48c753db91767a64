"""The scheme the public sees, so that cookies are `Secure` and HSTS is sent behind TLS.

`serve` speaks plain HTTP behind the deployment's TLS proxy. The request is https for
the client if `STOP_FORCE_HTTPS` says so, or if a trusted proxy (`STOP_TRUSTED_PROXIES`)
says so in `X-Forwarded-Proto` (or `Forwarded: proto=`). A header from anyone else is
ignored: a client could claim https on a plain connection.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.protection.client_address import TrustedProxies, forwarded_scheme

HSTS = "max-age=31536000; includeSubDomains"


class PublicSchemeMiddleware:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies, force_https: bool) -> None:
        self.app = app
        self.proxies = proxies
        self.force_https = force_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        told = "https" if self.force_https else forwarded_scheme(scope, self.proxies)
        if told is not None and told != scope["scheme"]:
            scope = dict(scope, scheme=told)
        if scope["scheme"] != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_hsts)
