"""Roles, the user file (Argon2id), the sign-in guard and the configuration."""

from __future__ import annotations

import functools
import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.admin.access import (
    FAILURE_WINDOW_S,
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    MAX_TRACKED,
    AccessDenied,
    Actor,
    AuthConfig,
    SignInGuard,
    UserFile,
    account_key,
    cli_actor,
    client_address,
    require,
    trusted_request,
)

SECRET = "correct horse battery staple"


def test_roles_allow_what_the_issue_says() -> None:
    viewer, clerk, admin = (Actor("v", "viewer", "users"), Actor("c", "clerk", "users"), Actor("a", "admin", "users"))
    table = {a: [p.may(a) for p in (viewer, clerk, admin)]
             for a in ("view", "download", "import_ledger", "import_grids", "mapping", "undo", "users")}
    assert table == {"view": [True, True, True], "download": [True, True, True], "import_ledger": [False, True, True],
                     "import_grids": [False, False, True], "mapping": [False, False, True],
                     "undo": [False, False, True], "users": [False, False, True]}
    with pytest.raises(AccessDenied, match="needs the clerk role"):
        require(viewer, "import_ledger")
    assert require(None, "undo") == cli_actor() and cli_actor().name.startswith("cli:")
    with pytest.raises(ValueError, match="unknown action"):
        viewer.may("delete_everything")


def test_user_file_keeps_only_argon2id_hashes_private(tmp_path: Path) -> None:
    users = UserFile(tmp_path / "users.json")
    users.add("王芳", "clerk", SECRET)
    text = users.path.read_text(encoding="utf-8")
    assert SECRET not in text and json.loads(text)["users"]["王芳"]["hash"].startswith("$argon2id$")
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert users.verify("王芳", SECRET) == Actor("王芳", "clerk", "users")
    assert users.verify("王芳", SECRET + "!") is None and users.verify("nobody", SECRET) is None
    with pytest.raises(ValueError, match="exists"):
        users.add("王芳", "admin", SECRET)
    users.add("王芳", "admin", "another long one", replace=True)
    assert users.verify("王芳", SECRET) is None and users.role_of("王芳") == "admin"
    with pytest.raises(ValueError, match="at least"):
        users.add("short", "viewer", "123")
    with pytest.raises(ValueError, match="printable"):
        users.add("bad\nname", "viewer", SECRET)
    users.remove("王芳")
    assert users.users() == {} and users.role_of("王芳") is None


def test_failed_sign_ins_are_rate_limited_and_logged_without_the_password(tmp_path: Path) -> None:
    now = [1000.0]
    guard = SignInGuard(tmp_path / "security.log", clock=lambda: now[0])
    for _ in range(MAX_FAILURES - 1):
        guard.failed("王芳", "10.0.0.7", known=True)
    assert guard.wait_s("王芳") == 0
    guard.failed("王芳", "10.0.0.7", known=True)
    assert guard.wait_s("王芳") == pytest.approx(FAILURE_WINDOW_S)
    assert guard.wait_s("李四") == 0  # per account
    now[0] += FAILURE_WINDOW_S + 1
    assert guard.wait_s("王芳") == 0
    guard.succeeded("王芳", "10.0.0.7")
    guard.failed("my password 123", "10.0.0.7")  # a password typed into the name field
    lines = [json.loads(line) for line in (tmp_path / "security.log").read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in lines].count("sign_in_failed") == MAX_FAILURES + 1
    assert "sign_in_locked" in [r["event"] for r in lines] and lines[-2]["event"] == "sign_in"
    assert all(set(r) == {"at", "event", "name", "client"} for r in lines[:-1])
    # Not an account: only its keyed hash is logged, the same on every failure and after a restart.
    assert set(lines[-1]) == {"at", "event", "name_hash", "client"} and "password" not in json.dumps(lines[-1])
    again = SignInGuard(tmp_path / "security.log")
    assert lines[-1]["name_hash"] == again.name_hash("my password 123") == again.name_hash(" MY password 123")
    assert stat.S_IMODE((tmp_path / "security.key").stat().st_mode) == 0o600


#: Spellings of one name that a person or an attacker can type: padding (ASCII, ideographic, no-break and
#: zero-width spaces), case, full-width forms, composed and decomposed accents.
PADS = ["", " ", "  ", "\t", "\u3000", "\u00a0", "\u200b", "\ufeff"]


