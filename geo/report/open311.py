"""The ledger as Open311 GeoReport v2 ``service_requests`` JSON, so other systems can read it.

GeoReport v2 (``../shared/reference/``; http://wiki.open311.org/GeoReport_v2) knows two states, ``open``
and ``closed``; our finer states travel in ``status_notes`` (``assigned``, ``rectified``, ``void``, and
the ledger's own label), so nothing is lost and a void case is not read as fixed. Times are ISO 8601 with
the workspace zone's offset (the spec's ``requested_datetime`` and ``updated_datetime``; the deadline is its
``expected_datetime``). ``service_code`` is our category code, ``service_name`` its Chinese (or English)
name. Coordinates are WGS84 (``lat``, ``long``), as the spec asks. The reporter's name is never written:
GeoReport v2 has no field for it and a public feed must not carry it.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import Point
>>> from geo.categories import read_categories
>>> issues = gpd.GeoDataFrame({"issue_id": ["QS1"], "category": ["parking"], "status": ["assigned"],
...     "status_raw": ["处理中"], "reported_at": [pd.Timestamp("2026-03-01 08:00", tz="Asia/Shanghai")],
...     "closed_at": [pd.NaT], "deadline_at": [pd.Timestamp("2026-03-03 08:00", tz="Asia/Shanghai")],
...     "description": ["共享单车堆放"], "address": ["翡翠路1号"], "department": ["交警大队"],
...     "photo_before": [None]}, geometry=[Point(117.25, 31.85)], crs="EPSG:4326")
>>> record = service_requests(issues, read_categories())[0]
>>> record["service_request_id"], record["status"], record["status_notes"], record["requested_datetime"]
('QS1', 'open', 'assigned · 处理中', '2026-03-01T08:00:00+08:00')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.categories import CategoryTable

#: Rows encoded at a time: a million requests are written as a stream of chunks, never one huge list.
CHUNK = 20_000


def _iso(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.isoformat() for v in values]


def _text(frame: pd.DataFrame, column: str) -> list[str | None]:
    if column not in frame:
        return [None] * len(frame)
    return [None if pd.isna(v) else str(v) for v in frame[column]]


def service_requests(issues: pd.DataFrame, categories: CategoryTable,
                     lang: Literal["zh", "en"] = "zh") -> list[dict[str, Any]]:
    """The issues as GeoReport v2 service request records (dicts in the spec's field order)."""
    status = issues[s.STATUS].astype("string").fillna("unknown")
    raw = issues[s.STATUS_RAW].astype("string") if s.STATUS_RAW in issues else pd.Series(pd.NA, index=issues.index)
    closed = (status == "closed") | (status == "void")
    notes = [f"{st} · {r}" if isinstance(r, str) and r else str(st) for st, r in zip(status, raw, strict=True)]
    codes = issues[s.CATEGORY].astype("string").fillna("other")
    names = {c: categories.name(c, lang=lang) for c in pd.unique(codes)}
    updated = issues[s.CLOSED_AT].where(issues[s.CLOSED_AT].notna(), issues[s.REPORTED_AT])
    geoms = np.asarray(issues.geometry) if "geometry" in issues else np.full(len(issues), None)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    lon = np.where(empty, np.nan, shapely.get_x(np.where(empty, shapely.Point(0, 0), geoms)))
    lat = np.where(empty, np.nan, shapely.get_y(np.where(empty, shapely.Point(0, 0), geoms)))
    columns = {
        "service_request_id": _text(issues, s.ISSUE_ID),
        "status": np.where(closed, "closed", "open").tolist(),
        "status_notes": notes,
        "service_name": [names[c] for c in codes],
        "service_code": [str(c) for c in codes],
        "description": _text(issues, s.DESCRIPTION),
        "agency_responsible": _text(issues, s.DEPARTMENT),
        "service_notice": [None] * len(issues),
        "requested_datetime": _iso(issues[s.REPORTED_AT]),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(issues[s.DEADLINE_AT]) if s.DEADLINE_AT in issues else [None] * len(issues),
        "address": _text(issues, s.ADDRESS),
        "address_id": [None] * len(issues),
        "zipcode": [None] * len(issues),
        "lat": [None if np.isnan(v) else round(float(v), 7) for v in lat],
        "long": [None if np.isnan(v) else round(float(v), 7) for v in lon],
        "media_url": _text(issues, s.PHOTO_BEFORE),
    }
    keys = list(columns)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def iter_json(issues: pd.DataFrame, categories: CategoryTable, lang: Literal["zh", "en"] = "zh") -> Iterator[bytes]:
    """The JSON array of every service request, in chunks of :data:`CHUNK` records (UTF-8)."""
    yield b"["
    for first in range(0, len(issues), CHUNK):
        part = service_requests(issues.iloc[first:first + CHUNK], categories, lang)
        text = ",\n".join(json.dumps(r, ensure_ascii=False) for r in part)
        yield (("," if first else "") + "\n" + text).encode("utf-8")
    yield b"\n]\n"


def to_json(issues: pd.DataFrame, categories: CategoryTable, lang: Literal["zh", "en"] = "zh") -> bytes:
    """The whole array as bytes (for a download button; the command line streams :func:`iter_json`)."""
    return b"".join(iter_json(issues, categories, lang))
