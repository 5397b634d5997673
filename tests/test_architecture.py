"""The layering rules of DESIGN.md §4, checked mechanically."""

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import geo

ROOT = Path(__file__).resolve().parent.parent
UI_PACKAGES = ("streamlit", "folium", "altair", "branca")


def test_importing_all_of_geo_pulls_in_no_ui_package() -> None:
    modules = [m.name for m in pkgutil.walk_packages(geo.__path__, "geo.") if m.name != "geo.__main__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [p for p in {UI_PACKAGES!r} if p in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert len(modules) >= 10
    assert proc.stdout.strip() == "", f"geo imports UI packages: {proc.stdout}"


def test_only_data_py_uses_streamlit_caches() -> None:
    users = {p.relative_to(ROOT).as_posix() for p in (ROOT / "dashboard").rglob("*.py")
             if re.search(r"st\.cache_(data|resource)", p.read_text(encoding="utf-8"))}
    assert users == {"dashboard/data.py"}


def test_components_make_no_streamlit_calls() -> None:
    for path in (ROOT / "dashboard" / "components").rglob("*.py"):
        assert "import streamlit" not in path.read_text(encoding="utf-8"), path


def test_no_cdn_address_in_app_code() -> None:
    cdn = re.compile(r"cdn\.jsdelivr|cdnjs\.|unpkg\.com|code\.jquery\.com|bootstrapcdn|d3js\.org")
    for path in [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "geo").rglob("*.py")]:
        assert not cdn.search(path.read_text(encoding="utf-8")), path
