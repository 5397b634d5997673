"""Deterministic, seeded generators: the sample street and city-scale districts.

One generator package serves the bundled sample data, tests, benchmarks and notebooks. Everything is
drawn from one ``numpy.random.Generator``; the same seed gives identical output.

- :func:`generate_sample` / :func:`write_sample`: 青石街道, the bundled street (35 grids, ~21k issues a
  year, planted hotspots with their truth);
- :func:`generate_district` / :func:`write_district`: a district of streets, communities and 1,000+
  grids with uneven real-world densities, 1M issues a year and more, for the scale benchmarks
  (never committed as data).
"""

from geo.synthetic.district import District, generate_district, write_district
from geo.synthetic.files import grids_geojson, write_sample
from geo.synthetic.street import DEFAULT_SEED, PlantedHotspot, SampleStreet, generate_sample
from geo.synthetic.street_grids import COMMUNITY_NAMES
from geo.synthetic.vocab import LEDGER_HEADERS

__all__ = [
    "COMMUNITY_NAMES", "DEFAULT_SEED", "LEDGER_HEADERS", "District", "PlantedHotspot", "SampleStreet",
    "generate_district", "generate_sample", "grids_geojson", "write_district", "write_sample",
]
