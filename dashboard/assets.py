"""Map assets served by the app itself: Leaflet and its plugins, never from a CDN.

Government intranets have no internet; a stock folium map asks jsDelivr for Leaflet and renders an
empty grey box there. At start-up :func:`ensure_assets` copies the files out of installed Python
packages (``xstatic-leaflet``, folium's own templates) into ``dashboard/static/vendor``, which
Streamlit serves at ``/app/static/`` (``server.enableStaticServing``). :func:`localize` then points
every element of a folium map at those copies and refuses any asset it has no copy of.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import folium
import xstatic.pkg.leaflet as xleaflet

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
VENDOR_DIR: Final = STATIC_DIR / "vendor"
URL_PREFIX: Final = "/app/static/vendor"

_FOLIUM_TEMPLATES: Final = Path(folium.__file__).resolve().parent / "templates"
#: Local file (relative to the vendor folder) -> where it comes from in an installed package.
_SOURCES: Final[dict[str, Path]] = {
    "leaflet/leaflet.js": Path(xleaflet.BASE_DIR) / "leaflet.js",
    "leaflet/leaflet.css": Path(xleaflet.BASE_DIR) / "leaflet.css",
    "leaflet/images": Path(xleaflet.BASE_DIR) / "images",
    "leaflet-heat/leaflet_heat.min.js": _FOLIUM_TEMPLATES / "leaflet_heat.min.js",
}
#: folium asset name -> local URL; ``None`` means the asset is not needed and is dropped.
_LOCAL_URLS: Final[dict[str, str | None]] = {
    "leaflet": f"{URL_PREFIX}/leaflet/leaflet.js",
    "leaflet_css": f"{URL_PREFIX}/leaflet/leaflet.css",
    "leaflet-heat.js": f"{URL_PREFIX}/leaflet-heat/leaflet_heat.min.js",
    # Used only by awesome-marker icons and bootstrap popups, which Gridwatch does not draw.
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}


class OfflineAssetError(RuntimeError):
    """A map element needs a JS/CSS asset that the app cannot serve locally."""


def ensure_assets(vendor_dir: Path = VENDOR_DIR) -> Path:
    """Copy the map assets from installed packages into ``vendor_dir`` (idempotent, cheap).

    Returns
    -------
    Path
        ``vendor_dir``.
    """
    for rel, src in _SOURCES.items():
        dst = vendor_dir / rel
        if src.is_dir():
            for f in src.iterdir():
                target = dst / f.name
                if not target.exists() or target.stat().st_size != f.stat().st_size:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, target)
        elif not dst.exists() or dst.stat().st_size != src.stat().st_size:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    return vendor_dir


def _elements(root: folium.Element) -> Iterator[folium.Element]:
    yield root
    for child in root._children.values():
        yield from _elements(child)


def localize(m: folium.Map) -> folium.Map:
    """Point every JS/CSS asset of ``m`` and its children at the app's local copies.

    Raises
    ------
    OfflineAssetError
        If an element needs an asset with no local copy (add it to ``_SOURCES``/``_LOCAL_URLS``
        rather than let the map call a CDN).
    """
    for elem in _elements(m):
        for attr in ("default_js", "default_css"):
            assets = getattr(elem, attr, None)
            if not assets:
                continue
            local: list[tuple[str, str]] = []
            for name, url in assets:
                if name not in _LOCAL_URLS:
                    raise OfflineAssetError(
                        f"{type(elem).__name__} needs {name!r} ({url}), which has no local copy"
                    )
                target = _LOCAL_URLS[name]
                if target is not None:
                    local.append((name, target))
            # An instance attribute: folium's class-level defaults stay untouched.
            setattr(elem, attr, local)
    return m
