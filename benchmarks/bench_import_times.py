"""A real-format ledger's times cost what the generated ledger's do: ISO 8601 is read first, in one pass.

Real exports write ``2015-07-01T08:15:00``; the generated district writes ``2015-07-01 08:15:00``. Before,
the twelve ``strptime`` formats were tried over every row before ISO 8601, so a real-format ledger took
2.6x the CPU per row of the generated one (62 % of its import went to times). Both files are read by
``read_ledger`` in the same run (CPU seconds, the median of three), and the real-format times are also
parsed by the naive route (the formats in order, ISO last) for the ratio against it.

Goal (issue 25): real-format / generated <= 1.3.

Run: ``.venv/bin/python -m benchmarks.bench_import_times [--rows 300000]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from geo.ingest.ledger import read_ledger
from geo.ingest.times import _FORMATS, parse_local_times
from geo.synthetic import generate_district

TIME_COLUMNS = ("上报时间", "办结时间", "截止时间")


def cpu(fn: object, repeat: int = 3) -> float:
    """The median CPU seconds of ``fn()`` over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()  # type: ignore[operator]
        runs.append(time.process_time() - t0)
    return statistics.median(runs)


def naive_times(text: pd.Series, tz: str) -> pd.Series:
    """The old route: every strptime format in order over what is still unparsed, ISO 8601 last."""
    result = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[ns, {tz}]")
    todo = text.notna()
    for fmt in _FORMATS:
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        result[parsed[ok].index] = parsed[ok].dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        todo[parsed[ok].index] = False
    parsed = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
    result[parsed.index] = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300_000)
    args = ap.parse_args()
    ledger = generate_district(args.rows, n_streets=4).ledger
    real = ledger.copy()
    for col in TIME_COLUMNS:
        if col in real:
            real[col] = real[col].astype("string").str.replace(" ", "T", n=1, regex=False)
    with tempfile.TemporaryDirectory() as tmp:
        generated_csv, real_csv = Path(tmp) / "generated.csv", Path(tmp) / "real.csv"
        ledger.to_csv(generated_csv, index=False, encoding="utf-8-sig")
        real.to_csv(real_csv, index=False, encoding="utf-8-sig")
        generated = cpu(lambda: read_ledger(generated_csv))
        realistic = cpu(lambda: read_ledger(real_csv))
    text = real["上报时间"].astype("string")
    iso_first = cpu(lambda: parse_local_times(text))
    naive = cpu(lambda: naive_times(text, "Asia/Shanghai"))
    print(f"rows: {args.rows:,}")
    print(f"read_ledger, generated format (space):   {generated:6.2f} CPU-s")
    print(f"read_ledger, real format (ISO 'T'):      {realistic:6.2f} CPU-s   ratio {realistic / generated:.2f} "
          "(goal <= 1.3)")
    print(f"reported times, ISO first:               {iso_first:6.2f} CPU-s")
    print(f"reported times, formats first (naive):   {naive:6.2f} CPU-s   {naive / iso_first:.1f}x the ISO-first route")


if __name__ == "__main__":
    main()
