"""The dashboard as served: Streamlit's app (``app.py``) behind the security headers (``st.App``), and the one
HTTP route Streamlit's script cannot be: turning a sign-in into an HttpOnly session cookie.

``python -m dashboard`` (and ``make demo``) runs ``streamlit run dashboard/server.py``: Streamlit finds the
``app`` below and serves ``app.py`` through it, every option of ``streamlit run`` still applies. Tests that
drive the script directly (``AppTest``) use ``app.py``; the HTTP layer is tested in Chromium.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboard.security_headers import SecurityHeaders
from geo.admin.access import AuthConfig
from geo.admin.sessions import COOKIE, SESSION_ROUTE, session_book


def safe_next(target: str) -> str:
    """``target`` when it is a path of this app (``/map?grid=…``), else ``/``: never another site.

    >>> safe_next("/map?grid=1"), safe_next("//evil.example/x"), safe_next("https://evil.example"), safe_next("x")
    ('/map?grid=1', '/', '/', '/')
    """
    parts = urlparse(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return "/"
    return target


async def claim_session(request: Request) -> Response:
    """Redeem a sign-in claim: set the session cookie and go back to the page that was asked for."""
    response = RedirectResponse(safe_next(request.query_params.get("next", "/")), status_code=303)
    try:
        config = AuthConfig.from_env()
    except ValueError:
        return response  # the page says what is wrong with the configuration
    code = request.query_params.get("claim", "")
    if config.mode != "users" or config.users_path is None or not code:
        return response
    book = session_book(config.users_path, config.session_minutes)
    token = book.redeem(code)
    if token is not None:
        response.set_cookie(COOKIE, token, max_age=int(book.absolute_s), path="/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return response


app = st.App(str(Path(__file__).with_name("app.py")), routes=[Route(SESSION_ROUTE, claim_session)],
             middleware=[Middleware(SecurityHeaders)])
