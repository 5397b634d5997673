"""The dashboard in a real headless Chromium with no internet: the map must render from local assets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from geo.ingest.imports import import_grids, import_ledger
from geo.store import Workspace
from tests.browser.conftest import SHOTS, Server, Traffic

pytestmark = pytest.mark.browser
FRAME = "streamlit_folium"


def open_page(browser: object, url: str, *, width: int = 1366, height: int = 900) -> tuple[object, Traffic]:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    traffic = Traffic(page)
    page.goto(url, wait_until="domcontentloaded")
    return page, traffic


def map_frame(page: object, timeout_s: float = 60.0) -> object:
    """The frame of the visible map once Leaflet has drawn the grids.

    A rerun replaces the component iframe (the old one lingers hidden, height 0), so the frame is
    looked up again until a visible, live one has drawn its paths.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    ready = "typeof L === 'object' && document.querySelectorAll('path.leaflet-interactive').length > 0"
    while time.monotonic() < deadline:
        try:
            handle = page.locator(f"iframe[src*='{FRAME}']").locator("visible=true").first
            handle.wait_for(timeout=5_000)
            frame = handle.element_handle(timeout=5_000).content_frame()
            if frame is not None and frame.evaluate(f"() => {ready}"):
                return frame
        except PlaywrightError:
            pass  # detached or not yet attached: look again
        page.wait_for_timeout(300)
    raise AssertionError(f"no rendered map frame within {timeout_s} s")


def wait_for_legend(page: object, text: str, timeout_s: float = 30.0) -> object:
    """The visible map frame once its legend contains ``text``."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = map_frame(page)
        try:
            # the legend on show: a map with levels hides the legends of the levels not drawn
            shown = frame.evaluate("() => [...document.querySelectorAll('.gw-legend')]"
                                   ".filter(e => e.style.display !== 'none').map(e => e.innerText)")
            if any(text in legend for legend in shown):
                return frame
        except PlaywrightError:
            pass  # the rerun replaced this frame while we read it: look again
        page.wait_for_timeout(300)
    raise AssertionError(f"no map legend with {text!r} within {timeout_s} s")


def wait_for_map(page: object, script: str, expected: object, what: str, timeout_s: float = 30.0) -> object:
    """The visible map frame once ``script`` evaluates to ``expected`` in it.

    A click or a radio reruns the page and replaces the map's iframe, possibly while we read it
    ("Frame was detached"): the frame is looked up again until the new one answers.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = map_frame(page)
        try:
            if frame.evaluate(script) == expected:
                return frame
        except PlaywrightError:
            pass  # replaced while we read it: look again
        page.wait_for_timeout(300)
    raise AssertionError(f"{what} within {timeout_s} s")


def test_heatmap_renders_over_the_grids_without_outside_requests(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/map")
    frame = map_frame(page)
    frame.wait_for_selector("canvas.leaflet-heatmap-layer", state="attached", timeout=30_000)
    assert frame.evaluate("typeof L") == "object"
    assert frame.evaluate("L.version") == "1.9.3"  # the xstatic-leaflet copy
    assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 35
    # The heat canvas has been painted: some pixels are not transparent.
    painted = frame.evaluate("""() => {
        const c = document.querySelector('canvas.leaflet-heatmap-layer');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n; }""")
    assert painted > 10_000
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "map_heat_zh_1366.png"), full_page=True)
    assert traffic.external() == []
    assert traffic.failed == []
    page.close()


