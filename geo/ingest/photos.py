"""Before/after photo references (整改前/整改后照片) in a ledger, and which of them a browser may open.

Patrol apps export photos as links (``https://app.example.gov.cn/p/123.jpg``), several to a cell;
hand-kept sheets often hold bare file names (``IMG_0012.jpg``) that only make sense against the
photo server of the street office. The ledger text is untrusted: only ``http``/``https`` links with a
host ever become links, so ``javascript:`` or ``data:`` values stay inert text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

import pandas as pd

#: Link schemes a photo may use; anything else is shown as text, never as a link.
SAFE_SCHEMES: Final = frozenset({"http", "https"})
# Cells list several photos separated by blanks, semicolons, Chinese commas, 、 or |. ASCII commas
# also separate: photo URLs practically never contain one, and clerks type them between links.
_SEPARATORS: Final = re.compile(r"[\s;；,，、|]+")
# Characters a URL path or query may carry as they are; everything else is percent-encoded.
_URL_SAFE: Final = "/:?#[]@!$&'()*+,;=%~-._"


def split_photo_cell(value: object) -> list[str]:
    """The photo references in one ledger cell, in their order; an empty list for a blank cell."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return []
    return [part for part in _SEPARATORS.split(str(value).strip()) if part]


def _safe_url(candidate: str) -> str | None:
    """``candidate`` as an http(s) URL with a host and no control characters, else ``None``."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:  # "https://[" and other malformed hosts: text, not a link
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not host:
        return None
    # Percent-encode what the ledger left raw (Chinese file names, quotes, angle brackets).
    return quote(candidate, safe=_URL_SAFE)


def _scheme(ref: str) -> str:
    try:
        return urlsplit(ref).scheme
    except ValueError:
        return "invalid"


def photo_links(value: object, base: str | None = None) -> list[str]:
    """The references in one cell that a browser may open, as absolute http(s) URLs.

    Parameters
    ----------
    value
        One cell of ``photo_before`` or ``photo_after``.
    base
        The photo server's address (``http://10.1.2.3/photos/``); bare file names and relative paths
        are resolved against it. Without it they are dropped, since no link can be made.

    Returns
    -------
    list of str
        Safe links; references that are neither http(s) links nor resolvable are left out.
    """
    base_ok = _safe_url(base) if base else None
    links = []
    for ref in split_photo_cell(value):
        url = _safe_url(ref)
        if url is None and base_ok and not _scheme(ref):
            # urljoin keeps an absolute "javascript:" as it is; the scheme check above rules it out.
            url = _safe_url(urljoin(base_ok if base_ok.endswith("/") else base_ok + "/", ref.lstrip("/")))
        if url is not None:
            links.append(url)
    return links


def cells_without_links(values: Iterable[object], base: str | None = None) -> int:
    """How many non-blank cells give no link at all (file names with no ``base``, other schemes).

    The import report counts them so a clerk learns why photos do not open and can set the photo
    server (``GRIDWATCH_PHOTO_BASE``) instead of wondering.
    """
    cells = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype="string")
    cells = cells[cells.str.strip().fillna("").ne("")]  # blank cells (most ledgers: all) cost nothing
    return sum(1 for v in cells if split_photo_cell(v) and not photo_links(v, base))
