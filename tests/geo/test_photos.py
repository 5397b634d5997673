"""Photo references: what becomes a link, what stays text, and how imports carry them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.imports import import_ledger
from geo.ingest.ledger import read_ledger
from geo.ingest.photos import cells_without_links, photo_links, split_photo_cell
from geo.store import Workspace
from tests.geo.test_imports import workspace

NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("cell", "parts"), [
    (None, []),
    (float("nan"), []),
    (pd.NA, []),
    ("  ", []),
    ("https://a.cn/1.jpg", ["https://a.cn/1.jpg"]),
    ("https://a.cn/1.jpg;https://a.cn/2.jpg", ["https://a.cn/1.jpg", "https://a.cn/2.jpg"]),
    ("IMG_1.jpg，IMG_2.jpg、IMG_3.jpg | IMG_4.jpg\nIMG_5.jpg", [f"IMG_{i}.jpg" for i in range(1, 6)]),
])
def test_a_cell_splits_on_the_separators_clerks_use(cell: object, parts: list[str]) -> None:
    assert split_photo_cell(cell) == parts


def test_only_http_links_with_a_host_become_links() -> None:
    cell = ("https://p.example.gov.cn/a.jpg javascript:alert(1) data:image/png;base64,AAAA "
            "ftp://x/y.jpg http:///nohost.jpg HTTP://P.EXAMPLE.GOV.CN/B.JPG IMG_0012.jpg")
    assert photo_links(cell) == ["https://p.example.gov.cn/a.jpg", "HTTP://P.EXAMPLE.GOV.CN/B.JPG"]


def test_file_names_resolve_against_the_photo_server_but_schemes_never_do() -> None:
    base = "http://10.1.2.3/photos"
    assert photo_links("IMG_0012.jpg /2026/03/a.jpg", base) == [
        "http://10.1.2.3/photos/IMG_0012.jpg", "http://10.1.2.3/photos/2026/03/a.jpg"]
    # An absolute "javascript:" is not relative: urljoin would keep it, we drop it.
    assert photo_links("javascript:alert(1)", base) == []
    # A base that is itself not http(s) links nothing.
    assert photo_links("IMG_0012.jpg", "javascript:alert(1)//") == []


def test_unsafe_characters_are_percent_encoded() -> None:
    assert photo_links('https://a.cn/整改前"><script>.jpg') == [
        "https://a.cn/%E6%95%B4%E6%94%B9%E5%89%8D%22%3E%3Cscript%3E.jpg"]
    # Already encoded links are not encoded twice.
    assert photo_links("https://a.cn/%E6%95%B4.jpg?x=1&y=2") == ["https://a.cn/%E6%95%B4.jpg?x=1&y=2"]


def test_cells_without_links_count_file_names_unless_a_server_is_set() -> None:
    cells = ["https://a.cn/1.jpg", "IMG_1.jpg", None, "javascript:alert(1)", "IMG_2.jpg https://a.cn/2.jpg"]
    assert cells_without_links(cells) == 2
    assert cells_without_links(cells, "http://10.1.2.3/p/") == 1  # the javascript: one stays


_PREFIXES = st.sampled_from(["", "http://a.cn/", "https://", "HTTPS://x.y/", "javascript:", "//evil.cn/", "/p/"])


@given(_PREFIXES, st.text(max_size=60), st.one_of(st.none(), st.text(max_size=30),
                                                  _PREFIXES.map(lambda p: p + "srv/")))
def test_every_link_is_http_with_a_host_and_no_raw_markup(prefix: str, rest: str, base: str | None) -> None:
    for link in photo_links(prefix + rest, base):
        parts = urlsplit(link)
        assert parts.scheme.lower() in {"http", "https"} and parts.hostname
        assert not any(ch in link for ch in ' \t\n\r"<>`\\') and all(ord(ch) >= 32 for ch in link)


PHOTO_HEADER = "问题编号,问题类型,上报时间,经度,纬度,处置状态,办结时间,整改前照片,整改后照片\n"


def test_photo_columns_are_recognised_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(PHOTO_HEADER + "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00,"
                    "https://p.cn/a1.jpg;https://p.cn/a2.jpg,https://p.cn/a3.jpg\n"
                    "B,垃圾,2026-03-02 10:00,1.5,0.5,待处置,,IMG_7.jpg,\n", encoding="utf-8")
    ledger = read_ledger(path)
    assert ledger.columns["photo_before"] == "整改前照片" and ledger.columns["photo_after"] == "整改后照片"
    rows = ledger.issues.set_index(s.ISSUE_ID)
    assert rows.at["A", s.PHOTO_BEFORE] == "https://p.cn/a1.jpg;https://p.cn/a2.jpg"
    assert rows.at["B", s.PHOTO_BEFORE] == "IMG_7.jpg" and pd.isna(rows.at["B", s.PHOTO_AFTER])


def test_open311_media_url_is_the_before_photo(tmp_path: Path) -> None:
    path = tmp_path / "open311.csv"
    path.write_text("service_request_id,service_name,requested_datetime,long,lat,media_url\n"
                    "1,Graffiti,2026-03-02T09:00:00,0.5,0.5,https://m.example.org/1.jpg\n", encoding="utf-8")
    assert read_ledger(path).issues[s.PHOTO_BEFORE].tolist() == ["https://m.example.org/1.jpg"]


def test_a_later_after_photo_is_an_update_and_a_ledger_without_photos_erases_none(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    first = tmp_path / "w1.csv"
    first.write_text(PHOTO_HEADER + "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,,https://p.cn/a1.jpg,\n"
                     "B,垃圾,2026-03-02 10:00,1.5,0.5,待处置,,IMG_7.jpg,\n", encoding="utf-8")
    summary = import_ledger(ws, first, now=NOW)
    assert summary.photos_without_links == 1  # B's bare file name
    second = tmp_path / "w2.csv"
    second.write_text(PHOTO_HEADER + "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00,"
                      "https://p.cn/a1.jpg,https://p.cn/a9.jpg\n", encoding="utf-8")
    assert import_ledger(ws, second, now=NOW + dt.timedelta(days=1)).updated == 1
    third = tmp_path / "w3.csv"  # the hotline's export: no photo columns at all
    third.write_text("问题编号,问题类型,上报时间,经度,纬度,处置状态,办结时间\n"
                     "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00\n", encoding="utf-8")
    again = import_ledger(ws, third, now=NOW + dt.timedelta(days=2))
    assert (again.updated, again.duplicates) == (0, 1)
    issues = ws.load_issues().set_index(s.ISSUE_ID)
    assert issues.at["A", s.PHOTO_AFTER] == "https://p.cn/a9.jpg"
    assert issues.at["A", s.PHOTO_BEFORE] == "https://p.cn/a1.jpg"
    history = ws.load_history()
    assert history.loc[history["field"] == s.PHOTO_AFTER, ["issue_id", "new"]].values.tolist() == [
        ["A", "https://p.cn/a9.jpg"]]


def test_a_workspace_from_before_photo_columns_still_opens(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    path = tmp_path / "old.csv"
    path.write_text("问题编号,问题类型,上报时间,经度,纬度\nA,垃圾,2026-03-02 09:00,0.5,0.5\n", encoding="utf-8")
    import_ledger(ws, path, now=NOW)
    stored = ws.load_issues().drop(columns=list(s.LATER_ISSUE_COLUMNS))
    folder = ws.generation_dir(ws.generation())
    shutil.rmtree(folder / "issues")  # as an older Gridwatch wrote it: one file (format 2), no photo columns
    stored.to_parquet(folder / "issues.parquet")
    issues = Workspace(ws.root).load_issues()
    assert issues[s.PHOTO_BEFORE].isna().all() and issues[s.PHOTO_AFTER].dtype == "string"
