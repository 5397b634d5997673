"""Who is using the dashboard: the demo's local admin, a trusted proxy header, or a sign-in form.

The person is found before any page draws (``dashboard/shell.py`` calls :func:`current_actor`). A sign-in
becomes a session the server keeps (:mod:`geo.admin.sessions`) and the browser holds as an HttpOnly cookie,
so a reload, a second tab or a phone waking up stays signed in; it ends after ``GRIDWATCH_SESSION_MINUTES``
without a page view, ``GRIDWATCH_SESSION_HOURS`` after the sign-in, at sign-out, and when the account is
removed or its role changes. The script cannot set a cookie, so after the form accepts a password the page
hands the browser once to ``/_gw/session`` (``dashboard/server.py``), which sets it and comes straight back.
The tab that signed in also keeps the person in its session state meanwhile (and where no cookie can be
set, as in tests that drive the script). The library checks every change again
(``geo.admin.access.require``); the navigation only hides what a role may not use.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote, urlparse

import streamlit as st
import streamlit.components.v1 as components

from dashboard.data import sign_in_guard, user_file
from dashboard.i18n import Lang, t
from geo.admin.access import (
    LOCAL_ADMIN,
    SECURITY_LOG,
    Actor,
    AuthConfig,
    account_key,
    client_address,
    trusted_request,
)
from geo.admin.sessions import COOKIE, SESSION_ROUTE, session_book

_SESSION = "gw_session"
#: A claim the form made, waiting for the next run to hand the browser to the cookie route.
_HANDOFF = "gw_session_handoff"



def _peer() -> str:
    """The socket's peer (Streamlit reports a loopback peer as no address: it is this machine)."""
    peer = getattr(st.context, "ip_address", None)
    return peer if isinstance(peer, str) and peer else "127.0.0.1"


def _client(config: AuthConfig) -> str:
    """The client's address for the security log and the per-client lockout: the socket's peer, or behind a
    configured proxy the hop the proxy saw (a client's own X-Forwarded-For is not believed)."""
    return client_address(_peer(), st.context.headers, config.trusted_proxies)


#: The page a link asked for before the sign-in form stood in its way (``app.py`` goes there after), and the
#: address's parameters (a grid's detail, the language), passed on with it.
ASKED_PAGE = "gw_after_signin"
ASKED_QUERY = "gw_after_signin_query"


def _asked_page() -> str:
    """The last segment of the browser's path (``/priority`` -> ``priority``; "" at the root)."""
    url = getattr(st.context, "url", None)
    path = urlparse(url).path if isinstance(url, str) else ""
    return path.rstrip("/").rsplit("/", 1)[-1]


