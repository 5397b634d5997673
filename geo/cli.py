"""Command line: ``python -m geo <command>``.

Commands print machine-readable JSON on stdout and a one-line error on stderr with a non-zero
exit status when an input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from geo import schema as s
from geo.io import LedgerError
from geo.pipeline import IssueFilter, load_dataset, run_analysis
from geo.synthetic import DEFAULT_SEED, write_sample


def _cmd_sample(args: argparse.Namespace) -> int:
    paths = write_sample(args.out, seed=args.seed)
    print(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False))
    return 0


def _cmd_counts(args: argparse.Namespace) -> int:
    dataset = load_dataset(args.ledger, args.grids)
    flt = IssueFilter(categories=tuple(args.category or ()))
    result = run_analysis(dataset, flt)
    summary = dataset.ledger.summary() | {"outside_grids": int(dataset.issues[s.OUTSIDE_GRIDS].sum())}
    top = result.grid_counts.head(args.top)
    print(json.dumps({"summary": summary, "top_grids": top.to_dict(orient="records")}, ensure_ascii=False))
    if args.out:
        result.cube.to_csv(args.out, index=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and ``--help`` docs)."""
    parser = argparse.ArgumentParser(prog="python -m geo", description="Gridwatch command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write the synthetic sample street (grids, ledger, truth)")
    p.add_argument("--out", type=Path, default=Path("data/sample"))
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("counts", help="join a ledger to grids and print counts per grid")
    p.add_argument("--ledger", type=Path, default=None, help="ledger CSV/xlsx (default: sample)")
    p.add_argument("--grids", type=Path, default=None, help="grid polygons (default: sample)")
    p.add_argument("--category", action="append", help="category code; repeat for several")
    p.add_argument("--top", type=int, default=10, help="how many grids to list")
    p.add_argument("--out", type=Path, default=None, help="write the grid x category x week cube (CSV)")
    p.set_defaults(func=_cmd_counts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (LedgerError, s.SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