def spellings(name: str) -> st.SearchStrategy[str]:
    def variant(pads: tuple[str, str], case: str, width: bool, decompose: bool) -> str:
        import unicodedata

        text = {"same": name, "upper": name.upper(), "title": name.title()}[case]
        if width:  # ASCII letters and digits as their full-width forms (an IME's default in Chinese)
            text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
        if decompose:
            text = unicodedata.normalize("NFD", text)
        return pads[0] + text + pads[1]

    return st.builds(variant, st.tuples(st.sampled_from(PADS), st.sampled_from(PADS)),
                     st.sampled_from(["same", "upper", "title"]), st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(tries=st.lists(spellings("viewer1"), min_size=MAX_FAILURES, max_size=MAX_FAILURES), last=spellings("viewer1"))
def test_every_spelling_of_a_name_counts_against_one_lockout(tries: list[str], last: str) -> None:
    guard = SignInGuard()
    for name in tries:
        guard.failed(name, "")
    assert guard.wait_s(last) > 0 and guard.wait_s("viewer2") == 0


@settings(max_examples=40, deadline=None)
@given(name=spellings("José"))
def test_every_spelling_finds_the_one_account_and_no_second_can_be_made(tmp_path_factory: pytest.TempPathFactory,
                                                                        name: str) -> None:
    users = UserFile(tmp_path_factory.mktemp("u") / "users.json")
    users._write({"José": {"role": "clerk", "hash": users_hash()}})
    assert users.account(name) == "José" and users.role_of(name) == "clerk"
    if account_key(name) and name.strip() and not any(c in name for c in "\u200b\ufeff"):
        with pytest.raises(ValueError, match="exists"):
            users.add(name, "admin", SECRET)


@functools.cache
def users_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(SECRET)


def test_a_locked_account_stays_locked_and_its_spelling_signs_in_as_the_account(tmp_path: Path) -> None:
    users = UserFile(tmp_path / "users.json")
    users.add("viewer1", "viewer", SECRET)
    actor = users.verify("Viewer1\u3000", SECRET)
    assert actor is not None and actor.name == "viewer1"  # the audit trail names the account, not the typing
    guard = SignInGuard()
    for name in ("viewer1", "viewer1 ", " viewer1", "viewer1\u3000", "VIEWER1"):
        guard.failed(name, "10.0.0.7", known=True)
    assert all(guard.wait_s(n) > 0 for n in ("viewer1", "viewer1 ", "ｖｉｅｗｅｒ１", "view\u200ber1"))


def test_one_client_trying_many_names_is_stopped_and_the_table_stays_bounded() -> None:
    now = [0.0]
    guard = SignInGuard(clock=lambda: now[0])
    for i in range(MAX_CLIENT_FAILURES):
        guard.failed(f"guess{i}", "10.0.0.9")
    assert guard.wait_s("someone-else", "10.0.0.9") > 0  # that client, any name
    assert guard.wait_s("someone-else", "10.0.0.8") == 0  # another client
    for i in range(MAX_TRACKED + 500):  # a flood of invented names from changing addresses
        guard.failed(f"flood{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert guard.tracked() <= MAX_TRACKED


def test_the_trusted_header_counts_only_from_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_AUTH", "header")
    monkeypatch.delenv("GRIDWATCH_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("GRIDWATCH_PROXY_SECRET", raising=False)
    with pytest.raises(ValueError, match="GRIDWATCH_TRUSTED_PROXIES"):
        AuthConfig.from_env()
    monkeypatch.setenv("GRIDWATCH_TRUSTED_PROXIES", "10.0.0.5, 192.168.10.0/24")
    config = AuthConfig.from_env()
    assert trusted_request(config, "10.0.0.5", {}) and trusted_request(config, "192.168.10.77", {})
    assert not trusted_request(config, "10.0.0.6", {"X-Remote-User": "boss"})
    assert not trusted_request(config, None, {}) and not trusted_request(config, "not an ip", {})
    monkeypatch.setenv("GRIDWATCH_PROXY_SECRET", "s3cret-from-the-proxy")
    config = AuthConfig.from_env()
    assert trusted_request(config, "10.9.9.9", {"X-Gridwatch-Proxy-Secret": "s3cret-from-the-proxy"})
    assert not trusted_request(config, "10.9.9.9", {"X-Gridwatch-Proxy-Secret": "s3cret"})
    monkeypatch.setenv("GRIDWATCH_TRUSTED_PROXIES", "10.0.0.5, nonsense")
    with pytest.raises(ValueError, match="nonsense"):
        AuthConfig.from_env()


def test_the_logged_client_is_the_peer_unless_the_peer_is_our_proxy() -> None:
    import ipaddress

    proxies = (ipaddress.ip_network("10.0.0.5/32"),)
    forged = {"X-Forwarded-For": "1.2.3.4"}
    assert client_address("10.0.0.66", forged, proxies) == "10.0.0.66"  # direct: the header is not believed
    # Through the proxy: the hop it appended, not what the client prepended.
    assert client_address("10.0.0.5", {"X-Forwarded-For": "1.2.3.4, 10.0.0.66"}, proxies) == "10.0.0.66"
    assert client_address("10.0.0.5", {}, proxies) == "10.0.0.5"


def test_configuration_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRIDWATCH_AUTH", raising=False)
    assert AuthConfig.from_env().mode == "demo"
    monkeypatch.setenv("GRIDWATCH_AUTH", "users")
    monkeypatch.delenv("GRIDWATCH_USERS", raising=False)
    with pytest.raises(ValueError, match="GRIDWATCH_USERS"):
        AuthConfig.from_env()
    monkeypatch.setenv("GRIDWATCH_USERS", str(tmp_path / "u.json"))
    monkeypatch.setenv("GRIDWATCH_SESSION_MINUTES", "30")
    config = AuthConfig.from_env()
    assert (config.mode, config.session_minutes, config.header) == ("users", 30.0, "X-Remote-User")
    monkeypatch.setenv("GRIDWATCH_AUTH", "ldap")
    with pytest.raises(ValueError, match="users or header"):
        AuthConfig.from_env()
