"""Shared fixtures: the sample street (loaded once per session) and small hand-made grids."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.sample import load_dataset
from geo.store import IssueStore, Workspace, open_store

ROOT = Path(__file__).resolve().parent.parent

# Kept join rasters and a PostGIS workspace's derived results go to a folder of this run, not the user's
# ~/.cache: the join's property test alone builds a raster for each of its random layouts. Set before any
# test starts, so the servers and commands the tests launch inherit it.
os.environ.setdefault("GRIDWATCH_CACHE_DIR", tempfile.mkdtemp(prefix="gridwatch-tests-"))
# Pages compute a backtest in the request and imports start no answers worker (geo.answers): hundreds of
# imports would each start a process. tests/geo/test_answers.py and the worker's page test set "worker".
os.environ.setdefault("GRIDWATCH_ANSWERS", "inline")


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


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A PostGIS database: ``GRIDWATCH_TEST_DATABASE_URL``, else a server started for this session.

    Skipped on a developer machine without PostGIS; in CI (``CI`` set) a missing PostGIS fails,
    since the store tests must run against both backends there.
    """
    url = os.environ.get("GRIDWATCH_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from tests.pg_server import binaries, local_server

    if binaries() is None:
        message = "PostGIS is not installed (bash scripts/ensure-postgis.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with local_server() as started:
        yield started


@pytest.fixture(params=["embedded", "postgis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], IssueStore]:
    """A factory of empty stores of one backend (each call: a new workspace)."""

    def make() -> IssueStore:
        folder = tmp_path / f"ws{uuid.uuid4().hex[:10]}"
        if request.param == "embedded":
            return open_store(folder, database_url="")
        url = request.getfixturevalue("postgis_url")
        return open_store(folder, database_url=url)

    return make


@pytest.fixture(scope="session")
def sample_workspace() -> Workspace:
    """The sample street's embedded workspace (built once under .workspace/)."""
    from geo.sample import ensure_sample_workspace

    return ensure_sample_workspace()
