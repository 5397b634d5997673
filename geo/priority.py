"""Grid priorities (整治优先级): an explainable score from five measured reasons, with user weights.

``measure_grids`` measures, per management grid and for a period ending ``as_of``:

* **hotspot**: the strongest Gi* class of any category on fine cells touching the grid's issues
  (all categories scored in one sparse product), as the level 0/90/95/99 % and that category;
* **trend**: the last 8 weeks against the 8 before, as an exact rate ratio (only a rise whose interval
  lies above 1 counts);
* **overdue**: open cases past their deadline at ``as_of`` (超期未结);
* **recurrence**: repeat reports at a place fixed before (30 m, 90 days);
* **severity**: issues of the last 8 weeks weighted by the category table's severity.

``score`` turns the measurements into a 0-100 score: each reason scaled to 0..1 (hotspot by level,
trend by ``log2`` of the ratio capped at a doubling, the others by the largest grid), weighted, summed
and divided by the weight total. Ranks are deterministic (score, then overdue, then grid id), and each
grid's leading reasons are worded in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from geo import schema as s
from geo.campaign import rate_ratio
from geo.categories import CategoryTable
from geo.cells import SquareLattice, auto_cell_size
from geo.crs import metric_crs_for
from geo.hotspots import gi_star
from geo.pipeline import Dataset
from geo.quality import SUSPECT_POINT
from geo.rectification import KpiPolicy, deadline_lights
from geo.recurrence import flag_recurrences

#: Default weights (documented in docs/rectification.md); the page lets users change them.
DEFAULT_WEIGHTS: Final = {"hotspot": 0.30, "trend": 0.15, "overdue": 0.25, "recurrence": 0.15, "severity": 0.15}
REASONS: Final = tuple(DEFAULT_WEIGHTS)
RECENT_WEEKS: Final = 8
#: A category needs this many issues before its Gi* classes count (ArcGIS's optimized tool: 30).
MIN_CATEGORY_ISSUES: Final = 30
#: ... and a grid this many of its own issues in significant cells.
MIN_HOT_ISSUES: Final = 3
#: Reasons shown per grid.
TOP_REASONS: Final = 3
LEVEL_NAMES: Final = {3: "99%", 2: "95%", 1: "90%"}


def measure_grids(dataset: Dataset, as_of: pd.Timestamp, *, policy: KpiPolicy | None = None,
                  cell_size_m: float | None = None) -> pd.DataFrame:
    """The five measured reasons per grid (raw values, before scaling).

    Issues are the live, non-suspect ones reported before ``as_of``; suspect piles never drive a
    priority. Columns: ``grid_id``, ``hot_level`` (0-3), ``hot_category``, ``trend_ratio``,
    ``trend_rising`` (bool), ``overdue``, ``recurrences``, ``severity``, ``top_severity_category``,
    ``top_severity_count``, ``open``.
    """
    policy = policy or KpiPolicy(dataset.categories)
    grids = dataset.grids
    issues = dataset.issues
    keep = (issues[s.STATUS] != "void") & (issues[s.REPORTED_AT] < as_of)
    if SUSPECT_POINT in issues:
        keep &= ~issues[SUSPECT_POINT].astype(bool)
    issues = issues[keep & issues[s.GRID_ID].notna()]
    ids = list(grids[s.GRID_ID])
    out = pd.DataFrame({s.GRID_ID: ids}).set_index(s.GRID_ID)

    # Hotspots: every category at once on fine cells; each grid takes its issues' strongest class.
    codes = list(dataset.categories.codes)
    metric = grids.geometry.to_crs(metric_crs_for(grids.geometry))
    size = cell_size_m or max(auto_cell_size(float(metric.union_all().area), max(len(issues) // len(codes), 1)), 50.0)
    lattice = SquareLattice.covering(grids.geometry, size_m=size)
    cell = lattice.assign(issues.geometry)
    cat = pd.Categorical(issues[s.CATEGORY].astype(str), categories=codes).codes
    ok = (cell >= 0) & (cat >= 0)
    counts = np.zeros((len(lattice.active), len(codes)))
    np.add.at(counts, (cell[ok], cat[ok]), 1)
    bins = gi_star(counts, lattice.neighbours()).bins  # (cells, categories)
    issue_bin = np.where(ok, bins[np.maximum(cell, 0), np.maximum(cat, 0)], 0)
    frame = pd.DataFrame({s.GRID_ID: issues[s.GRID_ID].astype(str).to_numpy(), "bin": issue_bin,
                          "category": issues[s.CATEGORY].astype(str).to_numpy()})
    # Gi* on a rare category is a normal approximation on a handful of points: like ArcGIS's optimized
    # tool, a category needs 30 issues, and a grid needs 3 of its own issues in significant cells.
    sizes = frame["category"].value_counts()
    frame = frame[(frame["bin"] > 0) & frame["category"].map(sizes).ge(MIN_CATEGORY_ISSUES).to_numpy()]
    per = frame.groupby([s.GRID_ID, "category"]).agg(bin=("bin", "max"), n=("bin", "size")).reset_index()
    per = per[per["n"] >= MIN_HOT_ISSUES]
    per = per.sort_values(["bin", "n", "category"], ascending=[False, False, True], kind="stable")
    strongest = per.drop_duplicates(s.GRID_ID).set_index(s.GRID_ID)
    out["hot_level"] = strongest["bin"].reindex(out.index).fillna(0).astype(int)
    out["hot_category"] = strongest["category"].reindex(out.index).fillna("")

    # Trend: last 8 weeks against the 8 before.
    recent = issues[s.REPORTED_AT] >= as_of - pd.Timedelta(weeks=RECENT_WEEKS)
    earlier = ~recent & (issues[s.REPORTED_AT] >= as_of - pd.Timedelta(weeks=2 * RECENT_WEEKS))
    grid = issues[s.GRID_ID].astype(str)
    now_n = grid[recent].value_counts().reindex(out.index, fill_value=0)
    then_n = grid[earlier].value_counts().reindex(out.index, fill_value=0)
    days = 7.0 * RECENT_WEEKS
    ratios = [rate_ratio(int(b), int(a), days, days) for b, a in zip(then_n, now_n, strict=True)]
    out["trend_ratio"] = [r.ratio for r in ratios]
    out["trend_rising"] = [r.verdict == "increase" for r in ratios]

    # Overdue open cases and open problems at as_of.
    lights = deadline_lights(issues, policy, as_of)
    out["overdue"] = lights.loc[lights["light"] == "red", s.GRID_ID].astype(str).value_counts().reindex(
        out.index, fill_value=0)
    out["open"] = lights[s.GRID_ID].astype(str).value_counts().reindex(out.index, fill_value=0)

    # Repeat reports in the last 8 weeks.
    repeats = flag_recurrences(issues).notna() & recent
    out["recurrences"] = grid[repeats].value_counts().reindex(out.index, fill_value=0)

    # Severity-weighted recent issues, and the heaviest category for the sentence.
    severity = issues[s.CATEGORY].astype(str).map(dataset.categories.table["severity"].astype(float)).fillna(1.0)
    out["severity"] = severity[recent].groupby(grid[recent]).sum().reindex(out.index, fill_value=0.0)
    heavy = pd.DataFrame({"grid": grid[recent], "cat": issues.loc[recent, s.CATEGORY].astype(str),
                          "w": severity[recent]})
    heavy = heavy.groupby(["grid", "cat"]).agg(n=("w", "size"), w=("w", "sum")).reset_index()
    heavy = heavy.sort_values(["w", "cat"], ascending=[False, True], kind="stable").drop_duplicates("grid").set_index("grid")
    out["top_severity_category"] = heavy["cat"].reindex(out.index).fillna("")
    out["top_severity_count"] = heavy["n"].reindex(out.index).fillna(0).astype(int)
    return out.reset_index()


@dataclass(frozen=True)
class Names:
    """Category display names for the sentences."""

    zh: Mapping[str, str]
    en: Mapping[str, str]

    @classmethod
    def of(cls, categories: CategoryTable) -> Names:
        """The Chinese and English names of every category in ``categories``."""
        table = categories.table
        return cls(table["name_zh"].astype(str).to_dict(), table["name_en"].astype(str).to_dict())


def _scaled(raw: pd.DataFrame) -> pd.DataFrame:
    def by_max(col: str) -> pd.Series:
        top = float(raw[col].max()) if len(raw) else 0.0
        return raw[col].astype(float) / top if top > 0 else raw[col].astype(float) * 0.0

    ratio = raw["trend_ratio"].astype(float).replace([np.inf], 4.0).fillna(1.0)
    return pd.DataFrame({
        "hotspot": raw["hot_level"].astype(float) / 3.0,
        "trend": np.where(raw["trend_rising"], np.clip(np.log2(np.maximum(ratio, 1.0)), 0, 1), 0.0),
        "overdue": by_max("overdue"),
        "recurrence": by_max("recurrences"),
        "severity": by_max("severity"),
    }, index=raw.index)


def _phrases(row: pd.Series, names: Names) -> dict[str, tuple[str, str]]:
    cat_zh, cat_en = names.zh.get(row["hot_category"], row["hot_category"]), names.en.get(row["hot_category"], "")
    sev_zh = names.zh.get(row["top_severity_category"], row["top_severity_category"])
    sev_en = names.en.get(row["top_severity_category"], row["top_severity_category"])
    level = LEVEL_NAMES.get(int(row["hot_level"]), "")
    rise = (float(row["trend_ratio"]) - 1) * 100 if np.isfinite(row["trend_ratio"]) else 100.0
    return {
        "hotspot": (f"{cat_zh} {level} 热点", f"{cat_en} hot spot at {level}"),
        "trend": (f"近 {RECENT_WEEKS} 周上升 {rise:.0f}%", f"up {rise:.0f}% in the last {RECENT_WEEKS} weeks"),
        "overdue": (f"超期未结 {int(row['overdue'])} 件", f"{int(row['overdue'])} overdue open cases"),
        "recurrence": (f"反复发生 {int(row['recurrences'])} 次", f"{int(row['recurrences'])} repeat reports"),
        "severity": (f"近 {RECENT_WEEKS} 周{sev_zh} {int(row['top_severity_count'])} 件",
                     f"{int(row['top_severity_count'])} {sev_en} reports in {RECENT_WEEKS} weeks"),
    }


def score(raw: pd.DataFrame, weights: Mapping[str, float] | None = None, *, names: Names | None = None) -> pd.DataFrame:
    """Scores, ranks and reasons from :func:`measure_grids`'s measurements.

    Raises
    ------
    ValueError
        For an unknown reason, a negative weight or weights summing to zero.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(weights) - set(REASONS)
    if unknown or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError(f"weights must be non-negative over {REASONS} and not all zero, got {weights}")
    names = names or Names({}, {})
    parts = _scaled(raw)
    total = sum(weights.values())
    contrib = pd.DataFrame({k: parts[k] * weights.get(k, 0.0) / total * 100 for k in REASONS}, index=raw.index)
    out = raw.copy()
    out["score"] = contrib.sum(axis=1).round(6)  # rounding keeps float noise from breaking exact ties
    for k in REASONS:
        out[f"part_{k}"] = contrib[k]
    out = out.sort_values(["score", "overdue", s.GRID_ID], ascending=[False, False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    reasons_zh, reasons_en = [], []
    for idx, row in out.iterrows():
        leading = [k for k in sorted(REASONS, key=lambda k: -contrib.at[idx, k]) if contrib.at[idx, k] > 0][:TOP_REASONS]
        words = _phrases(row, names)
        reasons_zh.append("，".join(words[k][0] for k in leading))
        reasons_en.append(", ".join(words[k][1] for k in leading))
    out["reasons_zh"], out["reasons_en"] = reasons_zh, reasons_en
    return out.reset_index(drop=True)


def pareto(ranked: pd.DataFrame, n: int) -> float:
    """Share (0..1) of open problems held by the top ``n`` grids of a ranked table."""
    total = float(ranked["open"].sum())
    return float(ranked.nsmallest(n, "rank")["open"].sum()) / total if total else 0.0
