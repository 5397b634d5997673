"""Join and heat payload on the sample grids and a generated district, against the naive routes, in one run.

- join: ``geo.ingest.join.assign_grids`` (interior raster, then STRtree for the points in boundary cells)
  vs ``geopandas.sjoin(predicate="within")``, on the sample's 35 grids and the district's 1,200
- heat payload: bytes of the rendered map with the server-side aggregate vs raw points in a HeatMap

Run: ``.venv/bin/python benchmarks/bench_join.py [N_POINTS]``
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import HeatMap

from benchmarks.common import median_time, report
from dashboard.components.maps import heatmap
from dashboard.i18n import map_labels
from geo import schema as s
from geo.cube.aggregate import heat_payload
from geo.ingest.grid_layers import read_grids
from geo.ingest.join import _RASTERS, assign_grids
from geo.sample import SAMPLE_DIR
from geo.synthetic.district import make_district_grids


def _join(grids: gpd.GeoDataFrame, n: int) -> tuple[float, float, float, float, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Ours (raster built, read from disk, kept in the process) and sjoin on ``n`` uniform points over the
    grids' bounds; identical assignments asserted."""
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = grids.total_bounds
    pts = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)),
                           crs=s.STORAGE_CRS)
    rasters = Path(os.environ["GRIDWATCH_CACHE_DIR"]) / "rasters"

    def built() -> gpd.GeoDataFrame:  # the first import into a new grid layer: the raster built in the run
        _RASTERS.clear()
        shutil.rmtree(rasters, ignore_errors=True)
        return assign_grids(pts, grids)

    def from_disk() -> gpd.GeoDataFrame:  # a fresh import process on a layer imported before: read back
        _RASTERS.clear()
        return assign_grids(pts, grids)

    ours_t, ours = median_time(built)
    disk_t, _ = median_time(from_disk)
    warm_t, _ = median_time(lambda: assign_grids(pts, grids))  # kept: a second ledger in the same process
    naive_t, naive = median_time(lambda: gpd.sjoin(pts, grids[[s.GRID_ID, "geometry"]], how="left", predicate="within"))
    naive_ids = naive[~naive.index.duplicated()][s.GRID_ID].astype("string")
    assert (ours[s.GRID_ID].fillna("-") == naive_ids.fillna("-")).all(), "join results differ"
    return ours_t, disk_t, warm_t, naive_t, pts, ours


def main(n: int) -> None:
    os.environ["GRIDWATCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-join-")  # never the user's cache
    grids = read_grids(SAMPLE_DIR / "grids.geojson")
    ours_t, disk_t, warm_t, naive_t, pts, ours = _join(grids, n)
    district = make_district_grids(np.random.default_rng(1)).to_crs(s.STORAGE_CRS)
    district.attrs.pop("corners", None)
    d_ours_t, d_disk_t, d_warm_t, d_naive_t, _, _ = _join(district, n)

    inside = pts[ours[s.GRID_ID].notna().to_numpy()]
    agg_t, payload = median_time(lambda: heat_payload(inside, max_points=50_000))
    agg_html = heatmap(grids, payload, map_labels("zh")).get_root().render()
    def raw_map() -> folium.Map:  # the naive route: every point to the browser (5 decimals)
        m = folium.Map(tiles=None)
        HeatMap(np.column_stack([inside.geometry.y, inside.geometry.x]).round(5).tolist()).add_to(m)
        return m

    raw_t, raw = median_time(raw_map, repeats=1)
    raw_html = raw.get_root().render()

    print(f"{n:,} random points over {len(grids)} sample grids; {len(inside):,} inside; "
          f"heat payload {len(payload.points):,} points at {payload.cell_size_m:.0f} m cells")
    report([
        (f"join, {len(grids)} sample grids, raster built (s)", ours_t, naive_t),
        (f"join, {len(grids)} sample grids, raster read from disk (s)", disk_t, naive_t),
        (f"join, {len(grids)} sample grids, raster kept in the process (s)", warm_t, naive_t),
        (f"join, {len(district):,} district grids, raster built (s)", d_ours_t, d_naive_t),
        (f"join, {len(district):,} district grids, raster read from disk (s)", d_disk_t, d_naive_t),
        (f"join, {len(district):,} district grids, raster kept in the process (s)", d_warm_t, d_naive_t),
        ("map HTML (MB)", len(agg_html) / 1e6, len(raw_html) / 1e6),
        ("heat layer build (s)", agg_t, raw_t),
    ])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
