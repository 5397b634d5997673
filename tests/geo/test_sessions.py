"""Server-side sessions behind the HttpOnly cookie: claims are one-time and short, sessions end on idle, on age,
on sign-out and when the account's role changes or it is removed; nothing secret is stored in the clear."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.admin.sessions import CLAIM_S, SessionBook, sessions_path


@pytest.fixture
def book(tmp_path: Path) -> SessionBook:
    return SessionBook(sessions_path(tmp_path / "users.json"), idle_s=600, absolute_s=3600)


def _role(role: str | None = "clerk") -> Callable[[str], str | None]:
    return lambda name: role


def test_a_claim_is_spent_once_and_only_while_fresh(book: SessionBook) -> None:
    code = book.claim("王芳", "clerk", now=0.0)
    late = book.claim("王芳", "clerk", now=0.0)
    assert book.redeem("made-up", now=1.0) is None
    token = book.redeem(code, now=1.0)
    assert token is not None and len(token) >= 40
    assert book.redeem(code, now=2.0) is None  # single use
    assert book.redeem(late, now=CLAIM_S + 1) is None  # too late


def test_a_session_ends_on_idle_on_age_on_sign_out_and_with_the_role(book: SessionBook) -> None:
    token = book.redeem(book.claim("王芳", "clerk", now=0.0), now=0.0)
    assert book.check(token, _role(), now=500.0) == ("王芳", "clerk")
    assert book.check(token, _role(), now=1000.0) == ("王芳", "clerk")  # seen at 500: not idle yet
    assert book.check(token, _role(), now=1700.0) is None  # 700 s without a view
    assert book.check(token, _role(), now=1701.0) is None  # and it stays ended
    busy = book.redeem(book.claim("王芳", "clerk", now=0.0), now=0.0)
    for now in range(300, 3601, 300):  # a view every five minutes
        assert book.check(busy, _role(), now=float(now)) is not None
    assert book.check(busy, _role(), now=3700.0) is None  # an hour after the sign-in, however busy
    out = book.redeem(book.claim("王芳", "clerk", now=0.0), now=0.0)
    book.revoke(out)
    assert book.check(out, _role(), now=1.0) is None
    moved = book.redeem(book.claim("王芳", "clerk", now=0.0), now=0.0)
    assert book.check(moved, _role("viewer"), now=1.0) is None  # the role changed
    assert book.check(moved, _role("clerk"), now=2.0) is None  # and changing it back does not revive it
    gone = book.redeem(book.claim("王芳", "clerk", now=0.0), now=0.0)
    assert book.check(gone, _role(None), now=1.0) is None  # the account was removed


def test_only_hashes_are_stored_and_the_file_is_private(book: SessionBook) -> None:
    code = book.claim("王芳", "clerk", now=0.0)
    token = book.redeem(code, now=0.0)
    stored = book.path.read_bytes()
    assert token is not None and token.encode() not in stored and code.encode() not in stored
    assert oct(book.path.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(book.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    assert book.revoke_account("王芳") == 1 and book.check(token, _role(), now=1.0) is None


@pytest.mark.parametrize("bad", [None, "", 123, b"bytes"])
def test_a_cookie_that_is_no_token_opens_nothing(book: SessionBook, bad: object) -> None:
    assert book.check(bad, _role(), now=0.0) is None  # type: ignore[arg-type]