def test_choropleth_and_english_labels(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/map")
    map_frame(page)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Where problems are").wait_for(timeout=30_000)
    page.get_by_text("Counts per grid", exact=True).first.click()
    # The layer switch re-runs the script and replaces the map: wait for the new legend.
    frame = wait_for_legend(page, "Issues")
    assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 35
    assert frame.evaluate("document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 0
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "map_choropleth_en_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


@pytest.mark.parametrize(("path", "heading"), [("", "本周总览"), ("trends", "趋势"), ("ranking", "网格排名")])
def test_other_pages_render(browser: object, server: Server, path: str, heading: str) -> None:
    page, traffic = open_page(browser, f"{server.url}/{path}")  # the default page (总览) lives at the root
    assert page.get_by_text("Page not found").count() == 0
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(2500)
    assert page.get_by_text("Page not found").count() == 0
    page.screenshot(path=str(SHOTS / f"{path or 'overview'}_zh_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


EVIL = "<img src=x onerror=alert(1)>"
#: A grid on the 地图 page (its outline colour), as opposed to a case point drawn over it at close zoom.
GRID_PATH = "path.leaflet-interactive[stroke='#3b4a5a']"
PHOTOS = "https://photos.example.invalid/p"
#: Markdown that would fetch an image if a name reached st.markdown/subheader unescaped.
MD_IMAGE = "![md](https://md.example.invalid/x.png)"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server whose ledger and grid names carry script payloads."""
    folder: Path = tmp_path_factory.mktemp("hostile")
    ring = [[117.25, 31.85], [117.26, 31.85], [117.26, 31.86], [117.25, 31.86], [117.25, 31.85]]
    grids = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"grid_id": "G1", "grid_name": EVIL, "community": f"<script>alert(2)</script>{MD_IMAGE}"}}]}
    (folder / "grids.geojson").write_text(json.dumps(grids), encoding="utf-8")
    # Photo cells mix a real link with a javascript: one, a bare file name and markup in a query.
    rows = "".join(f"X{i},{EVIL},2026-03-0{1 + i % 9} 10:00,117.255,31.855,{EVIL},{EVIL},"
                   f"{PHOTOS}/{i}.jpg javascript:alert(3),IMG_{i}.jpg;{PHOTOS}/a{i}.jpg?x=<script>\n" for i in range(30))
    (folder / "ledger.csv").write_text("问题编号,问题类型,上报时间,经度,纬度,地址,问题描述,整改前照片,整改后照片\n" + rows,
                                       encoding="utf-8")
    ws = Workspace(folder / "workspace")
    import_grids(ws, folder / "grids.geojson")
    import_ledger(ws, folder / "ledger.csv")
    srv = Server({"GRIDWATCH_WORKSPACE": str(ws.root)})
    yield srv
    srv.stop()


def test_hostile_text_shows_as_text_and_never_runs(browser: object, hostile_server: Server) -> None:
    page, traffic = open_page(browser, f"{hostile_server.url}/map")
    frame = map_frame(page)
    # The grid's outline (not one of the case points that sit at its centre at this close zoom), near its corner.
    frame.hover(GRID_PATH, force=True, position={"x": 8, "y": 8})
    frame.wait_for_selector(".leaflet-tooltip", timeout=15_000)
    assert EVIL in frame.inner_text(".leaflet-tooltip")  # shown literally
    assert frame.evaluate("document.querySelectorAll('.leaflet-tooltip img, .leaflet-tooltip script').length") == 0
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "xss_tooltip.png"))
    assert traffic.dialogs == []
    assert traffic.external() == []
    page.close()


def test_hostile_names_stay_text_on_the_overview(browser: object, hostile_server: Server) -> None:
    page, traffic = open_page(browser, hostile_server.url)  # the overview is the default page
    page.get_by_role("heading", name="本周总览").wait_for(timeout=60_000)
    page.get_by_text("最需优先整治", exact=False).wait_for(timeout=30_000)
    sentence = page.get_by_text("最需优先整治", exact=False).inner_text()
    assert EVIL in sentence  # the grid's name, literally
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    page.wait_for_timeout(1000)
    assert traffic.dialogs == [] and traffic.external() == []
    page.close()


def test_photo_links_open_only_http_and_never_run(browser: object, hostile_server: Server) -> None:
    page, traffic = open_page(browser, f"{hostile_server.url}/map")
    frame = map_frame(page)
    frame.locator(GRID_PATH).first.click(force=True, position={"x": 8, "y": 8})
    page.get_by_text("整改前后照片（30 件问题有照片）").wait_for(timeout=30_000)
    page.get_by_text("整改前后照片（30 件问题有照片）").click()  # open the expander
    page.get_by_role("link", name="整改后 1").first.wait_for(timeout=15_000)
    hrefs = page.evaluate("[...document.querySelectorAll('[data-testid=stExpander] a')].map(a => a.href)")
    assert len(hrefs) == 60  # per issue: one before link (javascript: dropped), one after link (file name dropped)
    assert all(h.startswith(PHOTOS) for h in hrefs)
    assert f"{PHOTOS}/a0.jpg?x=%3Cscript%3E" in hrefs
    assert page.get_by_text("另有 60 个照片单元格", exact=False).count() == 0  # each cell had a link
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "detail_photos_zh_1366.png"), full_page=True)
    assert traffic.dialogs == [] and traffic.external() == []  # links are shown, nothing is fetched
    page.close()


def test_a_second_visitor_sees_the_map_too(browser: object, server: Server) -> None:
    # Regression: a folium Map cached across sessions rendered as a blank frame for the second one.
    for _ in range(2):
        page, _traffic = open_page(browser, f"{server.url}/map")
        frame = map_frame(page)
        assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 35
        page.close()


def test_panning_and_zooming_do_not_rerun_the_app(browser: object, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sent: list[object] = []
    # A rerun is a message from the browser to the server on Streamlit's websocket.
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{server.url}/map", wait_until="domcontentloaded")
    frame = map_frame(page)
    page.wait_for_timeout(2000)  # let the initial handshake and component messages settle
    sent.clear()
    before = frame.evaluate("() => { const m = Object.values(window).find(v => v instanceof L.Map);"
                            " return [m.getCenter().lat, m.getZoom()]; }")
    box = page.locator(f"iframe[src*='{FRAME}']").locator("visible=true").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 90, steps=10)
    page.mouse.up()
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(2500)
    after = frame.evaluate("() => { const m = Object.values(window).find(v => v instanceof L.Map);"
                           " return [m.getCenter().lat, m.getZoom()]; }")
    assert after != before  # the map did move
    assert sent == []  # and the server heard nothing of it
    page.close()


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server on a workspace that has grids but no ledger yet (a new street office's first day)."""
    folder: Path = tmp_path_factory.mktemp("fresh")
    ws = Workspace(folder / "workspace")
    import_grids(ws, Path(__file__).resolve().parents[2] / "data" / "sample" / "grids.geojson")
    srv = Server({"GRIDWATCH_WORKSPACE": str(ws.root)})
    yield srv
    srv.stop()


def settle(page: object, at_least_s: float = 1.5, timeout_s: float = 120.0) -> None:
    """Wait until Streamlit has finished the run an upload or a click started (its status widget is gone)."""
    time.sleep(at_least_s)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and page.locator("[data-testid=stStatusWidget]").count():  # type: ignore[attr-defined]
        time.sleep(0.3)


def test_a_clerk_uploads_a_ledger_and_sees_the_accounting(browser: object, empty_server: Server,
                                                           tmp_path: Path) -> None:
    upload = tmp_path / "台账 第1周.csv"
    upload.write_text("问题编号,问题类型,上报时间,经度,纬度,问题描述\n"
                      "U1,私搭乱建,2026-03-05 09:00,117.2500,31.8500,院内搭建\n"
                      f"U2,乱停乱放,2026-03-05 10:00,117.2510,31.8510,{EVIL}\n"
                      "U3,垃圾,2026-03-05 11:00,,,无坐标\n", encoding="utf-8")
    page, traffic = open_page(browser, empty_server.url)
    page.get_by_role("heading", name="数据导入").wait_for(timeout=60_000)
    # Step 1 (grids) is done already: the ledger goes into the second uploader, step 2.
    page.locator("input[type=file]").nth(1).set_input_files(str(upload))
    page.get_by_text("识别到的列对应关系").wait_for(timeout=30_000)
    page.get_by_text("第三步：问题类型对应").wait_for(timeout=30_000)
    settle(page)  # a click during the rerun that draws the preview maps would be lost with it
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_text("已导入“台账 第1周.csv”", exact=False).wait_for(timeout=90_000)
    page.locator("[data-testid=stMetric]").first.wait_for(timeout=30_000)
    settle(page)
    metrics = page.locator("[data-testid=stMetric]").all_inner_texts()
    values = {m.split("\n")[0]: m.split("\n")[-1] for m in metrics}
    assert {k: values[k] for k in ("读取", "新增", "更新", "拒收", "重复")} == {
        "读取": "3", "新增": "2", "更新": "0", "拒收": "1", "重复": "0"}
    page.get_by_role("button", name="下载拒收记录（含原因）").wait_for()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "data_import_zh_1366.png"), full_page=True)
    # The import made the other pages available; the map now shows the two issues.
    page.get_by_role("link", name="地图").click()
    # The 数据 page's preview map (35 grids and the 2 points) can still be the visible frame for a moment
    # after the click (seen once under two test workers): wait for the 地图 page's own map.
    page.get_by_role("heading", name="问题分布地图").wait_for(timeout=60_000)
    frame = wait_for_map(page, "() => decodeURIComponent(location.search).includes('/map')", True,
                         "the 地图 page's map", timeout_s=60)
    assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 35
    assert traffic.dialogs == [] and traffic.external() == [] and traffic.failed == []
    page.close()


def test_hotspot_page_renders_classes_with_a_legend(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/hotspots")
    page.get_by_role("heading", name="热点分析").wait_for(timeout=60_000)
    frame = wait_for_legend(page, "明显聚集（可信度 99%）")
    assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") > 500  # 100 m cells
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "hotspots_gi_zh_1366.png"), full_page=True)
    page.get_by_text("聚集的变化", exact=True).click()
    wait_for_legend(page, "连续热点")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "hotspots_emerging_zh_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


def _picker_text(page: object) -> str:
    return page.get_by_role("combobox", name="选择单元（或在地图上点击）").input_value()


def test_clicking_a_grid_shows_its_history(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/hotspots")
    page.get_by_role("heading", name="热点分析").wait_for(timeout=60_000)
    wait_for_legend(page, "明显聚集（可信度 99%）")
    page.get_by_text("管理网格", exact=True).click()
    frame = wait_for_map(page, "document.querySelectorAll('path.leaflet-interactive').length", 35,
                         "the grid map did not replace the cell map")
    page.get_by_text("单元历史").wait_for(timeout=30_000)
    before = _picker_text(page)
    # Click grids until one differs from the preselected (strongest) one; its tooltip names it.
    for k in (3, 17, 29):
        path = frame.locator("path.leaflet-interactive").nth(k)
        path.hover()
        name = frame.locator(".leaflet-tooltip").inner_text().split("\n")[0].split("\t")[-1].strip()  # 单元\tNAME
        if name not in before:
            path.click()
            break
    deadline = time.monotonic() + 30
    while name not in _picker_text(page):
        assert time.monotonic() < deadline, f"the picker did not follow the click on {name}"
        page.wait_for_timeout(300)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "hotspots_history_zh_1366.png"))
    # The unit is a grid: its detail panel (heading "name（community）") follows under the history.
    detail = page.get_by_role("heading", name=f"{name}（", exact=False)
    detail.wait_for(timeout=30_000)
    detail.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "hotspots_grid_detail_zh_1366.png"))
    assert traffic.external() == [] and traffic.failed == []
    page.close()


