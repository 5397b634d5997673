"""Gridwatch's library: ledgers in, grid joins, counts, hotspots, trends and priorities out.

A pure library: no Streamlit, folium or altair import anywhere below this package (an architecture
test enforces it), so notebooks, tests and the command line use exactly what the dashboard uses.
"""

__version__ = "0.1.0"

from geo.memory import use_jemalloc as _use_jemalloc

_use_jemalloc()  # every process that uses the library: the CLI, the dashboard, notebooks, tests
