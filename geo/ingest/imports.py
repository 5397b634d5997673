"""Importing grids and ledgers into a workspace, with an account of every row.

``import_ledger`` reads a ledger, joins it to the workspace's grids, merges it with what the
workspace holds (new ids are imported, known ids with a changed status or closing time are updated
and their history kept, unchanged ones count as duplicates), recomputes the quality flags and
writes everything back. Its summary always satisfies
``read == imported + updated + rejected + duplicates``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo import schema as s
from geo.admin.access import Actor, require
from geo.categories import OTHER, CategoryTable, read_categories
from geo.crs import metric_crs_for
from geo.csv_guard import to_safe_csv
from geo.ingest.grid_layers import read_grids
from geo.ingest.join import assign_grids
from geo.ingest.ledger import read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ingest.merge import merge_ledger
from geo.ingest.photos import cells_without_links
from geo.ingest.preview import far_from_grids
from geo.ingest.quality import flag_suspect_points, refresh_likely_duplicates
from geo.ingest.tables import LedgerError
from geo.ingest.zones import propose_zone, zone_mismatch
from geo.store import IssueStore, uploads_folder
from geo.text import stripped_text

#: Longest file name written, in UTF-8 bytes (Linux allows 255; the stamp and suffixes need room).
MAX_NAME_BYTES = 150


def safe_filename(name: str, *, default: str = "upload") -> str:
    """A file name safe to write anywhere: no directories, no control or shell characters.

    Chinese characters are kept (clerks name files in Chinese); everything else outside
    ``[\\w.-]`` becomes ``_``; a leading dot gets a ``upload`` stem so nothing becomes hidden. A
    long name is shortened in the middle of its stem to :data:`MAX_NAME_BYTES` UTF-8 bytes, keeping
    the extension the reader needs (a Chinese character takes three bytes: 76 of them already
    broke the 255-byte limit once timestamps were added).

    Examples
    --------
    >>> safe_filename("../../青石 台账.xlsx")
    '青石_台账.xlsx'
    """
    base = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]", "_", base, flags=re.UNICODE)
    if cleaned.startswith("."):  # never hidden; keep the extension the reader needs
        cleaned = default + "." + cleaned.lstrip(".")
    if not cleaned.strip("._"):
        return default
    if len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = cleaned, ""
    budget = MAX_NAME_BYTES - len(ext.encode("utf-8")) - (1 if ext else 0) - 1
    head = stem.encode("utf-8")[: budget // 2].decode("utf-8", "ignore")
    tail = stem.encode("utf-8")[-(budget - len(head.encode("utf-8"))):].decode("utf-8", "ignore")
    return f"{head}~{tail}" + (f".{ext}" if ext else "")


@dataclass(frozen=True)
class GridImport:
    """What ``import_grids`` found: counts, repairs, overlaps and gaps, and how stored issues moved.

    ``moved`` issues now lie in another grid, ``now_outside`` in none (their grid was removed or
    shrunk), ``now_inside`` came back inside a grid; the stored issues are re-joined in the same
    generation as the new grids, so no count ever points at a grid that is gone.
    """

    grids: int
    repaired: list[str] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: int = 0
    gap_area_m2: float = 0.0
    moved: int = 0
    now_outside: int = 0
    now_inside: int = 0
    #: Grid, community or street names holding U+FFFD: a file decoded with the wrong encoding.
    damaged_names: list[str] = field(default_factory=list)


def damaged_names(grids: pd.DataFrame) -> list[str]:
    """Names in the grid layer that hold U+FFFD, the replacement character of a wrong decoding
    (``031 Pac\ufffdfico`` for Pacífico): reported at the import, to be fixed in the source file."""
    out: list[str] = []
    for col in (s.GRID_NAME, s.COMMUNITY, s.STREET):
        if col in grids.columns:
            names = grids[col].astype("string").dropna()
            out.extend(sorted(set(names[names.str.contains("\ufffd", regex=False)])))
    return out


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_grids(
    store: IssueStore,
    path: str | Path,
    *,
    id_field: str = s.GRID_ID,
    name_field: str = s.GRID_NAME,
    community_field: str = s.COMMUNITY,
    cadres_field: str = s.CADRES,
    min_area_m2: float = 1.0,
    now: dt.datetime | None = None,
    actor: Actor | None = None,
) -> GridImport:
    """Load management grids into ``store``: repair invalid polygons, report overlaps and gaps.

    Overlaps and gaps smaller than ``min_area_m2`` (digitising noise) are not reported. Stored
    issues are re-joined to the new grids in the same commit. Needs the admin role (``actor``;
    the command line's when ``None``), recorded in the audit trail.

    Raises
    ------
    geo.admin.access.AccessDenied
        If ``actor`` may not change grids.
    """
    who = require(actor, "import_grids")
    grids = read_grids(path, id_field=id_field, name_field=name_field, community_field=community_field,
                       cadres_field=cadres_field, repair=True)
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
    moved = now_outside = now_inside = 0
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    with store.transaction() as tx:
        tx.put_grids(grids)
        issues = tx.load_issues()
        if issues is not None and len(issues):
            before = issues[s.GRID_ID].astype("string")
            rejoined = assign_grids(issues, grids)
            after = rejoined[s.GRID_ID].astype("string")
            now_outside = int((before.notna() & after.isna()).sum())
            now_inside = int((before.isna() & after.notna()).sum())
            moved = int((before.notna() & after.notna() & (before != after).fillna(False)).sum())
            tx.put_issues(rejoined)
        report = GridImport(grids=len(grids), repaired=repaired, overlaps=overlaps, gaps=len(holes),
                            gap_area_m2=round(float(sum(h.area for h in holes)), 1), moved=moved,
                            now_outside=now_outside, now_inside=now_inside, damaged_names=damaged_names(grids))
        tx.log({"at": stamp, "kind": "grids", "actor": who.name, "role": who.role, "source": safe_filename(Path(path).name),
                "sha256": _file_digest(Path(path)), "read": len(grids), "imported": len(grids), "updated": 0,
                "rejected": 0, "duplicates": 0, "grids": len(grids), "moved": moved, "now_outside": now_outside,
                "now_inside": now_inside})
    return report


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
    #: Name of the rejected rows' CSV in the store (``store.rejects(ref)`` returns its bytes).
    rejects_ref: str | None = None
    #: The store generation this import published.
    generation: int = 0
    #: The zone the ledger's local times were read in (the clerk's, the workspace's, or the grids').
    time_zone: str = s.DEFAULT_TZ
    #: The zone where the ledger's points lie, when its clock differs from ``time_zone`` (a warning).
    points_zone: str | None = None
    #: Share of the ledger's imported rows that are 其他 (``other``): above :data:`geo.categories.OTHER_WARNING` a warning.
    other_share: float = 0.0
    #: Imported rows far from the grids (farther than the grids' extent is wide): another place, not a boundary.
    far_outside: int = 0

    def counts(self) -> dict[str, int]:
        """The seven counts of the command line's JSON line."""
        keys = ("read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points")
        return {k: getattr(self, k) for k in keys}


def import_ledger(
    store: IssueStore,
    path: str | Path,
    *,
    mapping: LedgerMapping | None = None,
    categories: CategoryTable | None = None,
    source_name: str | None = None,
    now: dt.datetime | None = None,
    actor: Actor | None = None,
) -> ImportSummary:
    """Import a ledger into ``store`` (grids must be imported first) as one new generation.

    The ledger is read before the store is locked; the merge with what the store holds, the
    quality flags, the history, the rejects and the log record are computed under the writer
    lock and published together, so concurrent imports are serialised and both land, and an
    import that fails or is killed publishes nothing. Needs the clerk role (``actor``; the command
    line's when ``None``), recorded in the audit trail with the file's SHA-256.

    Raises
    ------
    geo.ingest.tables.LedgerError
        If the ledger cannot be read, or the store holds no grids.
    geo.admin.access.AccessDenied
        If ``actor`` may not import ledgers (checked before the file is read).
    """
    who = require(actor, "import_ledger")
    mapping = mapping or LedgerMapping()
    # Labels mapped for earlier ledgers apply to this one too (the clerk maps a label once).
    kept = store.read("mapping").mapping or {}
    saved = kept.get("categories", {})
    if saved:
        mapping = replace(mapping, categories={**saved, **mapping.categories})
    saved_statuses = kept.get("statuses", {})
    if saved_statuses:  # statuses the clerk confirmed for an earlier ledger, as the labels
        mapping = replace(mapping, statuses={**saved_statuses, **mapping.statuses})
    if mapping.tz is None:  # the clerk's zone, else the workspace's, else where the grids lie
        mapping = replace(mapping, tz=workspace_zone(store, kept))
    path = Path(path)
    name = safe_filename(source_name or path.name)
    moment = now or dt.datetime.now(dt.UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%S")
    digest = _file_digest(path) if path.is_file() else None
    ledger = read_ledger(path, categories=categories or read_categories(), mapping=mapping)
    with store.transaction() as tx:
        grids = tx.load_grids()
        if grids is None:
            raise LedgerError(NO_GRIDS)
        incoming = assign_grids(ledger.issues, grids)
        merged, n_fresh, n_updated, unchanged, history, touched = merge_ledger(
            tx.load_issues(), incoming, ledger_columns=ledger.columns, stamp=stamp, name=name)
        merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=s.STORAGE_CRS)
        stored = tx.load_mapping() or {}
        # A clerk's marks win over the stored ones: a point marked real leaves the defaults, and back.
        def positions(points: list[list[float]]) -> set[tuple[float, float]]:
            return {(float(p[0]), float(p[1])) for p in points}

        real_now, marked = positions(mapping.real_points), positions(mapping.default_points)
        points = (positions(stored.get("default_points", [])) - real_now) | marked
        real = (positions(stored.get("real_points", [])) - marked) | real_now
        merged[s.SUSPECT_POINT] = flag_suspect_points(merged, default_points=sorted(points),
                                                    real_points=sorted(real)).to_numpy()
        merged[s.LIKELY_DUPLICATE_OF] = refresh_likely_duplicates(merged, touched).to_numpy()
        tx.put_issues(merged)  # validates: a bad value fails here, before anything is published
        tx.add_history(history)
        tx.put_mapping(json.loads(mapping.to_json()) | {"default_points": [list(p) for p in sorted(points)],
                                                        "real_points": [list(p) for p in sorted(real)]})
        rejects_ref = None
        if len(ledger.rejects):
            csv = to_safe_csv(ledger.rejects)
            rejects_ref = tx.add_rejects(f"{tx.generation:06d}_{stamp}_{Path(name).stem}_rejects.csv", csv)
        summary = ImportSummary(
            read=ledger.read,
            imported=n_fresh,
            updated=n_updated,
            rejected=len(ledger.rejects),
            duplicates=ledger.duplicates + unchanged,
            outside_grids=int(merged.loc[touched, s.OUTSIDE_GRIDS].sum()),
            suspect_points=int(merged.loc[touched, s.SUSPECT_POINT].sum()),
            swapped_coordinates=ledger.swapped,
            likely_double_submissions=int(merged.loc[touched, s.LIKELY_DUPLICATE_OF].notna().sum()),
            photos_without_links=cells_without_links(pd.concat([ledger.issues[s.PHOTO_BEFORE],
                                                                ledger.issues[s.PHOTO_AFTER]])),
            unmapped_categories={str(k): int(v) for k, v in ledger.unmapped_categories.items()},
            rejects_ref=rejects_ref,
            generation=tx.generation,
            time_zone=str(mapping.tz),
            far_outside=int(far_from_grids(ledger.issues.geometry.x.to_numpy(), ledger.issues.geometry.y.to_numpy(),
                                           grids).sum()) if len(ledger.issues) else 0,
            other_share=round(float((ledger.issues[s.CATEGORY] == OTHER).mean()), 4) if len(ledger.issues) else 0.0,
            points_zone=zone_mismatch(ledger.issues, str(mapping.tz)),
        )
        if summary.read != summary.imported + summary.updated + summary.rejected + summary.duplicates:
            raise AssertionError(f"import accounting failed: {summary}")
        tx.log({"at": stamp, "kind": "ledger", "actor": who.name, "role": who.role, "source": name, "sha256": digest,
                **asdict(summary),
                "columns": ledger.columns})
    return summary


def workspace_zone(store: IssueStore, kept: dict[str, object] | None = None) -> str:
    """The zone a workspace reads local times in: the one stored with its mapping, else the grids' own.

    The first import stores it (``LedgerMapping.tz`` is saved with every import), so a later ledger
    is read in the same zone whatever its clerk's machine says.
    """
    kept = kept if kept is not None else (store.read("mapping").mapping or {})
    zone = kept.get("tz")
    if isinstance(zone, str) and zone:
        return zone
    return propose_zone(store.read("grids").grids)


def category_labels(raw: pd.Series, categories: CategoryTable) -> pd.DataFrame:
    """Every raw category label with its count and the category it maps to now, most frequent first.

    ``known`` says whether the table (with its synonyms) knows the label exactly; ``category`` is that, or
    the category whose synonym's words the label contains (:meth:`CategoryTable.suggest`, a suggestion
    for the clerk to confirm), else ``other`` until the user chooses.
    """
    counts = stripped_text(raw).dropna().value_counts()
    known = [categories.match(label) is not None for label in counts.index]
    suggested = [categories.suggest(label) for label in counts.index]
    return pd.DataFrame({"label": counts.index.astype(str), "count": counts.to_numpy(dtype=int),
                         "category": [c or OTHER for c in suggested], "known": known})


def remap_categories(store: IssueStore, synonyms: dict[str, str], *, categories: CategoryTable | None = None,
                     now: dt.datetime | None = None, actor: Actor | None = None) -> int:
    """Save ``raw label -> category`` choices to the store's mapping and re-map the stored issues.

    One commit: the issues whose category changes (with a history row each), the mapping later
    imports use, and a log record. Deadlines stay as imported.

    Returns
    -------
    int
        How many stored issues changed category.

    Raises
    ------
    ValueError
        If a choice names an unknown category code.
    geo.admin.access.AccessDenied
        If ``actor`` (the command line's when ``None``) is not an admin.
    """
    who = require(actor, "mapping")
    base = categories or read_categories()
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    with store.transaction() as tx:
        stored = tx.load_mapping() or {}
        merged = {**stored.get("categories", {}), **synonyms}
        table = base.with_synonyms(merged)  # validates the codes
        issues = tx.load_issues()
        changed = 0
        if issues is not None and len(issues):
            new = table.map_labels(issues[s.CATEGORY_RAW]).astype("string")
            old = issues[s.CATEGORY].astype("string")
            diff = (new != old).fillna(False).to_numpy(dtype=bool)
            changed = int(diff.sum())
            if changed:
                tx.add_history(pd.DataFrame({"issue_id": issues.loc[diff, s.ISSUE_ID].to_numpy(), "changed_at": stamp,
                                             "field": s.CATEGORY, "old": old[diff].to_numpy(), "new": new[diff].to_numpy(),
                                             "source": "category mapping"}))
                tx.put_issues(issues.assign(**{s.CATEGORY: new.to_numpy()}))
        tx.put_mapping({**stored, "categories": merged})
        tx.log({"at": stamp, "kind": "mapping", "actor": who.name, "role": who.role, "source": "", "read": len(synonyms),
                "imported": 0,
                "updated": changed, "rejected": 0, "duplicates": 0, "labels": synonyms})
    return changed


#: The message when a ledger comes before any grids.
NO_GRIDS = "the workspace has no grids yet: import grids first"


def store_upload(store: IssueStore, name: str, data: bytes, *, now: dt.datetime | None = None,
                 folder: Path | None = None) -> Path:
    """Save uploaded bytes under the store's uploads folder, one timestamped folder per upload.

    The file keeps its own (sanitised) name, so every message about it names the file the clerk
    chose. It is only ever read as data (never executed, never unpacked beyond the bounded
    readers of :mod:`geo.ingest.ledger`). A unique suffix keeps two uploads in one instant apart.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%f")
    folder = (folder or uploads_folder(store)) / f"{stamp}_{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_filename(name)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