def _form(config: AuthConfig, lang: Lang, expired: bool) -> None:
    """The sign-in form; stops the page until a good sign-in."""
    assert config.users_path is not None
    st.session_state.setdefault(ASKED_PAGE, _asked_page())
    st.session_state.setdefault(ASKED_QUERY, {k: st.query_params[k] for k in st.query_params})
    st.title(t("signin_title", lang))
    if expired:
        st.info(t("signin_expired", lang, minutes=int(config.session_minutes)))
    with st.form("gw_signin"):
        name = st.text_input(t("signin_name", lang), key="gw_signin_name")
        password = st.text_input(t("signin_password", lang), type="password", key="gw_signin_password")
        submitted = st.form_submit_button(t("signin_button", lang), type="primary")
    if submitted:
        guard = sign_in_guard(str(config.users_path))
        users = user_file(str(config.users_path))
        client = _client(config)
        wait = guard.wait_s(name, client)  # every spelling of a name is one account (account_key)
        if wait > 0:
            guard.failed(name, client, known=users.account(name) is not None)  # attempts while locked count
            st.error(t("signin_locked", lang, minutes=max(int(wait // 60) + 1, 1)))
        else:
            actor = users.verify(name, password)
            if actor is None:
                guard.failed(name, client, known=users.account(name) is not None)
                st.error(t("signin_wrong", lang))
            else:
                guard.succeeded(actor.name, client)
                st.session_state[_SESSION] = (actor, time.monotonic())
                st.session_state[_HANDOFF] = session_book(config.users_path, config.session_minutes).claim(
                    actor.name, actor.role)
                st.session_state.pop("gw_signin_password", None)
                st.rerun()
    st.stop()


def hand_over() -> None:
    """Once after a sign-in: send the browser to the cookie route with the claim, and back to this address.

    ``app.py`` calls it just before the page runs, after any switch to the page a link asked for (a switch
    ends the run, and a hand-over drawn in it would be lost with the claim). A script in the page itself (a
    component's frame may not navigate the top window, but it may add a script to its same-origin parent);
    the claim is single-use and good for two minutes."""
    code = st.session_state.pop(_HANDOFF, None)
    if not code:
        return
    route = json.dumps(f"{SESSION_ROUTE}?claim={quote(code)}&next=")
    script = ("<script>(function () { var p = window.parent; var s = p.document.createElement('script');"
              f" s.textContent = 'location.replace(' + JSON.stringify({route} + encodeURIComponent("
              "p.location.pathname + p.location.search)) + ')'; p.document.body.appendChild(s); })();</script>")
    components.html(script, height=0)


def current_actor(lang: Lang) -> Actor:
    """The person using this session (the sign-in form stops the page until there is one)."""
    try:
        config = AuthConfig.from_env()
    except ValueError as exc:  # the operator's mistake: said in the server's log, a plain sentence on the page
        SECURITY_LOG.error("sign-in configuration: %s", exc)
        st.error(t("signin_misconfigured", lang))
        st.stop()
    if config.mode == "demo":
        return LOCAL_ADMIN
    if config.mode == "header":
        # Only the proxy may say who this is: a direct connection could send any name in the header.
        if not trusted_request(config, _peer(), st.context.headers):
            st.error(t("signin_untrusted", lang, header=config.header))
            st.stop()
        name = (st.context.headers.get(config.header) or "").strip()
        if not account_key(name):
            st.error(t("signin_no_header", lang, header=config.header))
            st.stop()
        users = user_file(str(config.users_path)) if config.users_path else None
        stored = users.account(name) if users else None
        role = users.role_of(name) if users else None
        return Actor((stored or account_key(name))[:64], role or "viewer", "header")
    users = user_file(str(config.users_path))
    book = session_book(config.users_path, config.session_minutes)  # type: ignore[arg-type]
    found = book.check(st.context.cookies.get(COOKIE), users.role_of)
    if found is not None:  # the cookie's session, checked on the server (a reload, another tab)
        return Actor(found[0], found[1], "users")  # type: ignore[arg-type]
    session = st.session_state.get(_SESSION)
    now = time.monotonic()
    if session is not None and now - session[1] <= config.session_minutes * 60 \
            and users.role_of(session[0].name) == session[0].role:  # removed or re-roled: out, as the cookie
        st.session_state[_SESSION] = (session[0], now)  # each page view keeps the session alive
        return session[0]
    if session is not None:
        st.session_state.pop(_SESSION, None)
    _form(config, lang, expired=session is not None)
    raise AssertionError("unreachable: the form stops the page")


def sidebar_identity(actor: Actor, lang: Lang) -> None:
    """Who is signed in (or that this is the demo), and the sign-out button."""
    if actor.via == "demo":
        st.sidebar.caption(t("signin_demo", lang))
        return
    st.sidebar.caption(t("signin_as", lang, name=actor.name, role=t(f"role_{actor.role}", lang)))
    if actor.via == "users" and st.sidebar.button(t("signout", lang), key="gw_signout"):
        config = AuthConfig.from_env()
        if config.users_path is not None:  # revoked on the server: the cookie, wherever copied, opens nothing
            session_book(config.users_path, config.session_minutes).revoke(st.context.cookies.get(COOKIE))
        st.session_state.pop(_SESSION, None)
        st.rerun()
