"""Every page on every kind of workspace: the sample street, real LA and NYC ledgers, and an empty one.

No exception, and none of the numbers a leader must never read (inf, nan) anywhere on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.mapping import LedgerMapping
from geo.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
REAL = ROOT / "tests" / "fixtures" / "real"
PAGES = ["overview", "map", "hotspots", "trends", "rectification", "evaluation", "priority", "forecast", "ranking", "data",
         "bigscreen"]
BAD = re.compile(r"\b(inf|nan|NaN|None)\b|inf%|Traceback")


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


@pytest.mark.parametrize("name", ["sample", "la", "nyc", "empty"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_opens_cleanly(workspaces: dict[str, str], name: str, lang: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if workspaces[name]:
        monkeypatch.setenv("GRIDWATCH_WORKSPACE", workspaces[name])
    else:
        monkeypatch.delenv("GRIDWATCH_WORKSPACE", raising=False)
    pages = ["data"] if name == "empty" else PAGES
    for page in pages:
        at = AppTest.from_file(APP, default_timeout=180)
        at.session_state["gw_lang"] = lang
        at.run()
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (name, page, [e.value for e in at.exception])
        found = BAD.findall(texts(at))
        assert not found, (name, page, found[:5])
        if page == "evaluation":  # each section is drawn only when chosen: open every one
            for option in at.radio(key="gw_eval_section").options:
                at.radio(key="gw_eval_section").set_value(option).run()
                assert not at.exception, (name, page, option, [e.value for e in at.exception])
                found = BAD.findall(texts(at))
                assert not found, (name, page, option, found[:5])
