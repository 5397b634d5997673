"""Who may change the numbers, in the browser: a viewer finds no upload on any page or URL; a clerk's
import lands in the audit trail with the name and the file's hash; an admin undoes it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.admin.access import UserFile
from geo.ingest.imports import import_grids, import_ledger
from geo.store import Workspace
from tests.browser.conftest import SHOTS, Server
from tests.browser.test_offline_map import open_page, settle

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
PASSWORD = "a long enough secret"
URLS = ("", "home", "overview", "map", "hotspots", "trends", "rectification", "priority", "forecast", "ranking",
        "data", "start", "bigscreen")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Workspace, Path]]:
    folder: Path = tmp_path_factory.mktemp("secured")
    ws = Workspace(folder / "workspace")
    import_grids(ws, SAMPLE / "grids.geojson")
    import_ledger(ws, SAMPLE / "ledger.csv")
    users = folder / "users.json"
    book = UserFile(users)
    for name, role in (("赵科长", "viewer"), ("王芳", "clerk"), ("李主任", "admin"), ("viewer1", "viewer")):
        book.add(name, role, PASSWORD)
    srv = Server({"GRIDWATCH_WORKSPACE": str(ws.root), "GRIDWATCH_AUTH": "users", "GRIDWATCH_USERS": str(users)})
    yield srv, ws, users
    srv.stop()


def sign_in(page: object, name: str, password: str = PASSWORD) -> None:
    page.get_by_role("heading", name="登录").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_label("用户名").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("密码").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
    settle(page, at_least_s=2.0)


def test_a_viewer_reaches_no_upload_or_import_through_any_page_or_url(browser: object,
                                                                      secured: tuple[Server, Workspace, Path]) -> None:
    srv, ws, users = secured
    generation = ws.generation()
    for path in URLS:
        page, traffic = open_page(browser, f"{srv.url}/{path}")
        assert page.locator("input[type=file]").count() == 0  # type: ignore[attr-defined]
        sign_in(page, "赵科长")
        # The page the link asked for opens after the form; 大屏 hides the sidebar that names the person.
        signed_in = "网格治理大屏" if path == "bigscreen" else "当前用户：赵科长（查看）"
        page.get_by_text(signed_in).wait_for(timeout=60_000)  # type: ignore[attr-defined]
        settle(page)
        assert page.locator("input[type=file]").count() == 0, path  # type: ignore[attr-defined]
        for word in ("导入", "撤销", "Import", "Undo"):
            assert page.get_by_role("button", name=word).count() == 0, (path, word)  # type: ignore[attr-defined]
        assert page.get_by_role("link", name="数据").count() == 0  # type: ignore[attr-defined]
        assert traffic.external() == []
        if path == "data":
            page.screenshot(path=str(SHOTS / "viewer_data_url_zh_1366.png"), full_page=True)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    assert ws.generation() == generation
    log = (users.parent / "security.log").read_text(encoding="utf-8")
    assert PASSWORD not in log and log.count('"sign_in"') >= len(URLS)


def test_a_wrong_password_is_refused_and_logged(browser: object, secured: tuple[Server, Workspace, Path]) -> None:
    srv, _, users = secured
    page, _ = open_page(browser, srv.url)
    sign_in(page, "王芳", "not the password")
    page.get_by_text("用户名或密码不对。").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    assert page.locator("input[type=file]").count() == 0  # type: ignore[attr-defined]
    assert "not the password" not in (users.parent / "security.log").read_text(encoding="utf-8")
    page.close()  # type: ignore[attr-defined]


def test_a_clerks_import_is_audited_and_an_admin_undoes_it(browser: object, secured: tuple[Server, Workspace, Path],
                                                          tmp_path: Path) -> None:
    srv, ws, _ = secured
    before = ws.read()
    upload = tmp_path / "错误的台账.csv"
    upload.write_text("问题编号,问题类型,上报时间,经度,纬度\nX1,私搭乱建,2026-11-14 09:00,117.2500,31.8500\n"
                      "X2,乱停乱放,2026-11-14 10:00,117.2510,31.8510\n", encoding="utf-8")
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    page, traffic = open_page(browser, srv.url)
    sign_in(page, "王芳")
    page.get_by_role("link", name="数据").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="数据导入").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.locator("input[type=file]").first.wait_for(state="attached", timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
    assert page.locator("input[type=file]").count() == 1  # type: ignore[attr-defined]  # the ledger only
    page.locator("input[type=file]").first.set_input_files(str(upload))  # type: ignore[attr-defined]
    page.get_by_text("第三步：问题类型对应").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name="导入", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_text("已导入“错误的台账.csv”", exact=False).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    settle(page)
    record = ws.imports()[-1]
    assert (record["actor"], record["role"], record["source"], record["sha256"]) == ("王芳", "clerk", "错误的台账.csv",
                                                                                      digest)
    assert len(ws.load_issues()) == len(before.issues) + 2
    # In the trail (the data grid draws on a canvas; its accessible cells carry the text).
    page.get_by_text(digest[:12]).first.wait_for(state="attached", timeout=30_000)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]

    page, traffic = open_page(browser, srv.url)
    sign_in(page, "李主任")
    page.get_by_role("link", name="数据").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="撤销导入").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_text("我确认撤销").click()  # type: ignore[attr-defined]  # the newest change is picked by default
    settle(page)
    page.get_by_role("button", name="撤销", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_text("已撤销第", exact=False).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
    page.screenshot(path=str(SHOTS / "admin_undo_zh_1366.png"), full_page=True)  # type: ignore[attr-defined]
    after = ws.read()
    assert len(after.issues) == len(before.issues) and after.issues.equals(before.issues)
    assert after.imports[-1]["kind"] == "undo" and after.imports[-1]["actor"] == "李主任"
    assert traffic.external() == [] and traffic.dialogs == []
    page.close()  # type: ignore[attr-defined]



def test_a_locked_account_stays_locked_under_every_spelling_of_its_name(browser: object,
                                                                        secured: tuple[Server, Workspace, Path]) -> None:
    """Five wrong passwords under five spellings lock the one account; the right password under any spelling
    is then refused (a padded name once had its own five tries, and signed in after the lock)."""
    srv, _, users = secured
    page, _ = open_page(browser, srv.url)
    for name in ("viewer1", "viewer1 ", " viewer1", "viewer1\u3000", "Viewer1"):
        sign_in(page, name, "wrong password")
    for name in ("viewer1", "viewer1 ", "ｖｉｅｗｅｒ１", "VIEWER1\u3000"):
        sign_in(page, name)  # the right password
        page.get_by_text("失败次数过多", exact=False).wait_for(timeout=30_000)  # type: ignore[attr-defined]
        assert page.get_by_text("当前用户", exact=False).count() == 0  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "signin_locked_zh.png"))  # type: ignore[attr-defined]
    log = (users.parent / "security.log").read_text(encoding="utf-8")
    assert '"event": "sign_in_locked", "name": "viewer1' in log  # logged under the account, it exists
    assert "wrong password" not in log
    page.close()  # type: ignore[attr-defined]


def test_a_direct_connection_cannot_claim_a_name_through_the_header(browser: object, tmp_path: Path) -> None:
    """Header mode believes X-Remote-User only from the configured proxy or with the proxy's secret: a browser
    on this machine sending the header itself is refused (what the proxy's own requests are given is
    tested in tests/geo/test_access.py and tests/dashboard/test_signin_app.py)."""
    ws = Workspace(tmp_path / "workspace")
    import_grids(ws, SAMPLE / "grids.geojson")
    import_ledger(ws, SAMPLE / "ledger.csv")
    users = tmp_path / "users.json"
    UserFile(users).add("李主任", "admin", PASSWORD)
    env = {"GRIDWATCH_WORKSPACE": str(ws.root), "GRIDWATCH_AUTH": "header", "GRIDWATCH_USERS": str(users),
           "GRIDWATCH_TRUSTED_PROXIES": "10.0.0.5", "GRIDWATCH_PROXY_SECRET": "the proxy's own secret"}
    srv = Server(env)
    try:
        forged = browser.new_page(extra_http_headers={"X-Remote-User": "李主任"})  # type: ignore[attr-defined]
        forged.goto(f"{srv.url}/overview", wait_until="networkidle")
        forged.get_by_text("不是经由配置的代理而来", exact=False).wait_for(timeout=60_000)
        assert forged.get_by_text("当前用户", exact=False).count() == 0
        assert forged.locator("input[type=file]").count() == 0
        forged.screenshot(path=str(SHOTS / "header_refused_zh.png"))
        forged.close()
    finally:
        srv.stop()


def test_a_link_opened_before_signing_in_lands_where_it_asked(browser: object,
                                                             secured: tuple[Server, Workspace, Path]) -> None:
    """A bookmark of 优先级 showed 总览 under the /priority address after the sign-in form."""
    srv, _, _ = secured
    page, _ = open_page(browser, f"{srv.url}/priority")
    sign_in(page, "王芳")
    page.get_by_role("heading", name="整治优先级").wait_for(timeout=90_000)  # type: ignore[attr-defined]
    assert page.url.endswith("/priority")  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    # A link to a grid's detail (a colleague's, a bulletin's) opens it after the form, on the page it named.
    page, _ = open_page(browser, f"{srv.url}/map?grid=340104012005004")
    sign_in(page, "王芳")
    page.get_by_role("heading", name="杏林社区第4网格", exact=False).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    assert "/map" in page.url and "grid=340104012005004" in page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    # A page the role has no route to is not reached through the form either: the viewer lands on 总览.
    page, _ = open_page(browser, f"{srv.url}/data")
    sign_in(page, "赵科长")
    page.get_by_text("当前用户：赵科长（查看）").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
    assert page.locator("input[type=file]").count() == 0  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def _signed_in_as(page: object, name: str) -> bool:
    """Whether the page comes up signed in as ``name`` (within a minute: the first open of a page is slow)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_text(f"当前用户：{name}", exact=False).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    except PlaywrightTimeout:
        return False
    return True


