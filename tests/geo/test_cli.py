import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from geo.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_counts_prints_summary_and_writes_the_cube(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cube.csv"
    assert main(["counts", "--category", "posters", "--top", "2", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"read": 21330, "imported": 21330, "rejected": 0, "duplicates": 0, "outside_grids": 0}
    assert [g["rank"] for g in doc["top_grids"]] == [1, 2]
    assert doc["top_grids"][0]["grid_id"] == "340104012003001"  # the planted poster street
    cube = pd.read_csv(out)
    assert set(cube["category"]) == {"posters"} and len(cube) == 35 * 54


def test_unreadable_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "geo", "counts", "--ledger", str(tmp_path / "nope.csv")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not found" in proc.stderr
    assert proc.stdout == ""
