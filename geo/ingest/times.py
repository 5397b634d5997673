"""Parsing the timestamps that real ledgers contain into tz-aware times, and writing dates for people.

Seen in the field: ISO 8601 with or without a zone, ``2024/3/5 14:02``, ``2024年3月5日 14时02分``,
US ``01/01/2018 12:00:09 AM``, date only, and Excel serial numbers. Values without a zone are local
wall-clock time in the ledger's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo.localtime import localize
from geo.schema import DEFAULT_TZ

# Tried in order on whatever is still unparsed; each is vectorised by pandas.
_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
_CN_DATE = re.compile(
    r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*(\d{1,2})\s*[时:：点]\s*(\d{1,2})?\s*分?\s*(?:(\d{1,2})\s*秒?)?)?\s*$"
)
_PLAUSIBLE_YEAR = re.compile(r"(?:19|20|21)\d{2}")
_PLAIN_ISO = re.compile(r"(?:19|20|21)\d{2}-\d{2}-\d{2}(?:[ T][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?)?")
# ISO 8601 offsets: Z, ±hh:mm, ±hhmm, and ±hh alone right after a time (``14:02-05``; after a date, ``-05``
# is the day).
_HAS_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$|\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?[+-]\d{2}$")
# Excel's day 0 is 1899-12-30 (the 1900 leap-year bug is folded into that origin).
_EXCEL_ORIGIN: Final = pd.Timestamp("1899-12-30")
_EXCEL_RANGE: Final = (20000.0, 80000.0)  # 1954 .. 2119: a plausible ledger date


def _normalise_chinese(text: pd.Series) -> pd.Series:
    """Rewrite ``2024年3月5日 14时2分`` as ``2024-03-05 14:02:00``; other text unchanged."""
    # Only cells with 年 can match: a regex extract over a million ISO cells costs seconds.
    maybe = text.str.contains("年", regex=False, na=False).fillna(False).astype(bool)
    if not maybe.any():
        return text
    parts = text[maybe].str.extract(_CN_DATE)
    hit = parts[0].notna()
    if not hit.any():
        return text
    p = parts[hit].fillna("0").astype(int)
    rewritten = (
        p[0].astype(str) + "-" + p[1].map("{:02d}".format) + "-" + p[2].map("{:02d}".format) + " "
        + p[3].map("{:02d}".format) + ":" + p[4].map("{:02d}".format) + ":" + p[5].map("{:02d}".format)
    )
    out = text.copy()
    out[rewritten.index] = rewritten
    return out


def has_zone(text: pd.Series) -> pd.Series:
    """True for time text that carries its own offset (``...Z``, ``+02:00``, ``+0200``)."""
    return text.astype("string").str.strip().str.contains(_HAS_ZONE, na=False).fillna(False).astype(bool)


def parse_local_times(values: pd.Series, *, tz: str = DEFAULT_TZ) -> pd.Series:
    """Parse ledger timestamps into tz-aware times; unparseable values become ``NaT``.

    Parameters
    ----------
    values
        Raw cells: strings, numbers (Excel serials) or datetimes.
    tz
        Zone of values that carry none (the ledger's local time).

    Returns
    -------
    Series
        ``datetime64[ns, tz]``, same index as ``values``.

    Notes
    -----
    A value with an explicit offset (``Z``, ``+08:00``) is converted to ``tz``; all others are
    localised by :func:`geo.localtime.localize`'s rule: the repeated hour of a clock change is its
    first occurrence, a time in the skipped hour moves forward by the gap; neither is rejected.
    """
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {tz}]")
    if values.empty:
        return result

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = pd.to_datetime(values)
        if parsed.dt.tz is None:
            local: pd.Series = localize(parsed, tz).dt.as_unit("ns")
            return local
        return parsed.dt.tz_convert(tz).dt.as_unit("ns")

    text = values.astype("string").str.strip()
    text = text.mask(text == "")

    # The form exports write, alone in the cell (``2024-03-05 14:02:07``, a plausible year, no zone, no
    # 60th second): one regex and one ISO pass, instead of the seven searches below over every cell. The
    # rules below would read these cells the same way (the ISO pass); a cell ISO cannot read stays for them.
    plain_iso = text.str.fullmatch(_PLAIN_ISO, na=False).fillna(False).astype(bool)
    if plain_iso.any():
        parsed = pd.to_datetime(text[plain_iso], format="ISO8601", errors="coerce")
        ok = _read(parsed)
        if ok.any():
            result[parsed[ok].index] = localize(parsed[ok], tz)
            text = text.mask(plain_iso & ok.reindex(text.index, fill_value=False))
            if text.isna().all():
                return result

    # Excel serial numbers (a number alone in the cell).
    # Only cells that look like a bare number can be serials: to_numeric over a million date strings is slow.
    plain = text.str.fullmatch(r"\d+(?:\.\d+)?", na=False).fillna(False).astype(bool)
    numeric = pd.Series(np.nan, index=text.index)
    if plain.any():
        numeric[plain] = pd.to_numeric(text[plain], errors="coerce").astype("float64")
    serial = numeric.between(*_EXCEL_RANGE).fillna(False).astype(bool)
    if serial.any():
        naive = _EXCEL_ORIGIN + pd.to_timedelta(numeric[serial].to_numpy(dtype=float), unit="D")
        result[serial] = localize(pd.Series(naive, index=numeric[serial].index).dt.round("s"), tz)
    todo = (text.notna() & ~serial).fillna(False).astype(bool)
    if not todo.any():
        return result

    text = _normalise_chinese(text.where(todo))
    # A leap second (23:59:60, or an app that counts to 60) is the last second of its minute, in its own
    # day: pandas rolled it into the next minute, and 23:59:60 into the next day.
    leap = text.str.contains(":60", regex=False, na=False).fillna(False).astype(bool)
    if leap.any():
        text[leap] = text[leap].str.replace(r"(\d{1,2}:\d{2}):60(?!\d)", r"\1:59", regex=True)
    # A ledger date carries a year 1900-2199; anything else (``0000``, ``12``) is not a date and
    # would only reach pandas' out-of-bounds corners.
    todo &= text.str.contains(_PLAUSIBLE_YEAR, na=False).fillna(False).astype(bool)
    zoned = todo & text.str.contains(_HAS_ZONE, na=False).fillna(False).astype(bool)
    if zoned.any():
        parsed = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
        ok = _read(parsed)
        result[parsed[ok].index] = parsed[ok].dt.tz_convert(tz)
        todo &= ~zoned

    # ISO 8601 first, the form exports write (``2015-07-01T08:15:00``, ``2024-03-05 14:02``): one
    # vectorised pass; the strptime formats below only see what it could not read.
    if todo.any():
        iso = todo & text.str.match(r"\d{4}-\d{2}-\d{2}", na=False).fillna(False).astype(bool)
        if iso.any():
            try:
                parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce")
            except (ValueError, OverflowError, AssertionError):
                parsed = pd.Series(pd.NaT, index=text[iso].index)  # pandas raises on some out-of-range text
            ok = _read(parsed)
            if ok.any():
                result[parsed[ok].index] = _local(parsed[ok], tz)
                todo[parsed[ok].index] = False

    for fmt in _FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = _read(parsed)
        if ok.any():
            idx = parsed[ok].index
            result[idx] = localize(parsed[ok], tz)
            todo[idx] = False

    if todo.any():
        # Last resort for other ISO variants (fractions of a second, basic format).
        try:
            parsed = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
        except (ValueError, OverflowError, AssertionError):
            # pandas raises on some out-of-bounds strings despite errors="coerce": leave them NaT.
            return result
        ok = _read(parsed)
        if ok.any():
            result[parsed[ok].index] = _local(parsed[ok], tz)
    return result


def _read(parsed: pd.Series) -> pd.Series:
    """The times pandas read with a ledger's year (1900-2199): ``-2024-03-05`` holds the digits 2024 and
    ISO reads it as the year -2024, which no nanosecond time can hold (pandas then fails the assignment)."""
    plausible: pd.Series = parsed.notna() & parsed.dt.year.between(1900, 2199)
    return plausible


def _local(parsed: pd.Series, tz: str) -> pd.Series:
    """ISO times in ``tz``: wall-clock times localised, times that carried an offset ISO read (a form the zone
    test did not see) converted, never refused by pandas as "already tz-aware"."""
    return parsed.dt.tz_convert(tz) if parsed.dt.tz is not None else localize(parsed, tz)



MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def written_date(value: dt.date | dt.datetime, lang: Literal["zh", "en"] = "zh") -> str:
    """A date as each language writes it in prose: ``2026年11月15日`` or ``15 Nov 2026``.

    A tz-aware time is written in its own zone (the ledger's local day), not converted.
    """
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
