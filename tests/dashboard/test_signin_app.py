"""Sign-in in the dashboard: the form, wrong passwords, roles in the navigation, expiry, the trusted header."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.admin.access import Actor, UserFile

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "a long enough secret"


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "users.json"
    book = UserFile(path)
    for name, role in (("赵科长", "viewer"), ("王芳", "clerk"), ("李主任", "admin")):
        book.add(name, role, PASSWORD)
    monkeypatch.setenv("GRIDWATCH_AUTH", "users")
    monkeypatch.setenv("GRIDWATCH_USERS", str(path))
    return path


def signed_in(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.text_input(key="gw_signin_name").input(name)
    at.text_input(key="gw_signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def uploaders(at: AppTest) -> int:
    return len(at.get("file_uploader"))


def test_the_form_comes_first_and_a_wrong_password_is_refused(users: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert at.title[0].value == "登录" and not at.metric and uploaders(at) == 0
    at = signed_in("王芳", "wrong password!")
    assert at.error[0].value == "用户名或密码不对。" and uploaders(at) == 0
    log = (users.parent / "security.log").read_text(encoding="utf-8")
    assert "sign_in_failed" in log and "wrong password!" not in log and PASSWORD not in log


def test_a_viewer_sees_pages_but_no_upload_on_any_route(users: Path) -> None:
    at = signed_in("赵科长")
    assert at.title[0].value == "本周总览"
    assert "当前用户：赵科长（查看）" in [c.value for c in at.sidebar.caption]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/data.py")  # the 数据 page is not registered for a viewer: no route at all
    for page in ("app_pages/overview.py", "app_pages/priority.py", "app_pages/rectification.py", "app_pages/forecast.py"):
        at.switch_page(page).run()
        assert not at.exception and uploaders(at) == 0
        assert not [b for b in at.button if "导入" in str(b.label) or "撤销" in str(b.label)]


def test_names_of_people_are_shown_to_clerks_not_to_viewers(users: Path) -> None:
    """The inspector evaluation names people (the ledger's 上报人): a viewer sees grids and departments only."""
    def shown(at: AppTest) -> tuple[list[str], str]:
        at.switch_page("app_pages/evaluation.py").run()
        assert not at.exception, [e.value for e in at.exception]
        sections = at.radio(key="gw_eval_section")
        seen = []
        for option in sections.options:  # every section the user may open, and what it shows
            at.radio(key="gw_eval_section").set_value(option).run()
            assert not at.exception, [e.value for e in at.exception]
            seen += [frame.value.to_string() for frame in at.dataframe]
        return list(sections.options), " ".join(seen)

    (viewer_sections, viewer), (clerk_sections, clerk) = shown(signed_in("赵科长")), shown(signed_in("王芳"))
    cadre = "周平"  # a cadre of 青石社区第1网格 in the sample, who files patrol reports
    assert viewer_sections == ["区域评价", "部门评价", "巡查盲区"] and cadre not in viewer
    assert clerk_sections == ["区域评价", "部门评价", "岗位评价（网格员）", "巡查盲区"] and cadre in clerk


def test_a_clerk_imports_ledgers_but_not_grids_and_an_admin_may_undo(users: Path) -> None:
    clerk = signed_in("王芳")
    clerk.switch_page("app_pages/data.py").run()
    assert uploaders(clerk) == 1  # the ledger; grids are an admin's
    assert "网格由管理员导入" in " ".join(c.value for c in clerk.caption)
    assert not [s for s in clerk.selectbox if s.key == "gw_undo_pick"]
    admin = signed_in("李主任")
    admin.switch_page("app_pages/data.py").run()
    assert uploaders(admin) == 2 and [s for s in admin.selectbox if s.key == "gw_undo_pick"]
    assert not [b for b in admin.button if b.key == "gw_undo_run" and not b.disabled]  # confirm first


def test_a_session_expires_after_the_idle_limit(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_SESSION_MINUTES", "30")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["gw_session"] = (Actor("王芳", "clerk", "users"), time.monotonic() - 31 * 60)
    at.run()
    assert at.title[0].value == "登录" and "已超过 30 分钟未操作" in at.info[0].value


def test_the_trusted_header_mode_needs_the_header(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_AUTH", "header")
    monkeypatch.setenv("GRIDWATCH_TRUSTED_PROXIES", "127.0.0.1")  # the proxy on this machine
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert "未收到身份信息 X-Remote-User" in at.error[0].value and not at.metric


def test_the_trusted_header_is_refused_from_anywhere_but_the_proxy(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_AUTH", "header")
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()  # no proxy and no secret configured: the pages stay closed, the log says why
    assert at.error[0].value.startswith("登录配置有误") and not at.metric
    monkeypatch.setenv("GRIDWATCH_TRUSTED_PROXIES", "10.0.0.5")  # this connection is not the proxy's
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert "不是经由配置的代理而来" in at.error[0].value and not at.metric