def test_density_view_is_an_inline_image(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/hotspots")
    page.get_by_role("heading", name="热点分析").wait_for(timeout=60_000)
    wait_for_legend(page, "明显聚集（可信度 99%）")
    page.get_by_text("密度分布", exact=True).click()
    frame = wait_for_legend(page, "密度")
    image = frame.wait_for_selector("img.leaflet-image-layer", state="attached", timeout=30_000)
    src = image.get_attribute("src")
    assert src.startswith("data:image/png;base64,") and len(src) < 400_000  # bounded payload
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "hotspots_density_zh_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


@pytest.mark.parametrize(("lang", "path", "heading", "marker"), [
    ("zh", "rectification", "整改考核", "督办清单（超期未结）"),
    ("en", "rectification", "Rectification performance", "Supervision list (overdue open cases)"),
    ("zh", "priority", "整治优先级", "优先级得分"),
    ("en", "priority", "Where to act first", "Priority score"),
])
def test_rectification_and_priority_pages(browser: object, server: Server, lang: str, path: str, heading: str,
                                          marker: str) -> None:
    page, traffic = open_page(browser, f"{server.url}/{path}")
    page.get_by_role("heading", name="整改考核" if path == "rectification" else "整治优先级").wait_for(timeout=60_000)
    if lang == "en":
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    if path == "priority":
        wait_for_legend(page, marker)  # the priority map drew, with its legend in the page's language
        # The table's header lives in the data grid's accessible copy, which may attach after the map.
        page.get_by_text("主要原因" if lang == "zh" else "Leading reasons").first.wait_for(state="attached",
                                                                                      timeout=30_000)
    else:
        page.get_by_text(marker).wait_for(timeout=30_000)
        # The KPI cards (ten metrics) may still be streaming in behind the heading.
        page.wait_for_function("document.querySelectorAll(\"[data-testid='stMetricValue']\").length >= 10",
                               timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / f"{path}_{lang}_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


def test_clicking_a_grid_on_the_map_opens_its_detail(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/map")
    page.get_by_text("网格统计", exact=True).first.click()
    wait_for_legend(page, "问题数")
    frame = map_frame(page)
    path = frame.locator("path.leaflet-interactive").nth(12)
    path.hover()
    name = frame.locator(".leaflet-tooltip").inner_text().split("\n")[0].split("\t")[-1].strip()
    path.click()
    page.get_by_role("heading", name=name, exact=False).wait_for(timeout=30_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
    # The clicked grid is outlined on the redrawn map.
    wait_for_map(page, "document.querySelectorAll('path[stroke=\"#08519c\"][stroke-width=\"4\"]').length", 1,
                 "no highlight outline")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "map_drilldown_zh_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


@pytest.mark.parametrize(("choice", "host", "attribution"), [("OpenStreetMap", "tile.openstreetmap.org", "OpenStreetMap"),
                                                             ("高德", "is.autonavi.com", "高德地图")])
def test_basemaps_ask_only_their_tile_host_and_the_map_survives_without_tiles(
        browser: object, server: Server, choice: str, host: str, attribution: str) -> None:
    page, traffic = open_page(browser, f"{server.url}/map")
    map_frame(page)
    page.get_by_text(choice, exact=True).click()
    deadline = time.monotonic() + 30
    while not any(host in u for u in traffic.requests):
        assert time.monotonic() < deadline, f"no tile request to {host}"
        page.wait_for_timeout(300)
    frame = map_frame(page)
    # No internet here: the tiles fail, our grids and heat layer still draw, the attribution shows.
    assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 35
    assert attribution in frame.inner_text(".leaflet-control-attribution")
    assert all(host in u for u in traffic.external())  # no other host is ever asked
    assert all(host in f for f in traffic.failed)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"basemap_{host.split('.')[-2]}_zh_1366.png"), full_page=True)
    page.close()


#: Every page: (url path, Chinese heading, English heading). The default page (总览) lives at the root.
ALL_PAGES = (("", "本周总览", "This week at a glance"), ("map", "问题分布地图", "Where problems are"),
             ("hotspots", "热点分析", "Hotspot analysis"), ("trends", "趋势", "Trends"),
             ("rectification", "整改考核", "Rectification performance"), ("priority", "整治优先级", "Where to act first"),
             ("ranking", "网格排名", "Grid ranking"), ("data", "数据导入", "Import data"))


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshot_matrix_every_page(browser: object, server: Server, lang: str, width: int, height: int) -> None:
    """Every page in both languages at a laptop and a command-centre size: heading, no error, no other host."""
    page, traffic = open_page(browser, server.url, width=width, height=height)
    page.get_by_role("heading", name="本周总览", exact=True).wait_for(timeout=60_000)
    if lang == "en":
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="This week at a glance", exact=True).wait_for(timeout=60_000)
    for path, zh, en in ALL_PAGES:
        # In-app navigation (the sidebar link) keeps the session, and with it the language.
        page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
        page.get_by_role("heading", name=zh if lang == "zh" else en, exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(1200)
        assert page.locator("[data-testid='stException']").count() == 0, path
        assert page.get_by_role("heading", name=(en if lang == "zh" else zh), exact=True).count() == 0
        page.screenshot(path=str(SHOTS / f"matrix_{path or 'overview'}_{lang}_{width}.png"))
    assert traffic.external() == [] and traffic.failed == []
    page.close()


@pytest.mark.parametrize(("query", "lang", "kpi"), [("", "zh", "结案率"), ("?lang=en", "en", "Close rate")])
def test_big_screen_at_1920(browser: object, server: Server, query: str, lang: str, kpi: str) -> None:
    # The sidebar is hidden, so a wall display chooses English by its address.
    page, traffic = open_page(browser, f"{server.url}/bigscreen{query}", width=1920, height=1080)
    wait_for_map(page, f"(document.querySelector('.gw-kpis')?.innerText || '').includes({kpi!r})", True,
                 f"no {kpi!r} in the KPI overlay")
    assert page.locator("[data-testid='stSidebar']").is_visible() is False
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / f"bigscreen_{lang}_1920.png"))
    assert traffic.external() == [] and traffic.failed == []
    page.close()


