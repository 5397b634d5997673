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


def test_every_third_party_import_is_pinned_in_requirements() -> None:
    """A fresh `make demo` installs requirements.txt only: anything geo/ or dashboard/ imports must be there.

    (scipy once came only through the dev dependencies, so the dashboard would not start on a clean machine.)
    """
    import ast
    from importlib.metadata import packages_distributions

    pinned = {re.split(r"[=<>!~\[ ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
              for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")}
    dists = packages_distributions()
    missing = set()
    for path in [*(ROOT / "geo").rglob("*.py"), *(ROOT / "dashboard").rglob("*.py")]:
        if path.name == "esda_oracle.py":  # the test oracle: dev dependency by design, imported lazily
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"geo", "dashboard"}:
                    continue
                owners = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
                if not owners & pinned:
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not pinned in requirements.txt: {sorted(missing)}"


def test_the_rooms_of_geo_are_layered() -> None:
    """import-linter's contracts in pyproject.toml: no room imports a room above it, geo imports no UI.

    Checked to fail: an ``import geo.report.export`` in ``geo/ingest/imports.py`` (the climb issue 26
    found) breaks the layers contract.
    """
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
