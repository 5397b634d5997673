"""Every page on every kind of workspace: the sample street, real LA and NYC ledgers, and an empty one.

No exception, none of the numbers a leader must never read (inf, nan) anywhere on the page, and no
word of the other language of ours: on a Chinese page every Latin word is the ledger's own (a Los
Angeles council's name) or a proper name (a method, a standard, a file format), on an English page
every Chinese run is the ledger's. Only the language switch names both languages, so that a reader
of either can find it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.mapping import LedgerMapping
from geo.sample import SAMPLE_WORKSPACE
from geo.store import Workspace, open_store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
REAL = ROOT / "tests" / "fixtures" / "real"
PAGES = ["overview", "map", "hotspots", "trends", "rectification", "evaluation", "priority", "forecast", "ranking", "data",
         "bigscreen"]
BAD = re.compile(r"\b(inf|nan|NaN|None)\b|inf%|Traceback")
#: Proper names a Chinese page may print as they are: methods and their authors, standards, formats,
#: the product and the map's data source (the 计算说明 name the methods they follow).
PROPER_NAMES = frozenset({
    "Gridwatch", "OpenStreetMap", "Open", "GeoReport", "service_requests", "GB", "CJ", "DB", "PAI", "PEI",
    "Getis", "Ord", "Gi", "Mann", "Kendall", "Theil", "Sen", "Benjamini", "Hochberg", "Esri", "ArcGIS", "Chainey",
    "Poisson", "statsmodels", "Excel", "HTML", "PDF", "CSV", "XLSX", "GeoJSON", "GeoPackage", "Shapefile", "SHA",
    "KDE", "IANA",
})
#: The language switch's own label and options: the one control that names both languages.
SWITCH = re.compile(r"语言\s*/\s*Language|Language\s*/\s*语言|English|中文")
#: What is markup or a name, not text: tags, Streamlit's colour directives, IANA zone names, file paths
#: (the 计算说明 cite docs/forecast.md), digests.
MARKUP = re.compile(r"<style.*?</style>|<[^>]+>|:[a-z-]+\[|\b[A-Z][a-z]+/[A-Za-z_]+\b|[\w./-]+\.(?:md|csv|gz|geojson)\b"
                    r"|\b[0-9a-f]*\d[0-9a-f]*\b", re.DOTALL)
LATIN = re.compile(r"[A-Za-z][A-Za-z_]+")
HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]+")


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("every")
    la = Workspace(root / "la")
    import_grids(la, REAL / "la_neighborhood_councils_2019.geojson.gz", id_field="nc_id", name_field="name")
    import_ledger(la, REAL / "la_myla311_2018-01-01_to_01-04.csv.gz", mapping=LedgerMapping(tz="America/Los_Angeles"))
    nyc = Workspace(root / "nyc")  # no name or community field: the pages must make do
    import_grids(nyc, REAL / "nyc_community_districts_dcp2013.geojson.gz", id_field="BoroCD")
    import_ledger(nyc, REAL / "nyc_nikeiubel_assocrules_2013-12-25.csv.gz", mapping=LedgerMapping(tz="America/New_York"))
    (root / "empty").mkdir()
    return {"sample": "", "la": str(la.root), "nyc": str(nyc.root), "empty": str(root / "empty")}


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "metric", "info", "warning", "error", "success", "subheader", "title"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.astype(str).to_string())
    return "\n".join(parts)


def visible(at: AppTest) -> str:
    """Every text a reader sees: :func:`texts` plus the controls' labels, help and options, and table headers."""
    parts = [texts(at)]
    for kind in ("selectbox", "multiselect", "radio", "button", "checkbox", "toggle", "date_input", "text_input",
                 "number_input", "slider", "select_slider", "tabs", "expander", "text_area"):
        for element in getattr(at, kind):
            parts += [str(getattr(element, "label", "")), str(getattr(element, "help", "") or "")]
            parts += [str(o) for o in (getattr(element, "options", None) or [])]
    parts += [" ".join(map(str, frame.value.columns)) for frame in at.dataframe]
    return "\n".join(parts)


def ledger_text(workspace: str) -> str:
    """Every text value the workspace's ledger and grids hold: what a page may show in any language."""
    store = open_store(workspace or str(SAMPLE_WORKSPACE))
    values: list[str] = [Path(workspace or SAMPLE_WORKSPACE).name]  # the workspace is named as its folder
    # The import trail's files and who imported them (a user name such as cli:root is the user's).
    values += [str(record.get(key) or "") for record in store.imports() for key in ("source", "actor")]
    for frame in (store.load_issues(), store.load_grids()):
        if frame is None:
            continue
        for column in frame.columns:
            if column != "geometry" and not pd.api.types.is_numeric_dtype(frame[column]):
                values += frame[column].dropna().astype(str).unique().tolist()
    return "\n".join(values)


def other_language(text: str, lang: str, ledger: str, ledger_words: set[str]) -> list[str]:
    """The words of ``text`` in the language the page is not in that the ledger does not hold."""
    text = SWITCH.sub(" ", MARKUP.sub(" ", text))
    if lang == "zh":
        return sorted({w for w in LATIN.findall(text) if w not in PROPER_NAMES and w not in ledger_words})
    return sorted({run for run in HAN.findall(text) if run not in ledger})


def test_the_language_scan_finds_a_stray_word() -> None:
    # The scan itself must fire: an English word of ours on a Chinese page, a Chinese one on an English page.
    assert other_language("上报 Reported 120 件（Getis-Ord Gi*）", "zh", "", set()) == ["Reported"]
    assert other_language("Grid 望江社区第3网格 centre 中部", "en", "望江社区第3网格", set()) == ["中部"]
    assert other_language("<span style='color:red'>超期</span> :red-badge[未达标] Asia/Shanghai 24fef1c9", "zh", "",
                          set()) == []


@pytest.mark.parametrize("name", ["sample", "la", "nyc", "empty"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_opens_cleanly(workspaces: dict[str, str], name: str, lang: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if workspaces[name]:
        monkeypatch.setenv("GRIDWATCH_WORKSPACE", workspaces[name])
    else:
        monkeypatch.delenv("GRIDWATCH_WORKSPACE", raising=False)
    pages = ["data"] if name == "empty" else PAGES
    ledger = ledger_text(workspaces[name])
    ledger_words = set(LATIN.findall(ledger))
    for page in pages:
        at = AppTest.from_file(APP, default_timeout=180)
        at.session_state["gw_lang"] = lang
        at.run()
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (name, page, [e.value for e in at.exception])
        found = BAD.findall(texts(at))
        assert not found, (name, page, found[:5])
        stray = other_language(visible(at), lang, ledger, ledger_words)
        assert not stray, (name, page, lang, stray[:10])
        if page == "evaluation":  # each section is drawn only when chosen: open every one
            for option in at.radio(key="gw_eval_section").options:
                at.radio(key="gw_eval_section").set_value(option).run()
                assert not at.exception, (name, page, option, [e.value for e in at.exception])
                found = BAD.findall(texts(at))
                assert not found, (name, page, option, found[:5])
                stray = other_language(visible(at), lang, ledger, ledger_words)
                assert not stray, (name, page, option, lang, stray[:10])
