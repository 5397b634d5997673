"""Every CSV we write: numbers stay numbers, and no cell read back starts a formula, also after a bare CR."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.csv_guard import neutralise_formula, to_safe_csv

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
hostile = st.lists(st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", "1", "cmd|' /C calc'!A0", "正常描述",
                                    ",", '"', " ", "-71.0341", "SUM(A1)"]), max_size=8).map("".join)


def starts_formula(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@")) and not NUMBER.fullmatch(cell.strip())


@settings(max_examples=300, deadline=None)
@given(st.lists(hostile, min_size=1, max_size=6))
def test_no_cell_read_back_starts_a_formula(values: list[str]) -> None:
    data = to_safe_csv(pd.DataFrame({"描述": values, "n": range(len(values))}))
    text = data.decode("utf-8-sig")
    # Python's csv and pandas: the rows come back as written, and no cell is a formula.
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(values) + 1
    assert not any(starts_formula(cell) for row in rows for cell in row)
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(back) == len(values)
    assert not back.map(starts_formula).to_numpy().any()
    # A spreadsheet that splits a cell at a bare CR or LF still sees no line starting a formula.
    for cell in back["描述"]:
        assert not any(starts_formula(line) for line in re.split(r"\r\n|\r|\n", cell))


def test_numbers_written_as_text_stay_numbers() -> None:
    assert neutralise_formula("-71.0341") == "-71.0341"
    assert neutralise_formula("+8613800000000") == "+8613800000000"
    assert neutralise_formula("-1e-5") == "-1e-5"
    assert neutralise_formula("-1+1") == "'-1+1"
    assert neutralise_formula("正常描述\r=1+1*cmd|/C calc!A0") == "正常描述\r'=1+1*cmd|/C calc!A0"
    text = to_safe_csv(pd.DataFrame({"lon": ["-71.0341"]})).decode("utf-8-sig")
    assert text.splitlines()[1] == '"-71.0341"'
