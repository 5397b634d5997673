"""ruff and mypy run with the suite, so their rules (geo's banned UI imports, geo/ strictly typed) gate every change."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run([str(ruff), "check", "--output-format", "concise", "geo", "dashboard", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_geo_bans_ui_imports() -> None:
    # The banned-api rule itself must fire: a stray import in geo/ would be caught by ruff too.
    probe = ROOT / "geo" / "_lint_probe.py"
    probe.write_text("import streamlit\n", encoding="utf-8")
    try:
        ruff = Path(sys.executable).with_name("ruff")
        proc = subprocess.run([str(ruff), "check", "--output-format", "concise", str(probe)], cwd=ROOT,
                              capture_output=True, text=True, check=False)
    finally:
        probe.unlink()
    assert proc.returncode == 1 and "TID251" in proc.stdout


def test_mypy_is_clean() -> None:
    mypy = Path(sys.executable).with_name("mypy")
    proc = subprocess.run([str(mypy), "geo", "dashboard"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_geo_is_strictly_typed() -> None:
    # geo/ is the library every page, the CLI and the notebooks call: --strict, with pandas read through
    # pandas-stubs (pinned in requirements-dev.txt), so an Any leaking out of pandas is an error there.
    from importlib.metadata import version  # the stubs must be for the pandas in use

    assert version("pandas-stubs").split(".")[:2] == version("pandas").split(".")[:2]
    mypy = Path(sys.executable).with_name("mypy")
    proc = subprocess.run([str(mypy), "--strict", "geo"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
