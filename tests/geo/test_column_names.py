"""No column name is ours alone: a ledger whose headers are the store's, the rejects' and the exports' own
names imports, and its cells come back unchanged in the rejects file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.excel import INTERNAL, clean_header
from geo.ingest.imports import import_ledger
from geo.ingest.ledger import read_ledger, rejects_frame
from geo.ingest.tables import read_table
from tests.geo.test_imports import workspace

NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
#: Every name a stored table, the rejects file or an export uses, and the readers' old internal names.
OURS = sorted({*s.STORED_ISSUE_COLUMNS, *s.HISTORY_COLUMNS, *s.IMPORT_LOG_KEYS, *s.GRID_COLUMNS,
               "source_row", "reason", "reason (ledger)", "lon", "lat", "__geometry_x", "__geometry_y",
               "__read_problem", "__extra_0", INTERNAL + "source_row", INTERNAL + "read_problem"})
BASE = ("问题编号", "问题类型", "上报时间", "经度", "纬度")


def ledger_text(extra: list[str]) -> str:
    """Two good rows and one with no coordinates; each extra column holds ``v<row><col>``."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*BASE, *extra])
    rows = [("A", "垃圾", "2026-03-02 09:00", "0.5", "0.5"), ("B", "垃圾", "2026-03-02 10:00", "1.5", "0.5"),
            ("C", "垃圾", "2026-03-02 11:00", "", "")]
    for i, row in enumerate(rows):
        w.writerow([*row, *[f"v{i}{j}" for j in range(len(extra))]])
    return out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(OURS), min_size=1, max_size=8, unique_by=clean_header))
def test_a_ledger_with_our_names_imports_and_keeps_its_cells(tmp_path_factory: object, extra: list[str]) -> None:
    extra = [c for c in extra if clean_header(c) not in BASE]
    tmp = tmp_path_factory.mktemp("names")  # type: ignore[attr-defined]
    path = tmp / "ledger.csv"
    path.write_text(ledger_text(extra), encoding="utf-8")
    ws = workspace(tmp)
    summary = import_ledger(ws, path, now=NOW)
    assert (summary.read, summary.imported, summary.rejected) == (3, 2, 1)
    assert sorted(ws.load_issues()[s.ISSUE_ID]) == ["A", "B"]
    rejects = pd.read_csv(io.BytesIO(ws.rejects(summary.rejects_ref)), dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")
    assert list(rejects.columns[:2]) == ["source_row", "reason"]
    assert rejects.loc[0, "source_row"] == "4" and rejects.loc[0, "reason"] == "missing coordinates"
    # Every ledger column is still there, with its cell, under its own name or with " (ledger)" added.
    ledger_cells = rejects.iloc[0, 2:].tolist()
    assert ledger_cells == ["C", "垃圾", "2026-03-02 11:00", "", "", *[f"v2{j}" for j in range(len(extra))]]


def test_a_311_reason_column_is_kept_beside_ours(tmp_path: Path) -> None:
    """The export that found this: a ``reason`` column and one rejected row stopped the whole import."""
    path = tmp_path / "311.csv"
    path.write_text("service_request_id,service_name,requested_datetime,lat,long,reason\n"
                    "1,Graffiti,2026-03-02 09:00,0.5,0.5,Vandalism\n2,Graffiti,2026-03-02 10:00,,,Tagging\n",
                    encoding="utf-8")
    result = read_ledger(path, today=dt.date(2026, 3, 10))
    assert len(result.issues) == 1
    assert result.rejects.columns.tolist()[:3] == ["source_row", "reason", "service_request_id"]
    assert result.rejects.loc[0, "reason (ledger)"] == "Tagging"


def test_headers_lose_control_characters_and_the_readers_columns_are_apart(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("\ufeff问题编号,问题\x00类型,上报时间,经度,纬度,source_row\nA,垃圾,2026-03-02,1,1,99\n".encode())
    raw = read_table(path)
    assert list(raw.columns) == ["问题编号", "问题类型", "上报时间", "经度", "纬度", "source_row"]
    result = read_ledger(path, today=dt.date(2026, 3, 10))
    assert len(result.issues) == 1  # the ledger's source_row is a cell, not our row number


def test_rejects_frame_renames_until_unique() -> None:
    cells = pd.DataFrame({"reason": ["x"], "reason (ledger)": ["y"], "source_row": ["z"]})
    out = rejects_frame(cells, pd.Series([2]), pd.Series(["r"]))
    assert out.columns.tolist() == ["source_row", "reason", "reason (ledger) (ledger)", "reason (ledger)",
                                    "source_row (ledger)"]
    assert out.iloc[0].tolist() == [2, "r", "x", "y", "z"]
