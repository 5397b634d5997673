"""The default-point rule's false positives and misses on the shared real ledgers (``docs/import.md``).

For each ledger in ``../shared/data``: the records flagged as published, then the same ledger with a
planted default pile of 2 %, 5 % and 15 % of its records (one position near the ledger's median, no
address, one category the ledger does not have, days drawn from its own) and how many of the pile and
of the real records are flagged. A measurement of the rule, not a timing; it needs ``../shared/data``.

Run: ``.venv/bin/python -m benchmarks.bench_piles``
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.ingest.quality import flag_suspect_points

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LEDGERS = {
    "Houston": DATA / "houston-311-2011-2019" / "houston_311_core.csv.gz",
    "LA": DATA / "la-311" / "la_311_core.csv",
    "NYC": DATA / "nyc-311" / "nyc_311_samples_core.csv",
    "Madrid": DATA / "madrid-avisos-2021-2022" / "madrid_avisos_core.csv.gz",
}


def ledger(path: Path) -> gpd.GeoDataFrame:
    """A core CSV as the columns the rule reads (UTC times: the rule counts days, not hours)."""
    d = pd.read_csv(path, dtype=str)
    lon, lat = pd.to_numeric(d["longitude"], errors="coerce"), pd.to_numeric(d["latitude"], errors="coerce")
    times = pd.to_datetime(d["created_at"], errors="coerce", format="mixed").dt.tz_localize("UTC")
    category = d["category"] if "category" in d else d["complaint_type"]
    ok = (lon.notna() & lat.notna() & (lat != 0) & times.notna()).to_numpy()
    address = d["address"] if "address" in d else pd.Series(pd.NA, index=d.index)
    return gpd.GeoDataFrame({s.REPORTED_AT: times[ok].to_numpy(), s.CATEGORY: category[ok].to_numpy(),
                             s.ADDRESS: address[ok].to_numpy()},
                            geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=s.STORAGE_CRS).reset_index(drop=True)


def planted(base: gpd.GeoDataFrame, share: float, rng: np.random.Generator) -> gpd.GeoDataFrame:
    k = int(share * len(base) / (1 - share))
    x, y = float(base.geometry.x.median()) + 1.234e-4, float(base.geometry.y.median())
    pile = gpd.GeoDataFrame({s.REPORTED_AT: base[s.REPORTED_AT].to_numpy()[rng.integers(0, len(base), k)],
                             s.CATEGORY: "planted_default", s.ADDRESS: pd.NA},
                            geometry=gpd.points_from_xy(np.full(k, x), np.full(k, y)), crs=s.STORAGE_CRS)
    return gpd.GeoDataFrame(pd.concat([base, pile], ignore_index=True), geometry="geometry", crs=s.STORAGE_CRS)


def main() -> None:
    rng = np.random.default_rng(7)
    print("| ledger | records | 99.9th pct | flagged as published | planted 2 / 5 / 15 % found "
          "| real flagged with a plant |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, path in LEDGERS.items():
        if not path.exists():
            print(f"| {name} | (../shared/data missing) | | | | |")
            continue
        base = ledger(path)
        sizes = pd.DataFrame({"x": base.geometry.x, "y": base.geometry.y}).groupby(["x", "y"]).size()
        alone = int(flag_suspect_points(base).sum())
        found, real = [], []
        for share in (0.02, 0.05, 0.15):
            both = planted(base, share, rng)
            flags = flag_suspect_points(both).to_numpy()
            found.append(f"{int(flags[len(base):].sum())}/{len(both) - len(base)}")
            real.append(str(int(flags[:len(base)].sum())))
        print(f"| {name} | {len(base):,} | {np.quantile(sizes.to_numpy(), 0.999):.0f} | {alone} | "
              f"{' / '.join(found)} | {' / '.join(real)} |")


if __name__ == "__main__":
    main()
