"""The bad-and-awkward ledger corpus: every file has a hand-written expected outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo import schema as s
from geo.ingest.ledger import read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ingest.tables import LedgerError

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
EXPECTED = {k: v for k, v in json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")).items()
            if not k.startswith("_")}


def test_corpus_is_complete() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name[:2].isdigit())
    assert files == sorted(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    exp = EXPECTED[name]
    mapping = LedgerMapping(**exp.get("mapping", {}))
    if "error" in exp:
        with pytest.raises(LedgerError) as info:
            read_ledger(CORPUS / name, mapping=mapping)
        assert exp["error"] in str(info.value)
        assert "\n" not in str(info.value)  # one line, for the command line
        return
    result = read_ledger(CORPUS / name, mapping=mapping)
    got = result.summary()
    assert [got["read"], got["imported"], got["rejected"], got["duplicates"]] == exp["counts"]
    issues = result.issues
    if "reasons" in exp:
        assert len(result.rejects) == len(exp["reasons"])
        for reason, want in zip(result.rejects["reason"], exp["reasons"], strict=True):
            assert want in reason
    if "reject_rows" in exp:
        assert result.rejects["source_row"].tolist() == exp["reject_rows"]
    for key, col in (("categories", s.CATEGORY), ("statuses", s.STATUS), ("ids", s.ISSUE_ID), ("addresses", s.ADDRESS)):
        if key in exp:
            assert issues[col].tolist() == exp[key]
    if "reported" in exp:
        assert issues[s.REPORTED_AT].tolist() == [pd.Timestamp(t) for t in exp["reported"]]
    if "point" in exp:
        p = issues.geometry.iloc[0]
        assert p.x == pytest.approx(exp["point"][0], abs=1e-6) and p.y == pytest.approx(exp["point"][1], abs=1e-6)
    if "swapped" in exp:
        assert result.swapped == exp["swapped"]
    if "unmapped" in exp:
        assert result.unmapped_categories.to_dict() == exp["unmapped"]
