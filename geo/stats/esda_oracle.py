"""The one place that talks to esda: reference results for tests and benchmarks.

esda is a development dependency (``requirements-dev.txt``), imported lazily so that ``import geo``
never needs it. On Python 3.11 pip resolves esda 2.9, whose ``G_Local`` has no ``alternative=``
argument and returns one-sided ``p_norm``; newer esda differs. Keep every esda call here.
"""

from __future__ import annotations

import warnings

import numpy as np

from geo.stats.weights import Neighbours


def esda_gi_star_z(values: np.ndarray, neighbours: Neighbours, *, graph: object | None = None) -> np.ndarray:
    """esda's analytical Gi* z-scores with ArcGIS parity settings (``transform="B"``, ``star=True``).

    Uses esda's fastest analytical route: a libpysal ``Graph`` with the self-weight assigned and
    ``permutations=0``. Pass ``graph`` (from :func:`esda_graph`) to time esda alone.
    """
    import esda

    g = graph if graph is not None else esda_graph(neighbours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda 2.9 warns about islands and deprecated defaults
        result = esda.G_Local(np.asarray(values, dtype=float), g, transform="B", permutations=0, star=True)
    return np.asarray(result.Zs, dtype=float)


def esda_graph(neighbours: Neighbours) -> object:
    """The libpysal ``Graph`` (self-weight assigned, units in ``neighbours.ids`` order)."""
    from libpysal import graph

    m = neighbours.matrix.tocoo()
    off = m.row != m.col
    g = graph.Graph.from_arrays(np.asarray(neighbours.ids)[m.row[off]], np.asarray(neighbours.ids)[m.col[off]],
                                np.ones(int(off.sum())))
    # Units without neighbours must still appear in the graph (as islands).
    g = g.assign_self_weight(1.0) if hasattr(g, "assign_self_weight") else g
    return _reorder(g, list(neighbours.ids))


def _reorder(g: object, ids: list[str]) -> object:
    """The graph with its units in ``ids`` order (esda aligns values by graph order)."""
    unique = list(g.unique_ids)  # type: ignore[attr-defined]
    if unique == ids:
        return g
    missing = sorted(set(ids) - set(unique))
    if missing:
        raise ValueError(f"units {missing[:5]} are missing from the graph (islands need a self-weight)")
    from libpysal import graph

    adj = g.adjacency.reset_index()  # type: ignore[attr-defined]
    pos = {u: k for k, u in enumerate(ids)}
    adj = adj.iloc[np.lexsort((adj["neighbor"].map(pos).to_numpy(), adj["focal"].map(pos).to_numpy()))]
    return graph.Graph.from_arrays(adj["focal"].to_numpy(), adj["neighbor"].to_numpy(), adj["weight"].to_numpy())


def esda_local_moran_is(values: np.ndarray, neighbours: Neighbours) -> np.ndarray:
    """esda's local Moran ``Is`` with row-standardised weights (no self-weight), no permutations."""
    import esda
    from libpysal import graph

    m = neighbours.matrix.tocoo()
    off = m.row != m.col
    ids = np.asarray(neighbours.ids)
    g = _reorder(graph.Graph.from_arrays(ids[m.row[off]], ids[m.col[off]], np.ones(int(off.sum()))), list(ids))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = esda.Moran_Local(np.asarray(values, dtype=float), g, transformation="r", permutations=0)
    return np.asarray(result.Is, dtype=float)


def esda_gi_star_bins(values: np.ndarray, neighbours: Neighbours, *, fdr: bool = True) -> np.ndarray:
    """ArcGIS ``Gi_Bin`` classes built from esda alone: esda's z, two-sided normal p, esda's own FDR cut-off.

    The independent check of :func:`geo.stats.gi_star.gi_star`'s classes: nothing here reuses our code
    but the neighbourhood. Levels 99/95/90 % give bins +-3/2/1 with the sign of z.
    """
    from esda import fdr as esda_fdr
    from scipy.stats import norm

    z = esda_gi_star_z(values, neighbours)
    z = np.where(np.isfinite(z), z, 0.0)  # esda's NaN (no variance) is "not significant"
    p = 2.0 * norm.sf(np.abs(z))
    bins = np.zeros(len(z), dtype=int)
    for level, alpha in ((1, 0.10), (2, 0.05), (3, 0.01)):
        significant = p <= esda_fdr(p, alpha) if fdr else p < alpha
        bins[significant] = level * np.sign(z[significant]).astype(int)
    return bins
