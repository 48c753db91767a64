"""Headers that every console response carries, whatever route, error or file produced it.

The console shows report text and media to logged-in moderators, so its pages must not be
framed, cached, sniffed into another type, or allowed to run anything but our own script
files. Applied as ASGI middleware so even error pages and static files get them.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(img_sources: tuple[str, ...] = ()) -> str:
    """The policy; `img_sources` are further origins images may come from (the dashboard
    map's tile server, when one is configured: `console.maps.tile_origin`)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self'", *img_sources]),
            "media-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    # Pages hold report text; nothing the console serves may be kept by a browser or proxy.
    "Cache-Control": "no-store",
}


class SecurityHeadersMiddleware:
    """Adds `SECURITY_HEADERS` to each response that does not already set a stricter one
    (media responses carry their own sandboxing policy); `img_sources` widen img-src."""

    def __init__(self, app: ASGIApp, img_sources: tuple[str, ...] = ()) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS | {
            "Content-Security-Policy": content_security_policy(img_sources)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
