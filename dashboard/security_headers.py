"""Security headers on every HTTP response the dashboard's server sends (an ASGI middleware for ``st.App``).

What an intranet app needs (``docs/security.md``): the page cannot be framed by another site
(clickjacking), the browser does not guess content types, no referrer leaves the office, and a script that
got in anyway cannot load code or send data anywhere but the app itself.

* ``Content-Security-Policy``: everything from the app's own origin (``'self'``, which covers its
  WebSocket); ``'unsafe-inline'``/``'unsafe-eval'`` for scripts because Streamlit's front end and Vega (the
  charts) need them; images also from ``https:`` and ``data:``/``blob:`` (an office may configure an online
  basemap's tiles; exported charts are data URLs); no plugins (``object-src 'none'``), no ``<base>``
  rewrite, forms post only to the app, and only the app may frame it (``frame-ancestors 'self'``: the map
  and chart components are same-origin iframes).
* ``X-Frame-Options: SAMEORIGIN`` for browsers older than ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``Permissions-Policy`` turning off camera, microphone and geolocation (never used).

A header a response already carries is left as it is (a component's own policy wins).
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The policy, directive by directive (joined with "; ").
CSP: Final = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
)
HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-security-policy", "; ".join(CSP).encode("ascii")),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    """Add :data:`HEADERS` to every HTTP response (WebSocket and lifespan messages pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {bytes(name).lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