def test_weekly_playback_animates_in_the_browser(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, f"{server.url}/map")
    map_frame(page)
    page.get_by_text("按周回放", exact=True).click()
    frame = wait_for_legend(page, "问题数")
    frame.wait_for_selector(".gw-playback", timeout=30_000)
    fills = "() => Array.from(document.querySelectorAll('path.leaflet-interactive')).map(p => p.getAttribute('fill'))"
    first_label = frame.inner_text(".gw-label")
    assert first_label == "2026年11月15日"  # starts on the newest week, written the Chinese way
    before = frame.evaluate(fills)
    frame.click(".gw-play")
    page.wait_for_timeout(2200)  # three frames at 0.7 s
    assert frame.inner_text(".gw-label") != first_label
    assert frame.evaluate(fills) != before
    page.screenshot(path=str(SHOTS / "map_playback_zh_1366.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


BOXES = """() => [...document.querySelectorAll(%s)].map(e => {
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; })"""


def _overlaps(boxes: list[list[object]]) -> list[tuple[object, object]]:
    return [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5]


def test_overview_map_numbers_the_priority_grids_and_its_labels_never_collide(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, server.url)
    page.get_by_role("heading", name="优先整治网格").wait_for(timeout=60_000)
    frame = map_frame(page)
    frame.wait_for_selector(".gw-rank", timeout=15_000)
    # The table beside the map lists five grids: the map numbers the same five, 1 to 5.
    assert frame.evaluate("[...document.querySelectorAll('.gw-rank')].map(e => e.textContent)") == list("12345")
    rows = page.locator("[data-testid=stTable] tbody tr")
    assert rows.count() == 5 and rows.first.inner_text().startswith("1")
    for step in range(3):  # the opening view, then two levels closer
        page.wait_for_timeout(800)
        labels = frame.evaluate(BOXES % "'.gw-place'")
        ranks = frame.evaluate(BOXES % "'.gw-rank'")
        assert labels, f"no label at zoom step {step}"
        assert _overlaps(labels) == [], step
        assert _overlaps([*labels, *ranks]) == [], step  # and none under a priority number
        page.screenshot(path=str(SHOTS / f"overview_labels_zoom{step}.png"))
        frame.click(".leaflet-control-zoom-in")
    assert traffic.external() == [] and traffic.failed == []
    page.close()


@pytest.mark.parametrize(("lang", "button", "limit"), [("zh", "选择文件", "单个文件不超过 50 MB"),
                                                       ("en", "Choose a file", "Up to 50 MB per file")])
def test_the_uploader_speaks_the_pages_language(browser: object, empty_server: Server, lang: str, button: str,
                                                limit: str) -> None:
    """Streamlit writes "Upload" and "50MB per file • CSV…" whatever the language; what a person sees is ours."""
    page, _ = open_page(browser, f"{empty_server.url}/data?lang={lang}")
    page.locator("[data-testid=stFileUploaderDropzone]").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
    shown = page.evaluate("""() => {
        const zone = document.querySelector('[data-testid=stFileUploaderDropzone]');
        const seen = el => getComputedStyle(el).fontSize === '0px' ? getComputedStyle(el, '::after').content
                                                                   : el.textContent;
        return [seen(zone.querySelector('button [data-testid=stMarkdownContainer] p')),
                seen(zone.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span'))];
    }""")
    assert button in shown[0] and limit in shown[1], shown
    assert "Upload" not in shown[0] and "per file •" not in shown[1]
    page.close()  # type: ignore[attr-defined]
