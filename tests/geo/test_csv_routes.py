"""Arrow's CSV route reads every well-formed UTF-8 ledger exactly as pandas' route does, and hands back the rest."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.ingest import tables
from geo.ingest.limits import InputLimits
from geo.ingest.tables import LedgerError, read_table

LIMITS = InputLimits()
# Text a ledger cell holds: Chinese, separators, quotes, line breaks inside a cell, blanks, NA-looking words.
CELL = st.text(alphabet=st.sampled_from(list('ab 1,;"\n\r\t问题垃圾\u3000#NAnull-')), max_size=8)
HEADER = st.lists(st.text(alphabet=st.sampled_from(list("abc问题编号 ")), min_size=1, max_size=5)
                  .filter(lambda h: h.strip()), min_size=2, max_size=5,
                  unique_by=lambda h: h.strip())


def _pandas_route(path: Path, sep: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False, sep=sep, encoding="utf-8-sig")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=HEADER, data=st.data(), sep=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_arrow_route_equals_pandas_route(tmp_path: Path, header: list[str], data: st.DataObject, sep: str,
                                         bom: bool) -> None:
    rows = data.draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=6))
    # A row whose every cell is blank is a blank line, which both readers skip: keep rows with content.
    rows = [r for r in rows if "".join(r)]
    path = tmp_path / "ledger.csv"
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, delimiter=sep, quoting=csv.QUOTE_MINIMAL).writerows([header, *rows])
    fast = tables._parse_csv_arrow(path, limits=LIMITS, sep=sep)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, _pandas_route(path, sep))


def test_gzip_reads_the_same(tmp_path: Path) -> None:
    plain = tmp_path / "a.csv"
    plain.write_text("问题编号,问题类型\nA1,垃圾\nA2,\"占道, 经营\"\n", encoding="utf-8")
    packed = tmp_path / "a.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    fast = tables._parse_csv_arrow(packed, limits=LIMITS, sep=",")
    assert fast is not None
    assert fast.to_dict("list") == {"问题编号": ["A1", "A2"], "问题类型": ["垃圾", "占道, 经营"]}


@pytest.mark.parametrize("body", [
    "问题编号,问题类型\nA1,垃圾,extra\n",      # longer than the header: pandas explains the row
    "问题编号,问题类型\nA1\n",                 # shorter: pandas fills the missing cell
    "问题编号,\nA1,垃圾\n",                    # an unnamed column: pandas names it
    "问题编号\nA1\n \t\nA2\n",                 # one column: pandas skips the line of blanks
])
def test_what_arrow_cannot_read_like_pandas_goes_to_pandas(tmp_path: Path, body: str) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(body, encoding="utf-8")
    assert tables._parse_csv_arrow(path, limits=LIMITS, sep=",") is None
    assert len(read_table(path)) >= 1  # and the ledger is still read, by the pandas route


def test_bad_bytes_past_the_sample_still_give_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    good = "问题编号,问题类型\n" + "A1,垃圾\n" * 40_000  # past the 256 kB the encoding is guessed from
    path.write_bytes(good.encode() + b"A2,\xff\xfe\n")
    assert tables._parse_csv_arrow(path, limits=LIMITS, sep=",") is None
    with pytest.raises(LedgerError, match="cannot decode"):
        read_table(path)


def test_row_limit_is_kept_on_the_arrow_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text("问题编号,问题类型\n" + "".join(f"A{i},垃圾\n" for i in range(50)), encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_MAX_ROWS", "10")
    assert tables._parse_csv_arrow(path, limits=InputLimits(max_rows=10), sep=",") is not None  # Arrow reads it
    with pytest.raises(LedgerError, match="more than 10 rows"):
        read_table(path)


# Text with every control CONTROLS names, the ones it leaves (tab, line breaks), the BOM's neighbours
# in UTF-8 (fullwidth forms share its lead byte EF) and ordinary Chinese.
CONTROL_TEXT = st.text(alphabet=st.sampled_from(["a", "好", "，", "\uffef", "\ufefe", "\ufeff", "\t", "\n", "\r",
                                                 "\x00", "\x08", "\x0b", "\x0c", "\x1a", "\x1f", "\x7f", "\x80"]),
                       max_size=6)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), CONTROL_TEXT), min_size=1, max_size=12), start=st.integers(0, 3))
def test_the_byte_screen_never_misses_a_control(cells: list[str | None], start: int) -> None:
    text = pd.Series(cells, dtype="string[pyarrow]").iloc[start:]  # a slice: bytes the cells do not own
    found = bool(text.str.contains(tables.CONTROLS, regex=True).fillna(False).any())
    assert tables.may_hold_controls(text) or not found
    whole = pd.Series(cells, dtype="string[pyarrow]")
    if not whole.str.contains(tables.CONTROLS, regex=True).fillna(False).any():
        # No control in any cell: the screen answers false (it screens; it is not "always true").
        assert not tables.may_hold_controls(whole)


def test_the_byte_screen_on_hand_cases() -> None:
    clean = pd.Series(["问题，编号（一）", "tab\tand\nbreak", None], dtype="string[pyarrow]")
    assert not tables.may_hold_controls(clean.iloc[:1])
    assert tables.may_hold_controls(pd.Series(["A\ufeff1"], dtype="string[pyarrow]"))
    assert tables.may_hold_controls(pd.Series(["end\x1a"], dtype="string[pyarrow]"))
    # Tab and line breaks are text a cell may hold: the exact test decides, and finds nothing.
    assert not tables.may_hold_controls(clean)
