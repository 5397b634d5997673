import io

import pandas as pd

from geo.csv_guard import neutralise_formula, safe_frame, to_safe_csv


def test_formula_cells_are_neutralised() -> None:
    assert neutralise_formula("=1+1") == "'=1+1"
    assert neutralise_formula("+86 138") == "'+86 138"
    assert neutralise_formula("-cmd") == "'-cmd"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("\t=x") == "'\t=x"
    assert neutralise_formula("青石路 =1") == "青石路 =1"
    assert neutralise_formula(-5) == -5  # numbers are data, not formulas


def test_csv_export_is_safe_and_excel_friendly() -> None:
    frame = pd.DataFrame({"描述": ['=HYPERLINK("http://x","点我")', "正常"], "n": [-1, 2], "=bad header": [1, 2]})
    assert list(safe_frame(frame).columns) == ["描述", "n", "'=bad header"]
    data = to_safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Chinese correctly
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["描述"].tolist() == ["'=HYPERLINK(\"http://x\",\"点我\")", "正常"]
    assert back["n"].tolist() == [-1, 2]