def _session_cookie(context: object, timeout_s: float = 60.0) -> dict:
    """The session cookie once the browser holds it (the form hands the browser to /_gw/session and back)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == "gw_auth"]  # type: ignore[attr-defined]
        if found:
            return found[0]
        time.sleep(0.25)
    raise AssertionError("no session cookie within a minute of signing in")


def test_a_reload_keeps_the_session_and_sign_out_ends_it_everywhere(browser: object,
                                                                   secured: tuple[Server, Workspace, Path]) -> None:
    """The session is an HttpOnly cookie the server checks: a reload and a second tab stay signed in; sign-out
    revokes it on the server, so the same cookie copied elsewhere opens nothing; a changed role ends it."""
    srv, _, users = secured
    context = browser.new_context(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{srv.url}/map", wait_until="domcontentloaded")
    sign_in(page, "王芳")
    cookie = _session_cookie(context)
    page.wait_for_url("**/map*", timeout=60_000)  # back on the page that was open
    assert _signed_in_as(page, "王芳")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and len(cookie["value"]) >= 40
    assert page.evaluate("() => document.cookie").find("gw_auth") == -1  # no script can read it
    page.reload(wait_until="domcontentloaded")
    assert _signed_in_as(page, "王芳") and page.get_by_role("heading", name="登录").count() == 0
    other = context.new_page()  # a second tab of the same browser
    other.goto(f"{srv.url}/priority", wait_until="domcontentloaded")
    assert _signed_in_as(other, "王芳")
    # The same cookie in another browser (a copied token) works until sign-out, and not after.
    thief = browser.new_context()  # type: ignore[attr-defined]
    thief.add_cookies([{"name": "gw_auth", "value": cookie["value"], "url": srv.url}])
    stolen = thief.new_page()
    stolen.goto(f"{srv.url}/", wait_until="domcontentloaded")
    assert _signed_in_as(stolen, "王芳")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="登录").wait_for(timeout=60_000)
    stolen.reload(wait_until="domcontentloaded")
    stolen.get_by_role("heading", name="登录").wait_for(timeout=60_000)
    other.reload(wait_until="domcontentloaded")
    other.get_by_role("heading", name="登录").wait_for(timeout=60_000)
    thief.close()
    # A new session, then the admin changes the role: the next view is the form again.
    context.clear_cookies()
    page.goto(f"{srv.url}/", wait_until="domcontentloaded")
    sign_in(page, "王芳")
    _session_cookie(context)
    assert _signed_in_as(page, "王芳")
    UserFile(users).add("王芳", "viewer", PASSWORD, replace=True)
    try:
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name="登录").wait_for(timeout=60_000)
    finally:
        UserFile(users).add("王芳", "clerk", PASSWORD, replace=True)
    context.close()
