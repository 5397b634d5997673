"""Signed-in sessions that survive a reload: random tokens in an HttpOnly cookie, checked on the server.

A session is a 256-bit random token (``secrets``) kept by the browser in an HttpOnly, SameSite cookie and on
the server only as its SHA-256, in a SQLite file beside the user file (``users.json`` ->
``users.sessions.sqlite``, mode 0600). Every page view checks it: it ends after ``idle_s`` without a view,
``absolute_s`` after the sign-in whatever happens, at sign-out (revoked on the server, so a copied cookie is
dead too), and as soon as the person's account is removed or their role changes (the user file is read at
each check).

The cookie cannot be set by the Streamlit script (it has no HTTP response), so a sign-in hands over through a
**claim**: the form, having checked the password, records a one-time code (128 bits, 120 s, single use) for
the account and role; the browser is sent to ``/_gw/session?claim=...``, whose route (``dashboard/server.py``)
turns the claim into a session and sets the cookie. The claim is stored as its hash as well.

Examples
--------
>>> import tempfile, pathlib
>>> book = SessionBook(pathlib.Path(tempfile.mkdtemp()) / "users.sessions.sqlite")
>>> code = book.claim("王芳", "clerk", now=0.0)
>>> token = book.redeem(code, now=10.0)
>>> book.redeem(code, now=11.0) is None  # single use
True
>>> book.check(token, role_of=lambda name: "clerk", now=20.0)
('王芳', 'clerk')
>>> book.check(token, role_of=lambda name: "viewer", now=30.0) is None  # the role changed: revoked
True
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

#: The cookie's name, and the route that sets it (``dashboard/server.py``).
COOKIE: Final = "gw_auth"
SESSION_ROUTE: Final = "/_gw/session"
#: A claim is good for this long after the form accepted the password.
CLAIM_S: Final = 120.0
#: A session ends this long after its sign-in, however busy (GRIDWATCH_SESSION_HOURS overrides).
ABSOLUTE_S: Final = 12 * 3600.0
HOURS_ENV: Final = "GRIDWATCH_SESSION_HOURS"
#: Touch the stored "last seen" at most this often (a page view is many script runs).
TOUCH_S: Final = 30.0
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, account TEXT NOT NULL, role TEXT NOT NULL, "
    "created REAL NOT NULL, seen REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS claims (code_hash TEXT PRIMARY KEY, account TEXT NOT NULL, role TEXT NOT NULL, "
    "expires REAL NOT NULL)",
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def sessions_path(users_path: str | Path) -> Path:
    """Where the sessions of a user file are kept: beside it (``users.json`` -> ``users.sessions.sqlite``)."""
    path = Path(users_path)
    return path.with_name(f"{path.stem}.sessions.sqlite")


_BOOKS: dict[tuple[str, float], SessionBook] = {}
_BOOKS_LOCK = threading.Lock()


def session_book(users_path: str | Path, idle_minutes: float) -> SessionBook:
    """The one :class:`SessionBook` of a user file in this process (``GRIDWATCH_SESSION_HOURS`` sets the
    absolute limit, default 12)."""
    key = (str(Path(users_path).resolve()), float(idle_minutes))
    with _BOOKS_LOCK:
        if key not in _BOOKS:
            hours = float(os.environ.get(HOURS_ENV, ABSOLUTE_S / 3600))
            _BOOKS[key] = SessionBook(sessions_path(users_path), idle_s=idle_minutes * 60, absolute_s=hours * 3600)
        return _BOOKS[key]


class SessionBook:
    """The server's record of sessions and pending claims (thread- and process-safe through SQLite)."""

    def __init__(self, path: str | Path, *, idle_s: float = 30 * 60.0, absolute_s: float = ABSOLUTE_S) -> None:
        self.path = Path(path)
        self.idle_s = idle_s
        self.absolute_s = absolute_s
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        with self._connect() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
        if fresh:
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()

    def claim(self, account: str, role: str, *, now: float | None = None) -> str:
        """A one-time code for ``account`` signed in as ``role`` (the form checked the password)."""
        now = time.time() if now is None else now
        code = secrets.token_urlsafe(16)
        with self._connect() as conn:
            conn.execute("DELETE FROM claims WHERE expires < ?", (now,))
            conn.execute("INSERT INTO claims VALUES (?, ?, ?, ?)", (_hash(code), account, role, now + CLAIM_S))
        return code

    def redeem(self, code: str, *, now: float | None = None) -> str | None:
        """The new session's token for a good, unused, unexpired claim (which is spent), else ``None``."""
        now = time.time() if now is None else now
        with self._connect() as conn:
            row = conn.execute("SELECT account, role, expires FROM claims WHERE code_hash = ?",
                               (_hash(code),)).fetchone()
            conn.execute("DELETE FROM claims WHERE code_hash = ? OR expires < ?", (_hash(code), now))
            if row is None or row[2] < now:
                return None
            token = secrets.token_urlsafe(32)
            conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, 0)", (_hash(token), row[0], row[1], now, now))
            conn.execute("DELETE FROM sessions WHERE revoked = 1 OR created < ? OR seen < ?",
                         (now - self.absolute_s, now - self.idle_s))
        return token

    def check(self, token: str | None, role_of: Callable[[str], str | None], *,
              now: float | None = None) -> tuple[str, str] | None:
        """``(account, role)`` of a live session, else ``None`` (and an ended one is revoked).

        ``role_of`` reads the account's role from the user file now: a removed account or a changed role
        ends the session.
        """
        if not isinstance(token, str) or not token:
            return None
        now = time.time() if now is None else now
        # Every rerun of every page checks: a plain read, no write lock; a write only to end or touch it.
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            row = conn.execute("SELECT account, role, created, seen, revoked FROM sessions WHERE token_hash = ?",
                               (_hash(token),)).fetchone()
        finally:
            conn.close()
        if row is None or row[4]:
            return None
        account, role, created, seen, _ = row
        alive = now - created <= self.absolute_s and now - seen <= self.idle_s and role_of(account) == role
        if not alive:
            self.revoke(token)
            return None
        if now - seen >= TOUCH_S:
            with self._connect() as write:
                write.execute("UPDATE sessions SET seen = ? WHERE token_hash = ?", (now, _hash(token)))
        return account, role

    def revoke(self, token: str | None) -> None:
        """End a session (sign-out): the cookie, wherever it was copied, opens nothing any more."""
        if isinstance(token, str) and token:
            with self._connect() as conn:
                conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (_hash(token),))

    def revoke_account(self, account: str) -> int:
        """End every session of ``account`` (an admin removed it or changed its role); how many were live."""
        with self._connect() as conn:
            cursor = conn.execute("UPDATE sessions SET revoked = 1 WHERE account = ? AND revoked = 0", (account,))
            return int(cursor.rowcount)
