"""Local outliers: Anselin's local Moran's I with conditional-permutation inference.

Classes at 95 % (as ArcGIS's Cluster and Outlier Analysis): HH (a high value among high values),
LL, HL (a high value among low ones: an outlier), LH; optionally with Benjamini-Hochberg FDR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.stats.gi_star import bh_cutoff
from geo.stats.weights import Neighbours


@dataclass(frozen=True)
class LocalMoranResult:
    """Per unit: I, the pseudo p-value (two-sided, folded), and the class (HH/LL/HL/LH/"")."""

    i: np.ndarray
    p: np.ndarray
    classes: np.ndarray
    permutations: int


def local_moran(values: np.ndarray, neighbours: Neighbours, *, permutations: int = 999, alpha: float = 0.05,
                fdr: bool = False, seed: int = 12345) -> LocalMoranResult:
    """Anselin local Moran's I with row-standardised weights (the unit itself excluded).

    ``I_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2`` with ``z = x - mean`` and ``w``
    row-standardised: the scaling of GeoDa and esda (esda's ``Moran_Local.Is`` is the test oracle).
    The constant does not change the classes or the permutation p-values.

    Inference by conditional permutation: the unit's value is held fixed and its
    ``k_i`` neighbours are drawn at random from the other ``n - 1`` values; the pseudo p is
    ``(1 + #{|I_sim| >= |I|}) / (1 + permutations)``. Seeded, so results repeat.

    Notes
    -----
    One set of random draws serves every unit (as esda's conditional randomisation does), which
    makes the cost ``O(n * permutations * k)`` in vectorised numpy. Units without neighbours get
    ``I = 0`` and ``p = 1``.
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    m = neighbours.matrix.tolil()
    m.setdiag(0)
    w = m.tocsr()
    w.eliminate_zeros()
    k = np.asarray(w.sum(axis=1)).ravel()
    z = x - x.mean()
    m2 = (z**2).sum() / (n - 1)  # GeoDa / esda scaling
    if m2 == 0:
        zeros = np.zeros(n)
        return LocalMoranResult(zeros, np.ones(n), np.full(n, "", dtype=object), permutations)
    with np.errstate(invalid="ignore", divide="ignore"):
        lag = np.where(k > 0, np.asarray(w @ z).ravel() / k, 0.0)
    local_i = z / m2 * lag
    kmax = int(k.max()) if n else 0
    rng = np.random.default_rng(seed)
    # Random subsets of size kmax from n - 1 "other" positions, one row per permutation.
    # (partitioning at kmax - 1 puts the kmax smallest random keys first: a uniform random subset)
    draws = np.argpartition(rng.random((permutations, n - 1)), kmax - 1, axis=1)[:, :kmax] if kmax else None
    p = np.ones(n)
    for i in np.flatnonzero(k > 0):
        ki = int(k[i])
        idx = draws[:, :ki]  # type: ignore[index]
        others = idx + (idx >= i)  # skip the unit itself
        sim = z[i] / m2 * z[others].mean(axis=1)
        p[i] = (1 + np.count_nonzero(np.abs(sim) >= abs(local_i[i]))) / (1 + permutations)
    cut = bh_cutoff(p, alpha) if fdr else alpha
    sig = p <= cut
    quad = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    classes = np.where(sig & (k > 0), quad, "").astype(object)
    return LocalMoranResult(local_i, p, classes, permutations)
