"""Importing grids and ledgers into a workspace, with an account of every row.

``import_ledger`` reads a ledger, joins it to the workspace's grids, merges it with what the
workspace holds (new ids are imported, known ids with a changed status or closing time are updated
and their history kept, unchanged ones count as duplicates), recomputes the quality flags and
writes everything back. Its summary always satisfies
``read == imported + updated + rejected + duplicates``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.categories import CategoryTable, read_categories
from geo.crs import metric_crs_for
from geo.export import safe_frame
from geo.io import LedgerError, read_grids, read_ledger
from geo.join import assign_grids
from geo.mapping import LedgerMapping
from geo.photos import cells_without_links
from geo.quality import LIKELY_DUPLICATE_OF, SUSPECT_POINT, flag_likely_duplicates, flag_suspect_points
from geo.store import Workspace

#: Fields a re-import may change; a change of any of them is an update with history.
UPDATABLE = (s.STATUS, s.STATUS_RAW, s.CLOSED_AT, s.DEADLINE_AT, s.DEPARTMENT, s.HANDLING, s.PHOTO_BEFORE,
             s.PHOTO_AFTER)


def safe_filename(name: str, *, default: str = "upload") -> str:
    """A file name safe to write anywhere: no directories, no control or shell characters.

    Chinese characters are kept (clerks name files in Chinese); everything else outside
    ``[\\w.-]`` becomes ``_``; a leading dot gets a ``upload`` stem so nothing becomes hidden.
    """
    base = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]", "_", base, flags=re.UNICODE)
    if cleaned.startswith("."):  # never hidden; keep the extension the reader needs
        cleaned = default + "." + cleaned.lstrip(".")
    return cleaned[-120:] if cleaned.strip("._") else default


@dataclass(frozen=True)
class GridImport:
    """What ``import_grids`` found: counts, repairs, overlaps and gaps."""

    grids: int
    repaired: list[str] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: int = 0
    gap_area_m2: float = 0.0


def import_grids(
    workspace: Workspace,
    path: str | Path,
    *,
    id_field: str = s.GRID_ID,
    name_field: str = s.GRID_NAME,
    community_field: str = s.COMMUNITY,
    min_area_m2: float = 1.0,
) -> GridImport:
    """Load management grids into ``workspace``: repair invalid polygons, report overlaps and gaps.

    Overlaps and gaps smaller than ``min_area_m2`` (digitising noise) are not reported.
    """
    grids = read_grids(path, id_field=id_field, name_field=name_field, community_field=community_field,
                       repair=True)
    repaired = list(grids.attrs.get("repaired", []))
    metric = grids.geometry.to_crs(metric_crs_for(grids.geometry)).to_numpy()
    tree = shapely.STRtree(metric)
    a, b = tree.query(metric, predicate="intersects")
    pairs = a < b
    overlaps = []
    ids = grids[s.GRID_ID].astype(str).to_numpy()
    for i, j in zip(a[pairs], b[pairs], strict=True):
        area = shapely.area(shapely.intersection(metric[i], metric[j]))
        if area >= min_area_m2:
            overlaps.append({"a": ids[i], "b": ids[j], "area_m2": round(float(area), 1)})
    union = shapely.union_all(metric)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    holes = [h for h in holes if h.area >= min_area_m2]
    workspace.save_grids(grids)
    return GridImport(grids=len(grids), repaired=repaired, overlaps=overlaps, gaps=len(holes),
                      gap_area_m2=round(float(sum(h.area for h in holes)), 1))


@dataclass(frozen=True)
class ImportSummary:
    """The printed outcome of one ledger import."""

    read: int
    imported: int
    updated: int
    rejected: int
    duplicates: int
    outside_grids: int
    suspect_points: int
    swapped_coordinates: int = 0
    likely_double_submissions: int = 0
    #: Photo cells that hold no http(s) link (bare file names): they open only with a photo server set.
    photos_without_links: int = 0
    unmapped_categories: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None

    def counts(self) -> dict[str, int]:
        """The seven counts of the command line's JSON line."""
        keys = ("read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points")
        return {k: getattr(self, k) for k in keys}


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality treating two missing values as equal."""
    both_na = (a.isna() & b.isna()).to_numpy()
    eq = (a == b).fillna(False).to_numpy(dtype=bool)
    return both_na | eq


def import_ledger(
    workspace: Workspace,
    path: str | Path,
    *,
    mapping: LedgerMapping | None = None,
    categories: CategoryTable | None = None,
    source_name: str | None = None,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Import a ledger into ``workspace`` (grids must be imported first).

    Raises
    ------
    geo.io.LedgerError
        If the ledger cannot be read, or the workspace holds no grids.
    """
    grids = workspace.load_grids()
    if grids is None:
        raise LedgerError("the workspace has no grids yet: import grids first (python -m geo import-grids)")
    mapping = mapping or LedgerMapping()
    name = safe_filename(source_name or Path(path).name)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    ledger = read_ledger(path, categories=categories or read_categories(), mapping=mapping)
    incoming = assign_grids(ledger.issues, grids)

    existing = workspace.load_issues()
    if existing is not None and len(existing):
        # One workspace, one zone: a later ledger is converted to the zone of the first.
        zone = existing[s.REPORTED_AT].dt.tz
        for col in (s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT):
            incoming[col] = incoming[col].dt.tz_convert(zone)
    updated_ids: list[str] = []
    unchanged = 0
    if existing is not None and len(existing):
        known = incoming[s.ISSUE_ID].isin(existing[s.ISSUE_ID])
        fresh = incoming[~known]
        again = incoming[known].set_index(s.ISSUE_ID)
        base = existing.set_index(s.ISSUE_ID)
        old = base.loc[again.index]
        changed = np.zeros(len(again), dtype=bool)
        history = []
        # A ledger without photo columns says nothing about photos: it must not erase earlier ones.
        updatable = [c for c in UPDATABLE if c not in s.LATER_ISSUE_COLUMNS or c in ledger.columns]
        for col in updatable:
            diff = ~_same(old[col].astype("string"), again[col].astype("string"))
            changed |= diff
            for issue_id in again.index[diff]:
                history.append({"issue_id": issue_id, "changed_at": stamp, "field": col,
                                "old": str(old.at[issue_id, col]), "new": str(again.at[issue_id, col]),
                                "source": name})
        unchanged = int((~changed).sum())
        updated_ids = list(again.index[changed])
        for col in updatable:
            base.loc[updated_ids, col] = again.loc[updated_ids, col]
        workspace.append_history(pd.DataFrame(history, columns=["issue_id", "changed_at", "field", "old", "new", "source"]))
        merged = pd.concat([base.reset_index(), fresh], ignore_index=True)
    else:
        fresh = incoming
        merged = incoming
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=s.STORAGE_CRS)
    merged[SUSPECT_POINT] = flag_suspect_points(merged).to_numpy()
    merged[LIKELY_DUPLICATE_OF] = flag_likely_duplicates(merged).to_numpy()
    workspace.save_issues(merged)
    workspace.save_mapping(mapping)

    rejects_file = None
    if len(ledger.rejects):
        workspace.rejects_dir.mkdir(parents=True, exist_ok=True)
        rejects_path = workspace.rejects_dir / f"{stamp}_{Path(name).stem}_rejects.csv"
        safe_frame(ledger.rejects).to_csv(rejects_path, index=False, encoding="utf-8-sig")
        rejects_file = str(rejects_path)

    touched = merged[s.ISSUE_ID].isin(set(fresh[s.ISSUE_ID]) | set(updated_ids))
    summary = ImportSummary(
        read=ledger.read,
        imported=len(fresh),
        updated=len(updated_ids),
        rejected=len(ledger.rejects),
        duplicates=ledger.duplicates + unchanged,
        outside_grids=int(merged.loc[touched, s.OUTSIDE_GRIDS].sum()),
        suspect_points=int(merged.loc[touched, SUSPECT_POINT].sum()),
        swapped_coordinates=ledger.swapped,
        likely_double_submissions=int(merged.loc[touched, LIKELY_DUPLICATE_OF].notna().sum()),
        photos_without_links=cells_without_links(pd.concat([ledger.issues[s.PHOTO_BEFORE],
                                                            ledger.issues[s.PHOTO_AFTER]])),
        unmapped_categories={str(k): int(v) for k, v in ledger.unmapped_categories.items()},
        rejects_file=rejects_file,
    )
    if summary.read != summary.imported + summary.updated + summary.rejected + summary.duplicates:
        raise AssertionError(f"import accounting failed: {summary}")
    workspace.record_import({"at": stamp, "source": name, **asdict(summary), "columns": ledger.columns})
    return summary


def store_upload(workspace: Workspace, name: str, data: bytes, *, now: dt.datetime | None = None) -> Path:
    """Save uploaded bytes under ``workspace/uploads`` with a sanitised, timestamped name.

    The file is only ever read as data (never executed, never unpacked beyond GDAL's read-only
    ``/vsizip/`` view of a zipped Shapefile).
    """
    folder = workspace.root / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}_{safe_filename(name)}"
    path.write_bytes(data)
    return path
