"""Roles, the user file (Argon2id), the sign-in guard and the configuration."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from geo.admin.access import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    AccessDenied,
    Actor,
    AuthConfig,
    SignInGuard,
    UserFile,
    cli_actor,
    require,
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
        guard.failed("王芳", "10.0.0.7")
    assert guard.wait_s("王芳") == 0
    guard.failed("王芳", "10.0.0.7")
    assert guard.wait_s("王芳") == pytest.approx(FAILURE_WINDOW_S)
    assert guard.wait_s("李四") == 0  # per name
    now[0] += FAILURE_WINDOW_S + 1
    assert guard.wait_s("王芳") == 0
    guard.succeeded("王芳", "10.0.0.7")
    lines = [json.loads(line) for line in (tmp_path / "security.log").read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in lines].count("sign_in_failed") == MAX_FAILURES
    assert "sign_in_locked" in [r["event"] for r in lines] and lines[-1]["event"] == "sign_in"
    assert all(set(r) == {"at", "event", "name", "client"} for r in lines)


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
