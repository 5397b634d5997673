"""Shared fixtures: the sample street (loaded once per session) and small hand-made grids."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import schema as s
from geo.pipeline import Dataset, load_dataset

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample() -> Dataset:
    """The bundled sample street, read and joined once."""
    return load_dataset()


def square_grids() -> gpd.GeoDataFrame:
    """Four unit squares meeting at (1, 1), ids chosen so that sorting differs from position.

    ``B`` = [0,1]x[0,1], ``A`` = [1,2]x[0,1], ``D`` = [0,1]x[1,2], ``C`` = [1,2]x[1,2].
    """
    boxes = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 1, 2), shapely.box(1, 1, 2, 2)]
    return gpd.GeoDataFrame(
        {
            s.GRID_ID: ["B", "A", "D", "C"],
            s.GRID_NAME: ["乙", "甲", "丁", "丙"],
            s.COMMUNITY: ["东", "东", "西", "西"],
            s.STREET: ["街"] * 4,
            s.CADRES: ["张三、李四"] * 4,
        },
        geometry=boxes,
        crs=s.STORAGE_CRS,
    )


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    return square_grids()
