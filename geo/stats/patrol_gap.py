"""What patrols miss (巡查盲区): per unit, the cases someone else had to report against the patrol's own finds.

A patrol that works finds most of its grid's problems before the public phones them in. For each unit
(grid, community) the cases with a known source split into **found** (网格巡查, 视频巡查: 主动发现) and
**reported** by others (督导检查, 12345热线, 群众举报: 监督举报). The unit's rate ratio is

    RR = (reported_u / found_u) / (reported_rest / found_rest)

its odds of a case coming from outside against the rest of the street's. Given the unit's known cases
``n_u``, ``reported_u`` is binomial with the unit's share; the interval is the exact (Clopper-Pearson)
interval of that share turned into odds and divided by the rest's odds (the rest, hundreds of cases, is
taken as known). A unit is a **blind spot** when its share is significantly above the rest's: a one-sided
exact binomial test against the rest's share, with the Benjamini-Hochberg false discovery rate over all
units at ``alpha`` (so one grid in a hundred is not flagged on noise, and a 6-case grid cannot be).

A ledger whose sources are all of one kind (New York's 311 channels are all the public's; Madrid's
ledger names none) has nothing to compare: :func:`patrol_gap` says so (``comparable`` is False) and flags
nothing.

Examples
--------
>>> import pandas as pd
>>> cases = pd.DataFrame({"unit": ["a"] * 10 + ["b"] * 40 + ["c"] * 40,
...                       "source": ["hotline"] * 9 + ["patrol"] + (["hotline"] * 10 + ["patrol"] * 30) * 2})
>>> gap = patrol_gap(cases["unit"], cases["source"])
>>> gap.table.loc["a", ["found", "reported"]].astype(int).tolist(), bool(gap.table.loc["a", "blind_spot"])
([1, 9], True)
>>> round(float(gap.table.loc["a", "ratio"]), 1)  # (9/1) / (20/60)
27.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from geo import schema as s
from geo.stats.gi_star import bh_cutoff

#: Columns of :attr:`PatrolGap.table`.
GAP_COLUMNS = ("found", "reported", "known", "share", "rest_share", "ratio", "low", "high", "p", "blind_spot")


@dataclass(frozen=True)
class PatrolGap:
    """Per-unit patrol finds against outside reports, and whether the comparison can be made at all.

    Attributes
    ----------
    table
        Indexed by unit: ``found``, ``reported``, ``known`` (cases with a known source), ``share``
        (reported / known, percent), ``rest_share`` (the same over every other unit), ``ratio`` with its
        interval ``low``-``high``, the one-sided ``p`` and ``blind_spot``.
    comparable
        False when the ledger's known sources are all found or all reported (nothing to compare).
    overall_share
        Reported / known over all units, percent (NaN with no known source).
    """

    table: pd.DataFrame
    comparable: bool
    overall_share: float
    alpha: float


def source_classes(sources: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays ``(found, reported)`` of a source column (unknown sources are in neither)."""
    text = sources.astype("string")
    found = text.isin(sorted(s.FOUND_SOURCES)).to_numpy(dtype=bool, na_value=False)
    reported = text.isin(sorted(s.REPORTED_SOURCES)).to_numpy(dtype=bool, na_value=False)
    return found, reported


def patrol_gap(units: pd.Series, sources: pd.Series, *, alpha: float = 0.05, level: float = 0.95) -> PatrolGap:
    """Found against reported cases per unit, with rate ratios, exact intervals and FDR-controlled flags.

    Parameters
    ----------
    units
        Each case's unit (grid id, community); cases without one are left out.
    sources
        Each case's source class (:data:`geo.schema.SOURCES`; unknown = <NA>).
    alpha
        False discovery rate of the blind-spot flags over all units.
    level
        Confidence level of the ratio's interval.
    """
    found, reported = source_classes(sources)
    keys = units.astype("string")
    frame = pd.DataFrame({"unit": keys.to_numpy(), "found": found, "reported": reported})
    frame = frame[keys.notna().to_numpy()]
    table = frame.groupby("unit", sort=True)[["found", "reported"]].sum().astype(int)
    table["known"] = table["found"] + table["reported"]
    total_found, total_reported = int(table["found"].sum()), int(table["reported"].sum())
    total = total_found + total_reported
    comparable = total_found > 0 and total_reported > 0
    rest_found = total_found - table["found"]
    rest_reported = total_reported - table["reported"]
    rest_known = (rest_found + rest_reported).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table["reported"] / table["known"].where(table["known"] > 0)
        rest_share = rest_reported / rest_known.where(rest_known > 0)
        rest_odds = (rest_reported / rest_found.where(rest_found > 0)).astype(float)
        odds = table["reported"] / table["found"].where(table["found"] > 0)
        ratio = (odds / rest_odds).where(table["known"] > 0)
        # Clopper-Pearson bounds of the unit's share, then as odds against the rest's odds.
        k, n = table["reported"].to_numpy(float), table["known"].to_numpy(float)
        tail = (1 - level) / 2
        lo_p = np.where(k > 0, stats.beta.ppf(tail, k, n - k + 1), 0.0)
        hi_p = np.where(k < n, stats.beta.ppf(1 - tail, k + 1, n - k), 1.0)
        low = lo_p / (1 - lo_p) / rest_odds.to_numpy()
        high = np.where(hi_p < 1, hi_p / (1 - hi_p), np.inf) / rest_odds.to_numpy()
        # One-sided: P(X >= k) for X ~ Bin(n, the rest's share).
        p = np.where((n > 0) & np.isfinite(rest_share.to_numpy(float)),
                     stats.binom.sf(k - 1, n, np.nan_to_num(rest_share.to_numpy(float))), np.nan)
    table["share"] = share * 100
    table["rest_share"] = rest_share * 100
    table["ratio"] = ratio
    table["low"] = np.where(n > 0, low, np.nan)
    table["high"] = np.where(n > 0, high, np.nan)
    table["p"] = p if comparable else np.nan
    cut = bh_cutoff(table["p"].to_numpy(float), alpha) if comparable else 0.0
    table["blind_spot"] = comparable & (table["p"] <= cut) & (table["share"] > table["rest_share"])
    overall = total_reported / total * 100 if total else float("nan")
    return PatrolGap(table=table[list(GAP_COLUMNS)], comparable=comparable, overall_share=overall, alpha=alpha)
