"""What patrols miss (巡查盲区): per unit, the cases someone else had to report against the patrol's own finds.

A patrol that works finds most of its grid's problems before the public phones them in. For each unit
(grid, community) the cases with a known source split into **found** (网格巡查, 视频巡查: 主动发现) and
**reported** by others (督导检查, 12345热线, 群众举报: 监督举报). The unit's rate ratio is

    RR = (reported_u / found_u) / (reported_rest / found_rest)

its odds of a case coming from outside against the rest of the street's. Grids differ for reasons of their
own (a market street phones more), so a grid is measured against how much the *other* grids' shares spread
beyond chance (:func:`between_unit_correlation`: a beta-binomial, by moments, leaving the grid out): on a
street whose grids are alike this is the plain binomial; on a city whose channels vary by district only a
grid that stands out beyond that variation is flagged. The interval is the exact (Clopper-Pearson) interval
of the grid's share on its effective sample (its cases over the design effect ``1 + (n - 1) rho``), as odds
against the rest's odds (the rest, hundreds of cases, is taken as known). A unit is a **blind spot** when
its share is significantly above the rest's: a one-sided beta-binomial (binomial when ``rho`` is 0) test
against the rest's share, with the Benjamini-Hochberg false discovery rate over all units at ``alpha`` (so
one grid in a hundred is not flagged on noise, and a 6-case grid cannot be).

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
GAP_COLUMNS = ("found", "reported", "known", "share", "rest_share", "ratio", "low", "high", "p", "rho", "blind_spot")


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


def between_unit_correlation(reported: np.ndarray, known: np.ndarray) -> np.ndarray:
    """How much the *other* units' shares spread beyond chance, for each unit: the intra-unit correlation
    ``rho`` of a beta-binomial, by the method of moments over every unit but the one in question.

    ``E[sum n_j (p_j - p)^2] = p (1 - p) (m - 1) (1 + rho (n0 - 1))`` over ``m`` units, with
    ``n0 = (N - sum n_j^2 / N) / (m - 1)``; solved for ``rho`` and clipped to ``[0, 1)``. Leaving the unit
    out keeps one true blind spot from widening the yardstick it is measured with. 0 with fewer than three
    units or a rest all of one kind.

    Examples
    --------
    >>> between_unit_correlation(np.array([50, 50, 50, 50.]), np.array([100, 100, 100, 100.])).tolist()
    [0.0, 0.0, 0.0, 0.0]
    >>> rho = between_unit_correlation(np.array([10, 90, 10, 90, 50.]), np.array([100, 100, 100, 100, 100.]))
    >>> bool(rho.min() > 0.1)  # shares of 10 % and 90 %: far beyond chance
    True
    """
    k, n = np.asarray(reported, float), np.asarray(known, float)
    used = n > 0
    others = used.sum() - used.astype(int)
    if used.sum() < 3:
        return np.zeros(len(n))
    y_all, n_all = k[used].sum(), n[used].sum()
    a_all = (k[used] ** 2 / n[used]).sum()
    q_all = (n[used] ** 2).sum()
    yi, ni = np.where(used, k, 0.0), np.where(used, n, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_rest, y_rest = n_all - ni, y_all - yi
        s_rest = (a_all - np.where(used, yi ** 2 / np.where(used, ni, 1.0), 0.0)) - y_rest ** 2 / n_rest
        p_rest = y_rest / n_rest
        n0 = (n_rest - (q_all - ni ** 2) / n_rest) / (others - 1)
        var = p_rest * (1 - p_rest)
        rho = (s_rest / (others - 1) / var - 1) / (n0 - 1)
    ok = (others >= 2) & (var > 0) & (n0 > 1) & np.isfinite(rho)
    return np.where(ok, np.clip(rho, 0.0, 0.999), 0.0)


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
        k, n = table["reported"].to_numpy(float), table["known"].to_numpy(float)
        rho = between_unit_correlation(k, n)
        # The unit's cases count for fewer independent ones when units differ beyond chance (the design
        # effect 1 + (n - 1) rho): the interval and the test are those of the effective sample.
        n_eff = n / (1 + np.maximum(n - 1, 0) * rho)
        k_eff = np.where(n > 0, k * n_eff / np.where(n > 0, n, 1), 0.0)
        tail = (1 - level) / 2
        lo_p = np.where(k > 0, stats.beta.ppf(tail, k_eff, n_eff - k_eff + 1), 0.0)
        hi_p = np.where(k < n, stats.beta.ppf(1 - tail, k_eff + 1, n_eff - k_eff), 1.0)
        low = lo_p / (1 - lo_p) / rest_odds.to_numpy()
        high = np.where(hi_p < 1, hi_p / (1 - hi_p), np.inf) / rest_odds.to_numpy()
        # One-sided: P(X >= k) for X beta-binomial around the rest's share with the other units' spread
        # (binomial when they spread no more than chance).
        rest_p = np.nan_to_num(rest_share.to_numpy(float))
        a = rest_p * (1 - rho) / np.where(rho > 0, rho, 1)
        b = (1 - rest_p) * (1 - rho) / np.where(rho > 0, rho, 1)
        spread = (rho > 0) & (a > 0) & (b > 0)
        sf = np.where(spread, stats.betabinom.sf(k - 1, n.astype(int), np.where(spread, a, 1), np.where(spread, b, 1)),
                      stats.binom.sf(k - 1, n, rest_p))
        p = np.where((n > 0) & np.isfinite(rest_share.to_numpy(float)), sf, np.nan)
    table["share"] = share * 100
    table["rest_share"] = rest_share * 100
    table["ratio"] = ratio
    table["low"] = np.where(n > 0, low, np.nan)
    table["high"] = np.where(n > 0, high, np.nan)
    table["p"] = p if comparable else np.nan
    table["rho"] = rho
    cut = bh_cutoff(table["p"].to_numpy(float), alpha) if comparable else 0.0
    table["blind_spot"] = comparable & (table["p"] <= cut) & (table["share"] > table["rest_share"])
    overall = total_reported / total * 100 if total else float("nan")
    return PatrolGap(table=table[list(GAP_COLUMNS)], comparable=comparable, overall_share=overall, alpha=alpha)
