"""A real ledger as a new user brings it in, its pages' numbers against a count by hand on the raw file.

The import takes what the 数据 wizard proposes and a clerk accepts unchanged (the columns it guesses, the
zone it proposes from the grids, the label suggestions, the ten busiest points' verdicts). The pages'
numbers are read from the pages themselves (总览's cards and 排名's table through Streamlit's AppTest; 趋势's
weekly table through the function the page calls). The hand count reads the raw file with pandas and joins
it with geopandas, none of Gridwatch's readers, parsers or joins; it borrows from the store only what is a
choice rather than a count (each case's category, for its time limit; the suspect coordinates the import
flagged, which every page leaves out).

Run::

    .venv/bin/python scripts/hand_count.py madrid

prints one table per figure, page against hand, and exits non-zero on any difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Ledger:
    """Where a shared ledger is and how its raw columns read (what a person counting by hand decides)."""

    ledger: Path
    grids: Path
    id: str
    time: str
    lon: str
    lat: str
    status: str
    closed: tuple[str, ...]
    void: tuple[str, ...] = ()
    utc_time: str | None = None  # preferred when present, as the importer prefers it
    closed_at: str = "closed_at"
    due: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


LEDGERS = {
    "la": Ledger(DATA / "la-311/la_311_core.csv", DATA / "la-311/la_neighborhood_councils_2019.geojson",
                 id="sr_number", time="created_at", lon="longitude", lat="latitude", status="status",
                 closed=("Closed", "Referred Out"), void=("Cancelled",)),
    "nyc": Ledger(DATA / "nyc-311/nyc_311_samples_core.csv", DATA / "nyc-311/nyc_community_districts_dcp2013.geojson",
                  id="unique_key", time="created_at", lon="longitude", lat="latitude", status="status",
                  closed=("Closed",)),
    "houston": Ledger(DATA / "houston-311-2011-2019/houston_311_core.csv.gz",
                      DATA / "houston-311-2011-2019/houston_super_neighborhoods.geojson",
                      id="request_id", time="created_at", lon="longitude", lat="latitude", status="status",
                      closed=("Closed",), due="due_at"),
    "madrid": Ledger(DATA / "madrid-avisos-2021-2022/madrid_avisos_core.csv.gz",
                     DATA / "madrid-avisos-2021-2022/madrid_barrios_131.geojson",
                     id="request_id", time="created_at", utc_time="created_at_utc", lon="longitude", lat="latitude",
                     status="status", closed=("closed", "closed_not_resolved")),
}


def import_as_the_wizard_proposes(spec: Ledger, root: Path) -> str:
    """Grids and ledger into a new workspace with every proposal of the wizard accepted.

    The wizard's label step returns the suggestion of every label the table does not know exactly
    (``category_labels``); its column, zone, status and default-point steps default to what the import
    itself would propose, so accepting them is passing nothing.
    """
    from geo.categories import read_categories
    from geo.ingest.imports import category_labels, import_grids, import_ledger, workspace_zone
    from geo.ingest.mapping import LedgerMapping, guess_columns, guess_grid_fields
    from geo.store import Workspace

    ws = Workspace(root)
    layer = gpd.read_file(spec.grids)
    columns = [c for c in layer.columns if c != "geometry"]
    guessed = guess_grid_fields(columns, layer)
    # The wizard's id picker starts on its guess, else on the layer's first column.
    import_grids(ws, spec.grids, id_field=guessed.get("id", columns[0]), name_field=guessed.get("name", ""),
                 community_field=guessed.get("community", ""))
    zone = workspace_zone(ws)
    header = pd.read_csv(spec.ledger, dtype=str, nrows=0).columns.tolist()
    column = guess_columns(header).get("category")
    choices: dict[str, str] = {}
    if column:
        labels = category_labels(pd.read_csv(spec.ledger, dtype=str, usecols=[column])[column], read_categories())
        choices = dict(zip(labels.loc[~labels["known"], "label"], labels.loc[~labels["known"], "category"], strict=True))
    summary = import_ledger(ws, spec.ledger, mapping=LedgerMapping(tz=zone, categories=choices))
    print(f"import: {summary.read:,} read, {summary.imported:,} imported, {summary.rejected:,} rejected, "
          f"{summary.duplicates:,} duplicates, {summary.suspect_points:,} suspect, {summary.outside_grids:,} outside")
    return zone


def page_numbers(workspace: str) -> dict[str, object]:
    """总览's cards and 排名's top five as the pages show them, 趋势's weekly totals as the page computes them."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["GRIDWATCH_WORKSPACE"] = workspace
    app = str(ROOT / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["gw_lang"] = "en"
    at.run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cards = {m.label: m.value for m in at.metric}
    at.switch_page("app_pages/ranking.py").run()
    assert not at.exception, [e.value for e in at.exception]
    ranking = at.dataframe[0].value

    from dashboard.data import DataSource, trends
    from geo.cube.filter import IssueFilter

    source = DataSource.from_env()
    table, _ = trends(source, IssueFilter(), "category", "week")
    return {"cards": cards, "ranking": ranking, "weekly": table.sum(axis=1)}


def hand_count(spec: Ledger, zone: str, workspace: str, weeks: pd.DatetimeIndex) -> dict[str, object]:
    """The same figures from the raw file: pandas for times and statuses, geopandas for the grids."""
    from geo.store import open_store

    raw = pd.read_csv(spec.ledger, dtype=str, keep_default_na=False)
    raw = raw[raw[spec.id].str.strip() != ""].drop_duplicates(spec.id, keep="last").reset_index(drop=True)
    if spec.utc_time and (raw[spec.utc_time] != "").all():
        local = pd.to_datetime(raw[spec.utc_time], utc=True).dt.tz_convert(zone)
    else:  # local clock times: the first of a repeated hour, a skipped hour moved forward (docs/import.md)
        naive = pd.to_datetime(raw[spec.time])
        local = naive.dt.tz_localize(zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward")
    lon = pd.to_numeric(raw[spec.lon], errors="coerce")
    lat = pd.to_numeric(raw[spec.lat], errors="coerce")
    placed = lon.notna() & lat.notna() & (lon != 0) & (lat != 0)
    points = gpd.GeoDataFrame({"id": raw[spec.id].to_numpy()}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    grids = gpd.read_file(spec.grids).to_crs("EPSG:4326")
    from geo.ingest.mapping import guess_grid_fields

    guessed = guess_grid_fields([c for c in grids.columns if c != "geometry"], grids)
    grid_field = guessed.get("id", grids.columns[0])
    name_field = guessed.get("name", grid_field)
    joined = gpd.sjoin(points[placed.to_numpy()], grids[list(dict.fromkeys([grid_field, name_field, "geometry"]))],
                       predicate="within",
                       how="left")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared edge: one grid
    grid_of = pd.Series(pd.NA, index=points.index, dtype="object")
    grid_of.loc[joined.index] = joined[grid_field].astype(str).to_numpy()
    name_of = pd.Series(pd.NA, index=points.index, dtype="object")
    name_of.loc[joined.index] = joined[name_field].astype(str).to_numpy()

    store = open_store(workspace)
    stored = store.read("issues").issues
    cats = pd.Series(stored["category"].astype(str).to_numpy(), index=stored["issue_id"].astype(str).to_numpy())
    piles = stored[stored["suspect_point"].fillna(False).astype(bool)] if "suspect_point" in stored else stored[:0]
    pile_xy = {(round(p.x, 7), round(p.y, 7)) for p in piles.geometry}
    on_pile = np.array([(round(x, 7), round(y, 7)) in pile_xy for x, y in zip(lon.fillna(0), lat.fillna(0), strict=True)])

    closed_naive = pd.to_datetime(raw[spec.closed_at].replace("", None))
    closed_local = closed_naive.dt.tz_localize(zone, ambiguous=np.ones(len(raw), dtype=bool), nonexistent="shift_forward")
    frame = pd.DataFrame({"id": raw[spec.id].to_numpy(), "at": local.to_numpy(), "status": raw[spec.status].to_numpy(),
                          "closed_at": closed_local.to_numpy(),
                          "grid": grid_of.to_numpy(), "name": name_of.to_numpy()})
    frame["at"] = pd.to_datetime(frame["at"]).dt.tz_convert(zone) if frame["at"].dt.tz else frame["at"]
    frame = frame[placed.to_numpy() & ~on_pile & ~raw[spec.status].isin(spec.void).to_numpy()]
    frame["category"] = frame["id"].map(cats)

    from geo.categories import read_categories

    table = read_categories()
    last = frame["at"].max()
    end = pd.Timestamp(last.date() + pd.Timedelta(days=1), tz=zone)
    week_start = pd.Timestamp(end.date() - pd.Timedelta(days=7), tz=zone)
    # Open at the end of the last day: reported by then and not closed by then (a case closed later was
    # open at that moment; a closed case without a close time is closed).
    closed_at = pd.to_datetime(frame["closed_at"], utc=True).dt.tz_convert(zone)
    closed = frame["status"].isin(spec.closed) & (closed_at.isna() | (closed_at <= end))
    open_now = ~closed & (frame["at"] <= end)
    if spec.due:
        due = pd.to_datetime(raw.set_index(spec.id).loc[frame["id"], spec.due].replace("", None).to_numpy())
        due = pd.Series(due, index=frame.index).dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    else:
        due = pd.Series(pd.NaT, index=frame.index, dtype=f"datetime64[ns, {zone}]")
    limit = frame["category"].map(lambda c: table.limit_days(c) if isinstance(c, str) else np.nan)
    deadline = due.fillna(frame["at"] + pd.to_timedelta(limit, unit="D"))
    days = frame["at"].dt.tz_localize(None).dt.normalize()
    weekly = pd.Series({w: int(((days >= w.tz_localize(None)) & (days < w.tz_localize(None) + pd.Timedelta(days=7))).sum())
                        for w in weeks})
    counts = frame["name"].value_counts()
    return {
        "reported this week": int(((frame["at"] >= week_start) & (frame["at"] < end)).sum()),
        "open": int(open_now.sum()),
        "overdue": int((open_now & (deadline < end)).sum()),
        "top5": list(counts.head(5).items()),
        "weekly": weekly,
        "rows kept": len(frame),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", choices=sorted(LEDGERS))
    parser.add_argument("--workspace", help="keep the workspace here (default: a temporary folder)")
    args = parser.parse_args(argv)
    spec = LEDGERS[args.ledger]
    root = Path(args.workspace or tempfile.mkdtemp(prefix=f"hand-{args.ledger}-"))
    zone = import_as_the_wizard_proposes(spec, root)
    page = page_numbers(str(root))
    hand = hand_count(spec, zone, str(root), page["weekly"].index)  # type: ignore[union-attr]
    cards = page["cards"]
    print(f"# {args.ledger}: workspace {root}, zone {zone}; cards {cards}")
    rows = [("reported this week", cards.get("Reported"), hand["reported this week"]),
            ("overdue open", cards.get("Overdue open"), hand["overdue"]),
            ("open now", cards.get("Open cases"), hand["open"])]
    differ = 0
    for label, on_page, by_hand in rows:
        same = str(on_page).replace(",", "") == str(by_hand)
        differ += not same
        print(f"{label:20} page {on_page!s:>10}  hand {by_hand:>10,}  {'=' if same else 'DIFFERS'}")
    weekly = pd.DataFrame({"page": page["weekly"], "hand": hand["weekly"]})  # type: ignore[arg-type]
    bad = weekly[weekly["page"] != weekly["hand"]]
    differ += len(bad)
    print(f"weekly totals: {len(weekly)} weeks, {len(bad)} differ; total page {int(weekly['page'].sum()):,} "
          f"hand {int(weekly['hand'].sum()):,}")
    if len(bad):
        print(bad.head(10).to_string())
    ranking = page["ranking"]
    top_page = list(zip(ranking.iloc[:5, 1].astype(str), ranking.iloc[:5, 4].astype(int), strict=True))  # type: ignore[union-attr]
    top_hand = [(str(k), int(v)) for k, v in hand["top5"]]  # type: ignore[union-attr]
    same = top_page == top_hand
    differ += not same
    print("top 5 grids (排名, whole record):", "=" if same else "DIFFERS")
    for a, b in zip(top_page, top_hand, strict=True):
        print(f"  page {a[0][:40]:40} {a[1]:>7,}   hand {b[0][:40]:40} {b[1]:>7,}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
