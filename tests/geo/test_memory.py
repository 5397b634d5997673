"""Arrow's buffers come from jemalloc in every process that imports the library, unless the environment says."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest


def _backend(env: dict[str, str]) -> str:
    code = "import geo, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_geo_chooses_jemalloc() -> None:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow is built without jemalloc")
    assert _backend({}) == "jemalloc"


def test_the_environment_still_decides() -> None:
    assert _backend({"ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"
