"""Column mapping: which ledger header holds which canonical field, and raw value vocabularies.

Ledgers come from patrol apps, 数字城管 platforms, the 12345 hotline and hand-kept Excel sheets,
each with its own headers. Guessing is by normalised header text against the alias lists below; a
user's mapping always wins over a guess.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

from geo.categories import normalize_label
from geo.schema import STATUSES

#: Canonical field -> header aliases (matched after :func:`normalize_label`), most specific first.
HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "issue_id": ("问题编号", "案件编号", "工单编号", "工单号", "事件编号", "案件号", "编号", "issue_id", "id",
                 "service_request_id", "request_id", "requestid", "unique key", "unique_key", "srnumber", "sr_number",
                 "case id", "case_id", "case number", "ticket_id", "ticket number", "incident_id"),
    "category": ("问题类型", "问题分类", "问题小类", "事件类型", "案件类型", "小类", "类型",
                 "category", "complaint type", "service_name", "requesttype", "request type", "type"),
    "reported_at": ("上报时间", "发现时间", "登记时间", "立案时间", "创建时间", "受理时间",
                    "reported_at", "created date", "createddate", "requested_datetime",
                    "created_at", "datetime", "time", "date"),
    "lon": ("经度", "lng", "lon", "long", "longitude", "x", "x坐标"),
    "lat": ("纬度", "lat", "latitude", "y", "y坐标"),
    "address": ("地址", "问题地址", "事发地址", "发生地址", "事发位置", "位置", "address",
                "incident address", "address_string"),
    "description": ("问题描述", "情况描述", "描述", "内容", "description", "descriptor"),
    "status": ("处置状态", "办理状态", "案件状态", "状态", "status"),
    "closed_at": ("办结时间", "结案时间", "销号时间", "完成时间", "closed_at", "closed date",
                  "closeddate"),
    "deadline_at": ("截止时间", "办理时限", "处置时限", "办结时限", "处置期限", "整改期限", "期限", "deadline_at",
                    "deadline", "due date", "due_at", "due", "due_datetime", "target_at", "target date", "target_date",
                    "sla_due", "expected_datetime", "expected_at"),
    "handling": ("处置方式", "处理方式", "handling"),
    # 311 exports name the responsible unit as its owner (LA) or the work queue it sits in (Houston).
    "department": ("责任部门", "处置部门", "责任单位", "承办单位", "department", "agency_responsible", "agency",
                   "agency_name", "agency name", "owner", "queue"),
    "source": ("问题来源", "上报渠道", "来源渠道", "来源", "渠道", "source", "requestsource", "request source",
               "open_data_channel", "opendatachannel", "open data channel type", "channel", "channel_type",
               "method_received"),
    # The person who filed the report (a patrol's 网格员/监督员); the inspector evaluation counts by it.
    "reporter": ("上报人", "上报人员", "巡查员", "监督员", "采集员", "网格员", "发现人", "reporter", "reported_by",
                 "reportedby", "inspector"),
    # Open311's media_url is the reporter's photo, i.e. the "before" picture.
    "photo_before": ("整改前照片", "处置前照片", "问题照片", "现场照片", "上报照片", "照片", "图片",
                     "photo_before", "before photo", "photo", "media_url", "image"),
    "photo_after": ("整改后照片", "处置后照片", "销号照片", "结案照片", "核查照片", "photo_after", "after photo"),
    "grid_raw": ("所属网格", "网格", "网格名称", "grid"),
}

#: Grid layer field -> column name aliases (after :func:`normalize_label`), most specific first.
GRID_FIELD_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "id": ("网格编码", "网格编号", "网格代码", "网格id", "grid_id", "gridid", "grid_code", "gridcode", "code", "id",
           "nc_id", "borocd", "precinct", "district", "objectid"),
    "name": ("网格名称", "网格名", "名称", "grid_name", "gridname", "name", "nc_name", "boroname", "snbname",
             "neighborhood_name", "nbhd_name"),
    "community": ("所属社区", "社区名称", "社区", "community", "neighborhood", "service_re"),
    "cadres": ("网格员", "包保责任人", "责任人", "网格长", "cadres", "inspectors"),
}


def guess_grid_fields(columns: Iterable[object], layer: pd.DataFrame | None = None) -> dict[str, str]:
    """The grid layer's columns that most likely hold the id, name, community and cadres.

    A header we know (an alias) decides first. Where none matches, a header that says it is a name
    (``DISPLAY_NAME``, ``barrio_name``, ``社区名称``: the word ``name`` or ``名称``) is the name; and with the
    layer's values at hand, what the values are decides the rest: the id is the first column whose values
    are all present and distinct, the name the first text column (letters, not only digits) whose values are
    distinct for nine in ten grids. A layer of unknown headers then still gets a readable name
    (Madrid's barrios: ``CODBDT`` as id, ``DISPLAY_NAME`` «012 Embajadores» as name).

    Examples
    --------
    >>> guess_grid_fields(["OBJECTID", "网格编码", "网格名称", "所属社区", "geometry"])
    {'id': '网格编码', 'name': '网格名称', 'community': '所属社区'}
    >>> guess_grid_fields(["CODBDT", "DISPLAY_NAME"])
    {'name': 'DISPLAY_NAME'}
    >>> guess_grid_fields(["CODE_X", "LABEL"], pd.DataFrame({"CODE_X": [7, 8, 9], "LABEL": ["Sol", "Cortes", "Palacio"]}))
    {'id': 'CODE_X', 'name': 'LABEL'}
    """
    names = [str(c) for c in columns if str(c) != "geometry"]
    keys = {_header_key(c): c for c in reversed(names)}  # the first of two equal-looking columns wins
    found: dict[str, str] = {}
    for field_name, aliases in GRID_FIELD_ALIASES.items():
        for alias in aliases:
            column = keys.get(_header_key(alias))
            if column is not None and column not in found.values():
                found[field_name] = column
                break
    if "name" not in found:
        said = [c for c in names if c not in found.values() and ("name" in _header_key(c) or "名称" in c)]
        if said:
            found["name"] = said[0]
    if layer is None:
        return found
    free = [c for c in names if c in layer.columns and c not in found.values()]
    if "id" not in found:
        ids = [c for c in free if len(layer) and layer[c].notna().all() and layer[c].astype(str).is_unique]
        if ids:
            found["id"] = ids[0]
            free.remove(ids[0])
    if "name" not in found:
        for c in free:
            text = layer[c].dropna().astype(str).str.strip()
            lettered = text.str.contains(r"[^\W\d_]", regex=True)
            if len(text) and lettered.mean() >= 0.9 and text.nunique() >= 0.9 * len(layer):
                found["name"] = c
                break
    return found


#: Raw status text -> canonical status. Unknown statuses are reported, never guessed silently.
STATUS_VALUES: Final[dict[str, str]] = {
    **dict.fromkeys(("待处置", "待派遣", "待受理", "未处置", "待处理", "未处理", "新建", "open",
                     "new", "pending", "待派单", "待接单"), "open"),
    **dict.fromkeys(("已派遣", "处置中", "办理中", "处理中", "整改中", "已交办", "已派单",
                     "assigned", "in progress", "inprogress"), "assigned"),
    **dict.fromkeys(("已整改", "已处置", "待核查", "待销号", "已处理", "rectified"), "rectified"),
    **dict.fromkeys(("已办结", "已结案", "已销号", "办结", "结案", "销号", "已完成", "closed",
                     "completed", "resolved", "referred out"), "closed"),
    **dict.fromkeys(("作废", "已作废", "无效", "不予立案", "void", "cancelled", "canceled",
                     "duplicate"), "void"),
}

HANDLING_VALUES: Final[dict[str, str]] = {
    **dict.fromkeys(("立行立改", "自行处置", "现场处置", "当场整改", "on_site", "on site"), "on_site"),
    **dict.fromkeys(("派遣处置", "协调处置", "移交", "派遣", "转办", "referred"), "referred"),
}

SOURCE_VALUES: Final[dict[str, str]] = {
    **dict.fromkeys(("网格巡查", "巡查", "网格员上报", "patrol"), "patrol"),
    **dict.fromkeys(("督导检查", "督查", "督导", "supervision"), "supervision"),
    **dict.fromkeys(("12345热线", "12345", "热线", "市长热线", "hotline", "phone", "call"), "hotline"),
    **dict.fromkeys(("群众举报", "市民举报", "公众", "public", "app", "mobile app", "self service",
                     "email", "web"), "public"),
    **dict.fromkeys(("视频巡查", "视频监控", "视频", "video"), "video"),
}

def by_words(label: object, table: tuple[tuple[str, str], ...]) -> str | None:
    """The value of the first ``(word, value)`` of ``table`` found in ``label``: a Latin word as a whole word
    (``cancel`` in ``Closed - Cancelled`` no, in ``cancel request`` yes), a Chinese one as a substring."""
    text = "".join(ch if ch.isalnum() else " " for ch in unicodedata.normalize("NFKC", str(label)).lower())
    words = set(text.split())
    for word, value in table:
        if (word in words) if word.isascii() else (word in text):
            return value
    return None


#: Words that decide a source label no vocabulary lists, tried in this order. The classes are the
#: evaluation's: found by the city's own staff or cameras (``patrol``, ``video``: 主动发现) against reported
#: by someone else (``supervision``, ``hotline``, ``public``: 监督举报, what a patrol missed). The words are
#: what a channel *is* (a crew, a camera, a phone line, a web form), not one city's labels: LA's
#: ``Driver Self Report`` is its sanitation crews' own finds, Houston's ``Voice In`` and ``WAP`` a phone
#: line and a web app, New York's ``ONLINE``/``MOBILE`` the public's. ``unknown``/``other`` stay unknown.
SOURCE_WORDS: Final[tuple[tuple[str, str], ...]] = (
    *((w, "video") for w in ("video", "camera", "cctv", "视频", "监控")),
    *((w, "patrol") for w in ("patrol", "driver", "crew", "staff", "employee", "inspector", "internal", "proactive",
                              "巡查", "网格员", "监督员", "自查", "自行发现", "主动发现")),
    *((w, "supervision") for w in ("supervision", "council", "councilmember", "elected", "mayor", "督", "上级",
                                   "交办", "媒体")),
    *((w, "hotline") for w in ("hotline", "phone", "call", "voice", "voicemail", "telephone", "12345", "12319",
                               "热线", "电话")),
    *((w, "public") for w in ("public", "app", "wap", "mobile", "web", "online", "internet", "email", "mail",
                              "sms", "text", "self", "walk", "face2face", "fax", "letter", "social", "twitter",
                              "群众", "市民", "公众", "举报", "微信", "小程序", "网站", "网络")),
)


def source_by_words(label: object) -> str | None:
    """A source class from the words of a channel label no vocabulary knows, or ``None``.

    Examples
    --------
    >>> source_by_words("Driver Self Report"), source_by_words("Voice In"), source_by_words("e-mail In")
    ('patrol', 'hotline', 'public')
    >>> source_by_words("ONLINE"), source_by_words("UNKNOWN"), source_by_words("微信公众号举报")
    ('public', None, 'public')
    """
    return by_words(label, SOURCE_WORDS)


def map_sources(values: pd.Series) -> pd.Series:
    """Raw channel labels mapped by the vocabulary, else by their words (:func:`source_by_words`)."""
    mapped = map_series(values, SOURCE_VALUES)
    raw = values.astype("string")
    todo = pd.unique(raw[mapped.isna() & raw.notna()].dropna())
    if len(todo):
        mapped = mapped.fillna(raw.map({u: source_by_words(u) for u in todo}).astype("string"))
    return mapped



#: Words that decide a status label no vocabulary lists (``Closed - Duplicate``, ``closed_not_resolved``,
#: ``已办结（归档）``), tried in this order: a void word wins over a closing one, a closing one over work.
STATUS_WORDS: Final[tuple[tuple[str, str], ...]] = (
    *((w, "void") for w in ("void", "cancel", "duplicate", "invalid", "rejected", "作废", "无效", "撤销", "不予")),
    *((w, "closed") for w in ("closed", "close", "resolved", "completed", "complete", "done", "finished", "final",
                              "archived", "办结", "结案", "销号", "完成", "归档")),
    *((w, "rectified") for w in ("rectified", "fixed", "整改", "已处置", "已处理", "待核查")),
    *((w, "assigned") for w in ("assigned", "progress", "dispatched", "referred", "working", "处理中", "处置中",
                                "办理中", "派遣", "派单", "交办")),
    *((w, "open") for w in ("open", "new", "pending", "received", "submitted", "待", "未")),
)


def status_by_words(label: object) -> str | None:
    """A status from the words of a label no vocabulary knows, or ``None``.

    Examples
    --------
    >>> status_by_words("closed_not_resolved"), status_by_words("Closed - Duplicate"), status_by_words("x")
    ('closed', 'void', None)
    """
    return by_words(label, STATUS_WORDS)


def map_statuses(values: pd.Series, extra: Mapping[str, str] | None = None) -> pd.Series:
    """Raw statuses mapped by the clerk's ``extra`` choices and the vocabulary, else by their words;
    ``<NA>`` for what none knows."""
    mapped = map_series(values, {**STATUS_VALUES, **(extra or {})})
    unknown = mapped.isna() & values.notna()
    if unknown.any():
        lookup = {u: status_by_words(u) for u in pd.unique(values[unknown].astype("string"))}
        mapped[unknown] = values[unknown].astype("string").map(lookup).astype("string")
    return mapped


def _header_key(header: object) -> str:
    """Headers compare without case, spaces, underscores or hyphens: ``Created Date`` = ``created_date``."""
    return normalize_label(header).replace("_", "").replace("-", "")


def guess_columns(headers: Iterable[object], *, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map canonical fields to ledger headers.

    Parameters
    ----------
    headers
        The ledger's header row.
    overrides
        ``canonical field -> header`` pairs from the user; they win over any guess.

    Returns
    -------
    dict
        ``canonical field -> header`` for every field found. A header is used once at most.

    Raises
    ------
    ValueError
        If an override names a header the ledger does not have, or an unknown field.
    """
    names = [str(h) for h in headers]
    by_norm: dict[str, str] = {}
    for h in names:
        by_norm.setdefault(_header_key(h), h)  # the first of two equal-looking headers wins
    chosen: dict[str, str] = {}
    for field_name, header in (overrides or {}).items():
        if field_name not in HEADER_ALIASES:
            raise ValueError(f"unknown field {field_name!r}; known fields: {sorted(HEADER_ALIASES)}")
        if header not in names:
            raise ValueError(f"mapping names header {header!r}, which the ledger lacks; headers: {names}")
        chosen[field_name] = header
    used = set(chosen.values())
    for field_name, aliases in HEADER_ALIASES.items():
        if field_name in chosen:
            continue
        for alias in aliases:
            found = by_norm.get(_header_key(alias))
            if found is not None and found not in used:
                chosen[field_name] = found
                used.add(found)
                break
    return chosen


def map_series(values: pd.Series, vocabulary: Mapping[str, str]) -> pd.Series:
    """Map raw values through a vocabulary after normalising them; unknown values become ``<NA>``.

    Works on the distinct values only, so a long ledger with few distinct labels is cheap.
    """
    folded = {normalize_label(k): v for k, v in vocabulary.items()}
    raw = values.astype("string")
    uniques = pd.unique(raw.dropna())
    lookup = {u: folded.get(normalize_label(u)) for u in uniques}
    return raw.map(lookup).astype("string")


@dataclass(frozen=True)
class LedgerMapping:
    """What a user tells the importer about a ledger; saved in the workspace with each import.

    Attributes
    ----------
    columns
        ``canonical field -> ledger header`` overrides (``lon``, ``lat``, ``category``, ...).
    categories
        Extra ``raw label -> category code`` synonyms (for example US 311 types onto ours).
    crs
        CRS of the coordinate columns: an EPSG code, ``gcj02`` or ``bd09``; ``None`` = WGS84.
    tz
        Zone of the ledger's local times; ``None`` = Asia/Shanghai.
    default_points
        ``[lon, lat]`` (WGS84) positions the patrol app stores when it has no GPS fix (the office's
        address): records there are always suspect points (:func:`geo.ingest.quality.flag_suspect_points`).
    real_points
        ``[lon, lat]`` positions a clerk has confirmed are real places (a market gate): never suspect,
        whatever the automatic rule says. Both lists are kept with the workspace for later imports.
    statuses
        ``raw status -> status`` (one of :data:`geo.schema.STATUSES`) the clerk confirmed in the wizard;
        they win over the vocabulary and the status words.
    """

    columns: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    tz: str | None = None
    default_points: list[list[float]] = field(default_factory=list)
    real_points: list[list[float]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = sorted(v for v in self.statuses.values() if v not in STATUSES)
        if bad:
            raise ValueError(f"unknown statuses {bad} in the mapping; allowed: {', '.join(STATUSES)}")

    @classmethod
    def from_json(cls, path: str | Path) -> LedgerMapping:
        """Read a mapping file (JSON with any of the keys above).

        Raises
        ------
        ValueError
            On unknown keys or values of the wrong type, naming them.
        """
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise ValueError(f"mapping file {Path(path).name} must hold a JSON object")
        unknown = sorted(set(doc) - {"columns", "categories", "crs", "tz", "default_points", "real_points",
                                     "statuses"})
        if unknown:
            raise ValueError(f"unknown keys {unknown} in mapping file; allowed: columns, categories, crs, tz, "
                             "default_points, real_points, statuses")
        for key in ("default_points", "real_points"):
            points = doc.get(key, [])
            if not isinstance(points, list) or not all(
                    isinstance(p, list) and len(p) == 2 and all(isinstance(v, int | float) for v in p) for p in points):
                raise ValueError(f"'{key}' must be a list of [longitude, latitude] pairs")
        for key in ("columns", "categories", "statuses"):
            value = doc.get(key, {})
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise ValueError(f"'{key}' must map text to text")
        return cls(columns=dict(doc.get("columns", {})), categories=dict(doc.get("categories", {})),
                   statuses=dict(doc.get("statuses", {})),
                   crs=None if doc.get("crs") is None else str(doc["crs"]),
                   tz=None if doc.get("tz") is None else str(doc["tz"]),
                   default_points=[[float(a), float(b)] for a, b in doc.get("default_points", [])],
                   real_points=[[float(a), float(b)] for a, b in doc.get("real_points", [])])

    def to_json(self) -> str:
        """The mapping as JSON text (what is saved in the workspace)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)
