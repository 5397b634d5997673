import json
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo import schema as s
from geo.cube.analysis import run_analysis
from geo.cube.dataset import Dataset
from geo.cube.filter import IssueFilter
from geo.sample import SAMPLE_DIR
from geo.synthetic import COMMUNITY_NAMES, LEDGER_HEADERS, write_sample

ROOT = Path(__file__).resolve().parents[2]


def test_regenerating_gives_identical_files(tmp_path: Path) -> None:
    paths = write_sample(tmp_path)
    for key, path in paths.items():
        committed = SAMPLE_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), f"{key}: regenerate with `make sample`"


def test_data_folder_stays_small() -> None:
    size = sum(p.stat().st_size for p in (ROOT / "data").rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024


def test_grids_tile_the_street_without_gaps_or_overlaps(sample: Dataset) -> None:
    grids = sample.grids.to_crs(32650)
    areas = grids.area
    union = shapely.union_all(grids.geometry.to_numpy())
    assert union.geom_type == "Polygon" and len(union.interiors) == 0  # one piece, no holes
    assert abs(areas.sum() - union.area) < 1.0  # m²: overlaps would make the sum larger
    assert 30 <= len(grids) <= 40
    assert 4e6 < union.area < 10e6  # a street of a few km²
    # Irregular polygons, not squares: vertex counts vary and few are rectangles.
    n_vertices = shapely.get_num_coordinates(grids.geometry.to_numpy())
    assert len(set(n_vertices)) > 3


def test_grid_codes_follow_the_national_pattern(sample: Dataset) -> None:
    grids = sample.grids
    ids = grids[s.GRID_ID]
    # 6-digit county + 3-digit street + 3-digit community + 3-digit grid sequence.
    assert ids.str.fullmatch(r"340104012(00[1-6])(\d{3})").all()
    community_code = ids.str.slice(9, 12).astype(int)
    for code, name in zip(community_code, grids[s.COMMUNITY], strict=True):
        assert COMMUNITY_NAMES[code - 1] == name
    assert set(grids[s.COMMUNITY]) == set(COMMUNITY_NAMES)
    assert grids[s.CADRES].str.split("、").map(len).between(2, 3).all()


def test_ledger_is_a_year_of_realistic_rows() -> None:
    ledger = pd.read_csv(SAMPLE_DIR / "ledger.csv", dtype=str, encoding="utf-8-sig")
    assert tuple(ledger.columns) == LEDGER_HEADERS
    assert len(ledger) >= 20_000
    times = pd.to_datetime(ledger["上报时间"])
    assert (times.max() - times.min()).days >= 365
    mix = ledger["问题类型"].value_counts(normalize=True)
    assert mix.index[0] in {"机动车乱停放", "非机动车乱停放", "共享单车乱停放", "乱停乱放", "卫生死角", "暴露垃圾"}
    statuses = set(ledger["处置状态"])
    assert {"已办结", "处置中", "待处置", "已作废"} <= statuses


def test_overdue_cases_exist(sample: Dataset) -> None:
    issues = sample.issues
    export = pd.Timestamp("2026-11-16 09:00", tz="Asia/Shanghai")
    open_ = issues[s.STATUS].isin(["open", "assigned", "rectified"])
    overdue = open_ & (issues[s.DEADLINE_AT] < export)
    assert overdue.sum() >= 100


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))


def test_planted_hotspots_top_their_category_ranking(sample: Dataset, truth: dict) -> None:
    planted: dict[str, set[str]] = {}
    for h in truth["hotspots"]:
        for cat in h["categories"]:
            planted.setdefault(cat, set()).add(h["grid_id"])
    assert set(planted) == {"street_vending", "litter", "illegal_structure", "parking", "posters"}
    for cat, grid_ids in planted.items():
        ranking = run_analysis(sample, IssueFilter(categories=(cat,))).grid_counts
        top = set(ranking.head(len(grid_ids))[s.GRID_ID])
        assert top == grid_ids, f"{cat}: planted {grid_ids}, top {top}"


def test_truth_describes_each_kind_and_the_trap(sample: Dataset, truth: dict) -> None:
    kinds = {h["kind"] for h in truth["hotspots"]}
    assert kinds == {"persistent", "emerging", "fading"}
    pile = truth["suspect_pile"]
    pts = sample.issues.geometry
    at_pile = ((pts.x == pile["lon"]) & (pts.y == pile["lat"])).sum()
    assert at_pile == pile["n_issues"]


def test_emerging_and_fading_hotspots_change_over_time(sample: Dataset, truth: dict) -> None:
    campaign = pd.Timestamp(truth["campaign_start"])
    by_name = {h["name"]: h for h in truth["hotspots"]}
    issues = sample.issues

    def counts(name: str, before: bool) -> int:
        h = by_name[name]
        sel = (issues[s.GRID_ID] == h["grid_id"]) & issues[s.CATEGORY].isin(h["categories"])
        when = issues[s.REPORTED_AT] < campaign
        return int((sel & (when if before else ~when)).sum())

    # 27 weeks either side of the campaign. The posters street halves (planted: 520 * 27 / 41.8 = 336 before,
    # 184 after, plus background) but does not vanish; the metro exit only starts after it opens.
    before, after = counts("commercial_street", before=True), counts("commercial_street", before=False)
    assert 0.4 < after / before < 0.65
    # The metro exit's grid has background parking before the opening; the planted exit adds ~420 after.
    assert counts("metro_exit", before=False) > 3 * counts("metro_exit", before=True)


def test_district_tiles_exactly_and_the_join_finds_the_generators_grid(tmp_path) -> None:
    from geo.ingest.join import assign_grids
    from geo.ingest.ledger import read_ledger
    from geo.synthetic import generate_district, write_district

    district = generate_district(30_000, n_streets=3)
    grids = district.grids
    assert len(grids) == 300 and grids[s.GRID_ID].is_unique
    assert grids[s.STREET].nunique() == 3 and grids[s.COMMUNITY].nunique() == 12
    metric = grids.to_crs(32650)
    # Gapless and without overlaps: the grids' areas add up to their union's.
    assert abs(metric.area.sum() - metric.union_all().area) < 1.0
    assert len(district.ledger) == 30_000  # exact, whatever the monthly draws
    # Uneven like a real district: the busiest tenth of grids logs far more than the quietest tenth.
    per_grid = district.ledger["所属网格"].value_counts()
    assert per_grid.quantile(0.9) > 5 * per_grid.quantile(0.1)
    paths = write_district(tmp_path, 30_000, n_streets=3)
    again = pd.read_csv(paths["ledger"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert again.equals(district.ledger)  # the streamed file is the in-memory ledger
    issues = assign_grids(read_ledger(paths["ledger"]).issues, grids)
    names = grids.set_index(s.GRID_ID)[s.GRID_NAME]
    assert (issues[s.GRID_ID].map(names).to_numpy() == again["所属网格"].to_numpy()).all()
