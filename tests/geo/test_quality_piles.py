"""The suspect-pile rule: fallback positions are found, busy real addresses are not."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.quality import _LocationCounts, flag_suspect_points

HOUSTON = Path(__file__).resolve().parents[3] / "shared" / "data" / "houston-311-2011-2019" / "houston_311_core.csv.gz"


def frame(points: list[tuple[float, float]], cats: list[str], addresses: list[str | None], days: list[int]
          ) -> gpd.GeoDataFrame:
    times = pd.Timestamp("2026-03-01", tz="Asia/Shanghai") + pd.to_timedelta(days, unit="D")
    return gpd.GeoDataFrame({s.CATEGORY: cats, s.ADDRESS: pd.array(addresses, dtype="string"), s.REPORTED_AT: times},
                            geometry=gpd.points_from_xy(*zip(*points, strict=True)), crs=s.STORAGE_CRS)


def background(n: int = 300, seed: int = 1) -> tuple[list, list, list, list]:
    rng = np.random.default_rng(seed)
    pts = list(zip(117.25 + rng.uniform(0, 0.02, n), 31.85 + rng.uniform(0, 0.02, n), strict=True))
    cats = list(rng.choice(["litter", "parking", "posters", "clutter"], n, p=[0.4, 0.3, 0.2, 0.1]))
    return pts, cats, [f"路{i}号" for i in range(n)], list(rng.integers(0, 60, n))


def test_a_gps_fallback_with_typed_addresses_is_suspect() -> None:
    pts, cats, addrs, days = background()
    pile = [(117.26, 31.86)] * 30
    f = flag_suspect_points(frame(pts + pile, cats + ["litter"] * 30, addrs + [f"别处{i}号" for i in range(30)],
                                  days + list(range(30))))
    assert f.iloc[-30:].all() and not f.iloc[:-30].any()


def test_a_busy_real_address_is_not_suspect() -> None:
    """A market gate: 40 reports at one geocode, one address, mostly vending: a real hotspot."""
    pts, cats, addrs, days = background()
    pile = [(117.26, 31.86)] * 40
    pile_cats = ["street_vending"] * 30 + ["litter"] * 6 + ["parking"] * 4
    f = flag_suspect_points(frame(pts + pile, cats + pile_cats, addrs + ["菜市场东门"] * 40, days + list(range(40))))
    assert not f.any()


def test_a_configured_default_point_is_always_suspect() -> None:
    pts, cats, addrs, days = background()
    pile = [(117.2612345, 31.8612345)] * 5
    f = flag_suspect_points(frame(pts + pile, cats + ["litter"] * 5, addrs + ["街道办"] * 5, days + [1] * 5),
                            default_points=[(117.2612345, 31.8612345)])
    assert f.iloc[-5:].all() and int(f.sum()) == 5


def test_the_verdict_reads_the_ledgers_labels_not_the_mapping() -> None:
    """A busy real place (one address, its own problem) and a default point (no address, everything), in a
    ledger whose places repeat as real ones do (400 places, about ten reports each: no tail route here)."""
    rng = np.random.default_rng(7)
    places = list(zip(117.25 + rng.uniform(0, 0.02, 400), 31.85 + rng.uniform(0, 0.02, 400), strict=True))
    pick = rng.integers(0, 400, 4000)
    pts = [places[i] for i in pick]
    types = ["litter", "parking", "posters", "clutter"]
    cats = list(rng.choice(types, 4000, p=[0.4, 0.3, 0.2, 0.1]))
    addrs = [f"路{i}号" for i in pick]
    days = list(rng.integers(0, 60, 4000))
    market = [(117.32, 31.92)] * 70  # a market gate far from the rest: one address, mostly vending
    default = [(117.30, 31.90)] * 70  # no address, a mix like the ledger's
    mixed = list(rng.choice(types, 70, p=[0.4, 0.3, 0.2, 0.1]))
    g = frame(pts + market + default, cats + ["vending"] * 60 + ["litter"] * 10 + mixed,
              addrs + ["菜市场东门"] * 70 + [None] * 70, days + list(range(70)) * 2)
    mapped = flag_suspect_points(g)
    assert mapped.iloc[-70:].all() and not mapped.iloc[:-70].any()
    # The same ledger with every label unmapped (其他, as Madrid's Spanish labels arrive): the raw labels
    # still tell the market from the default point; judged on 其他 alone, both would "collect everything".
    unmapped = g.assign(**{s.CATEGORY_RAW: g[s.CATEGORY], s.CATEGORY: "other"})
    pd.testing.assert_series_equal(flag_suspect_points(unmapped), mapped)
    # A ledger of one problem type has no mix to resemble: that signature does not apply (and no other does).
    assert not flag_suspect_points(g.assign(**{s.CATEGORY: "other"})).any()


@pytest.mark.skipif(not HOUSTON.exists(), reason="../shared/data is not beside this checkout")
def test_houston_finds_the_city_hall_pile_and_no_busy_intersection() -> None:
    """100 months of real requests: the 84 records geocoded to 611 Walker (the 311 default) and nothing else."""
    d = pd.read_csv(HOUSTON, dtype=str).dropna(subset=["latitude"])
    times = pd.to_datetime(d["created_at"]).dt.tz_localize("America/Chicago", ambiguous="NaT", nonexistent="NaT")
    g = gpd.GeoDataFrame({s.CATEGORY: d["category"].str.lower().to_numpy(), s.ADDRESS: d["address"].to_numpy(),
                          s.REPORTED_AT: times.to_numpy()},
                         geometry=gpd.points_from_xy(d["longitude"].astype(float), d["latitude"].astype(float)),
                         crs=s.STORAGE_CRS)
    g = g[g[s.REPORTED_AT].notna()]
    f = flag_suspect_points(g)
    assert int(f.sum()) == 84
    [point] = g[f].geometry.drop_duplicates()
    assert (point.x, point.y) == pytest.approx((-95.367057, 29.7598983))


@pytest.mark.parametrize("how", ["last_week", "scattered"])
def test_refreshing_duplicate_flags_after_an_import_equals_a_full_run(how: str) -> None:
    from geo.ingest.ledger import read_ledger
    from geo.ingest.quality import flag_likely_duplicates, refresh_likely_duplicates
    from geo.schema import LIKELY_DUPLICATE_OF
    from geo.synthetic import generate_district

    # The district plants double submissions (1.5 %: same category, 5 m, 5 minutes).
    issues = read_ledger(generate_district(30_000, n_streets=2).ledger).issues.reset_index(drop=True)
    if how == "last_week":
        new = (issues[s.REPORTED_AT] >= issues[s.REPORTED_AT].max() - pd.Timedelta(days=7)).to_numpy()
    else:  # late reports of old days, as a re-export brings them
        new = np.random.default_rng(3).random(len(issues)) < 0.05
    old = issues[~new].copy()
    old[LIKELY_DUPLICATE_OF] = flag_likely_duplicates(old).to_numpy()
    merged = pd.concat([old, issues[new]], ignore_index=True)
    touched = np.r_[np.zeros(len(old), bool), np.ones(int(new.sum()), bool)]
    got = refresh_likely_duplicates(merged, touched)
    full = flag_likely_duplicates(merged.drop(columns=LIKELY_DUPLICATE_OF))
    pd.testing.assert_series_equal(got.reset_index(drop=True), full.reset_index(drop=True), check_names=False)
    assert full.notna().sum() > 300  # ~450 planted; the refresh finds the same ones


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), radius=st.sampled_from([0.0, 30.0, 250.0, 500.0]))
def test_busiest_neighbour_equals_a_tree_search(seed: int, n: int, radius: float) -> None:
    # The band search of the pile rule against shapely's dwithin over every other location (ties on the edge too).
    rng = np.random.default_rng(seed)
    lon = np.round(117.25 + rng.uniform(0, 0.01, n), 4)  # rounded: repeated x and exact-distance pairs
    lat = np.round(31.85 + rng.uniform(0, 0.01, n), 4)
    counts = rng.integers(1, 40, n)
    metric = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=s.STORAGE_CRS).to_crs(32650).to_numpy()
    tree = shapely.STRtree(metric)
    near = _LocationCounts(lon, lat, counts, src=s.STORAGE_CRS, dst="EPSG:32650")
    for i in rng.choice(n, size=min(n, 10), replace=False):
        hits = tree.query(metric[i], predicate="dwithin", distance=radius)
        expected = int(counts[hits[hits != i]].max(initial=0))
        assert near.busiest_other(int(i), radius) == expected


@pytest.mark.parametrize("share", [0.02, 0.05, 0.15])
def test_a_default_point_is_found_by_its_share_whatever_its_addresses_and_mix(share: float) -> None:
    """A geocoder's default: no addresses, its own mix (one category the ledger barely has), a share of
    2-15 % of a city ledger whose busy real places repeat (addresses geocoded to one point each)."""
    rng = np.random.default_rng(5)
    n = 20_000
    # Real places: 10,000 geocoded addresses with repeats, the busiest about 0.5 % of the reports (the shared
    # city ledgers' busiest real places hold 0.1-0.9 %), each dominated by its own problem.
    weights = 1.0 / np.arange(1, 10_001) ** 0.45
    place = rng.choice(10_000, n, p=weights / weights.sum())
    px, py = 117.25 + rng.uniform(0, 0.08, 10_000), 31.85 + rng.uniform(0, 0.08, 10_000)
    pts = list(zip(px[place], py[place], strict=True))
    own = rng.choice(["litter", "parking", "posters", "clutter"], 10_000, p=[0.4, 0.3, 0.2, 0.1])
    cats = [own[p] if rng.random() < 0.8 else "litter" for p in place]
    addrs = [f"路{p}号" for p in place]
    days = list(rng.integers(0, 365, n))
    k = int(share * n / (1 - share))
    pile = [(117.275, 31.875)] * k
    f = flag_suspect_points(frame(pts + pile, cats + ["road_damage"] * k, addrs + [None] * k,
                                  days + list(rng.integers(0, 365, k))))
    assert f.iloc[-k:].all()
    assert not f.iloc[:-k].any()  # the busiest real addresses are kept
