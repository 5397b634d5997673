"""Command line: ``python -m geo <command>``.

Commands print machine-readable JSON on stdout and a one-line error on stderr with a non-zero
exit status when an input cannot be read.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from geo import schema as s
from geo.csv_guard import to_safe_csv
from geo.cube.dataset import open_workspace
from geo.errors import one_line
from geo.forecast.methods import METHODS
from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ingest.tables import LedgerError
from geo.store import IssueStore, StoreError, open_store

# Each command imports what only it needs (the hotspot statistics, the forecast, the generators, the
# exports): ``python -m geo import`` is a nightly job, and SciPy alone would add a second to it.
#: The hotspot command's time steps (``geo.stats.hotspot_analysis.STEP_DAYS``, tested equal).
STEPS = ("day", "week", "month")


def _cmd_prepare_sample(args: argparse.Namespace) -> int:
    from geo.sample import SAMPLE_WORKSPACE, ensure_sample_store, sample_ready

    was_ready = sample_ready()
    store = ensure_sample_store()
    print(json.dumps({"workspace": str(SAMPLE_WORKSPACE), "generation": store.generation(),
                      "built": not was_ready}, ensure_ascii=False))
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from geo.synthetic import DEFAULT_SEED, write_sample

    paths = write_sample(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed)
    print(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False))
    return 0


def _workspace(args: argparse.Namespace) -> IssueStore:
    """The store of ``--workspace``: the folder, or PostGIS when GRIDWATCH_DATABASE_URL is set."""
    return open_store(args.workspace)


def _cmd_status(args: argparse.Namespace) -> int:
    print(json.dumps(_workspace(args).status(), ensure_ascii=False))
    return 0


def _grid_fields(path: Path, id_field: str | None = None, name_field: str | None = None,
                 community_field: str | None = None) -> tuple[str, str, str]:
    """The grid layer's fields as the wizard proposes them: what the person named, else our own column
    names when the layer has them, else :func:`guess_grid_fields` on its headers and values (Madrid's
    CODBDT / DISPLAY_NAME; NYC's BoroCD). The layer is read once more here: a grid layer is small."""
    from geo.ingest.grid_layers import read_grid_layer
    from geo.ingest.mapping import guess_grid_fields

    layer = read_grid_layer(path)
    columns = [str(c) for c in layer.columns if c != "geometry"]
    guessed = guess_grid_fields(columns, layer)

    def pick(given: str | None, ours: str, role: str) -> str:
        if given is not None:
            return given
        return ours if ours in columns else guessed.get(role, "")

    return (pick(id_field, s.GRID_ID, "id") or (columns[0] if columns else s.GRID_ID),
            pick(name_field, s.GRID_NAME, "name"), pick(community_field, s.COMMUNITY, "community"))


def _schedule_answers(workspace: Path, generation: int | None = None) -> None:
    """Start the answers worker on the generation just published (see :mod:`geo.answers`), so the pages
    read the backtest instead of waiting on it; a worker that cannot start is not the import's failure."""
    from geo.answers import schedule

    try:
        schedule(str(workspace), generation)
    except OSError as exc:
        print(f"the answers worker did not start: {exc}", file=sys.stderr)


def _cmd_answers(args: argparse.Namespace) -> int:
    from geo.answers import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(message)s")
    done = run_worker(str(args.workspace), parent=args.parent, lock_fd=args.lock_fd)
    print(json.dumps({"computed": done}, ensure_ascii=False))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    if args.grids:
        id_field, name_field, community_field = _grid_fields(args.grids)
        import_grids(ws, args.grids, id_field=id_field, name_field=name_field, community_field=community_field)
    mapping = LedgerMapping.from_json(args.mapping) if args.mapping else LedgerMapping()
    if args.crs:
        mapping = replace(mapping, crs=args.crs)
    summary = import_ledger(ws, args.ledger, mapping=mapping)
    _schedule_answers(args.workspace, summary.generation)
    print(json.dumps(summary.counts(), ensure_ascii=False))
    details = {k: v for k, v in asdict(summary).items() if k not in summary.counts()}
    if summary.rejects_ref and hasattr(ws, "generation_dir"):
        details["rejects_file"] = str(ws.generation_dir(summary.generation) / "rejects" / summary.rejects_ref)
    print(json.dumps(details, ensure_ascii=False), file=sys.stderr)
    return 0


def _cmd_import_grids(args: argparse.Namespace) -> int:
    id_field, name_field, community_field = _grid_fields(args.polygons, args.id_field, args.name_field,
                                                         args.community_field)
    result = import_grids(_workspace(args), args.polygons, id_field=id_field, name_field=name_field,
                          community_field=community_field)
    _schedule_answers(args.workspace)
    print(json.dumps(asdict(result), ensure_ascii=False))
    return 0


def _cmd_import_reference(args: argparse.Namespace) -> int:
    from geo.ingest.reference import import_reference

    result = import_reference(_workspace(args), args.layer, name_field=args.name_field, layer=args.as_name)
    print(json.dumps(asdict(result), ensure_ascii=False))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    issues = _workspace(args).load_issues()
    if issues is None:
        raise LedgerError(f"workspace {args.workspace} holds no issues")
    if Path(args.out).suffix.lower() == ".json":  # Open311 GeoReport v2 service_requests, streamed
        from geo.report.open311 import iter_json

        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            for chunk in iter_json(issues, open_workspace(_workspace(args)).categories):
                out.write(chunk)
    else:
        from geo.report.export import export_issues

        path = export_issues(issues, args.out)
    from geo.admin.audit import audit_table

    # The audit trail travels with the data: who imported what, with which file.
    audit = Path(f"{path}.audit.csv")
    audit.write_bytes(to_safe_csv(audit_table(_workspace(args).imports())))
    print(json.dumps({"written": str(path), "rows": len(issues), "audit": str(audit)}, ensure_ascii=False))
    return 0


def _cmd_hotspots(args: argparse.Namespace) -> int:
    from geo.cube.filter import IssueFilter
    from geo.stats.hotspot_analysis import STEP_DAYS, parse_cells, run_hotspots

    cells, size = parse_cells(args.cells)
    flt = IssueFilter(categories=(args.category,) if args.category else ())
    dataset = open_workspace(_workspace(args))
    if args.category and args.category not in dataset.categories.codes:
        raise ValueError(f"unknown category {args.category!r}; known: {dataset.categories.codes}")
    result = run_hotspots(dataset, flt, cells=cells, cell_size_m=size, outliers=args.outliers or args.outlier_fdr,
                          outlier_fdr=args.outlier_fdr, emerging=args.emerging, period_days=STEP_DAYS[args.step])
    cols = ["unit_id", "count", "z", "p", "class", *(["moran_class"] if args.outliers or args.outlier_fdr else []),
            *(["emerging"] if args.emerging else []), "geometry"]
    units = result.units[cols].rename(columns={"unit_id": "cell_id"})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        out.write_bytes(to_safe_csv(pd.DataFrame(units.drop(columns="geometry"))))
    elif out.suffix.lower() in (".geojson", ".json"):
        units.to_file(out, driver="GeoJSON")
    else:
        raise ValueError(f"--out must end in .csv or .geojson, got {out.name}")
    sidecar = out.with_name(out.name + ".choices.json")
    sidecar.write_text(json.dumps(result.choices, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result.choices, ensure_ascii=False), file=sys.stderr)
    print(json.dumps({"written": str(out), "cells": len(units), "choices": str(sidecar)}, ensure_ascii=False))
    return 0


def _cmd_bulletin(args: argparse.Namespace) -> int:
    from geo.answers import Recipe, compute
    from geo.ops.profiles import load_settings
    from geo.ops.rectification import KpiPolicy, reopened_ids
    from geo.report.bulletin import build_bulletin

    workspace = _workspace(args)
    profile = load_settings(str(args.workspace)).profile  # the workspace's profile (a bad file: one line)
    dataset = open_workspace(workspace)
    # The dashboard's backtest (kept with the generation): the file and the page rank with one method.
    method = compute(str(args.workspace), dataset, Recipe()).winner
    bulletin = build_bulletin(dataset, args.week, policy=KpiPolicy(dataset.categories),
                              reopened=reopened_ids(workspace.load_history()), method=method, profile=profile,
                              lang=args.lang)
    paths = bulletin.write(args.out)
    rows = {name: len(frame) for name, frame in bulletin.tables.items()}
    print(json.dumps({"written": {k: str(v) for k, v in paths.items()}, "rows": rows}, ensure_ascii=False))
    return 0


def _cmd_counts(args: argparse.Namespace) -> int:
    from geo.cube.analysis import run_analysis
    from geo.cube.filter import IssueFilter
    from geo.sample import load_dataset

    dataset = load_dataset(args.ledger, args.grids)
    flt = IssueFilter(categories=tuple(args.category or ()))
    result = run_analysis(dataset, flt)
    assert dataset.ledger is not None
    summary = dataset.ledger.summary() | {"outside_grids": int(dataset.issues[s.OUTSIDE_GRIDS].sum())}
    top = result.grid_counts.head(args.top)
    print(json.dumps({"summary": summary, "top_grids": top.to_dict(orient="records")}, ensure_ascii=False))
    if args.out:
        Path(args.out).write_bytes(to_safe_csv(result.cube))
    return 0


def _categories(args: argparse.Namespace, dataset_codes: Sequence[str]) -> tuple[str, ...] | None:
    chosen = tuple(args.category or ())
    unknown = [c for c in chosen if c not in dataset_codes]
    if unknown:
        raise ValueError(f"unknown category {', '.join(unknown)}; known: {', '.join(dataset_codes)}")
    return chosen or None


def _cmd_forecast(args: argparse.Namespace) -> int:
    from geo.forecast.report import forecast_units
    from geo.ops.priority import Names

    dataset = open_workspace(_workspace(args))
    names = Names.of(dataset.categories)
    result = forecast_units(dataset.issues, dataset.grids, args.as_of, horizon_days=args.horizon_days,
                            categories=_categories(args, dataset.categories.codes), units=args.units,
                            method=args.method, cell_size_m=args.cell_size_m, names=(names.zh, names.en))
    out = Path(args.out)
    if out.suffix.lower() not in (".geojson", ".json"):
        raise ValueError(f"--out must end in .geojson, got {out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    table = result.table.assign(method=result.method, as_of=str(pd.Timestamp(args.as_of).date()),
                                horizon_days=args.horizon_days)
    table.to_file(out, driver="GeoJSON")
    print(json.dumps({"written": str(out), "units": len(table), "method": result.method,
                      "cell_size_m": result.units.cell_size_m, "expected_total": round(float(table["expected"].sum()), 1)},
                     ensure_ascii=False))
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from geo.answers import Recipe, compute
    from geo.forecast import AREA_SHARES, run_backtest
    from geo.forecast.backtest import MAX_ORIGINS

    dataset = open_workspace(_workspace(args))
    shares = tuple(float(x) for x in str(args.area).split(",") if x.strip())
    if 0.05 not in shares:  # the winner is chosen at 5 %
        shares = (*shares, 0.05)
    categories = _categories(args, dataset.categories.codes)
    if args.cell_size_m is None and args.origins == MAX_ORIGINS and sorted(shares) == sorted(AREA_SHARES):
        # The dashboard's recipe, as the answers worker computes it: read when kept, else run and kept with
        # the generation (with the priority list every page opens with), so the pages read it.
        bt = compute(str(args.workspace), dataset, Recipe(tuple(categories or ()), float(args.horizon_days)))
    else:
        bt = run_backtest(dataset.issues, dataset.grids, categories=categories, horizon_days=args.horizon_days,
                          shares=shares, cell_size_m=args.cell_size_m, max_origins=args.origins)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_bytes(to_safe_csv(bt.scores))
    summary = bt.summary.round(4).to_dict(orient="records")
    print(json.dumps({"origins": bt.n_origins, "cells": bt.n_units, "cell_size_m": bt.cell_size_m,
                      "horizon_days": bt.horizon_days, "categories": list(bt.categories), "winner": bt.winner,
                      "summary": summary, "sentence_zh": bt.sentence("zh"), "sentence_en": bt.sentence("en")},
                     ensure_ascii=False, indent=1))
    return 0


def _cmd_cube(args: argparse.Namespace) -> int:
    from geo.cube.daily import daily_counts, empty_cube
    from geo.cube.dask_cube import dask_daily_cube, workspace_files
    from geo.store import Workspace

    store = _workspace(args)
    started = time.perf_counter()
    if args.engine == "dask":
        if not isinstance(store, Workspace):
            raise ValueError("the Dask engine reads an embedded workspace's GeoParquet months; "
                             "export the PostGIS workspace to one first")
        run = dask_daily_cube(workspace_files(store.generation_dir(store.generation())), scheduler=args.scheduler,
                              n_workers=args.workers)
        cube, extra = run.cube, {"partitions": run.partitions, "workers": run.workers,
                                 "peak_worker_gb": round(run.peak_worker_gb, 3)}
    else:
        issues = store.load_issues()
        cube, extra = (daily_counts(issues) if issues is not None else empty_cube()), {}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        cube.to_parquet(args.out, index=False)
    print(json.dumps({"engine": args.engine, "generation": store.generation(), "rows": len(cube),
                      "issues_counted": int(cube["count"].sum()), "seconds": round(time.perf_counter() - started, 2),
                      **extra}, ensure_ascii=False))
    return 0


def _user_file(args: argparse.Namespace) -> Any:
    from geo.admin.access import USERS_ENV, UserFile

    path = args.file or os.environ.get(USERS_ENV)
    if not path:
        raise ValueError(f"name the user file with --file or {USERS_ENV}")
    return UserFile(path)


def _read_password(args: argparse.Namespace) -> str:
    """From stdin with --password-stdin (scripts), else asked twice without echo; never an argument."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _cmd_users(args: argparse.Namespace) -> int:
    users = _user_file(args)
    if args.action == "add":
        users.add(args.name, args.role, _read_password(args), replace=args.replace)
        print(json.dumps({"added": args.name, "role": args.role, "file": str(users.path)}, ensure_ascii=False))
    elif args.action == "remove":
        users.remove(args.name)
        print(json.dumps({"removed": args.name}, ensure_ascii=False))
    else:
        print(json.dumps({name: entry["role"] for name, entry in users.users().items()}, ensure_ascii=False))
    return 0


def _cmd_undo(args: argparse.Namespace) -> int:
    from geo.admin.undo import undo_import

    record = undo_import(_workspace(args), args.generation)
    _schedule_answers(args.workspace)
    print(json.dumps(record, ensure_ascii=False, default=str))
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from geo.admin.audit import audit_table, check_trail

    records = _workspace(args).imports()
    if args.verify:  # exit 1 when the chain does not hold: a cron job can alert on it
        check = check_trail(records)
        print(json.dumps(check.as_dict(), ensure_ascii=False))
        return 0 if check.holds else 1
    table = audit_table(records)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_bytes(to_safe_csv(table))
        print(json.dumps({"written": str(args.out), "records": len(table)}, ensure_ascii=False))
    else:
        print(table.to_json(orient="records", force_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and ``--help`` docs)."""
    parser = argparse.ArgumentParser(prog="python -m geo", description="Gridwatch command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepare-sample", help="import the bundled sample street into its workspace (make demo runs it)")
    p.set_defaults(func=_cmd_prepare_sample)

    p = sub.add_parser("sample", help="write the synthetic sample street (grids, ledger, truth)")
    p.add_argument("--out", type=Path, default=Path("data/sample"))
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the sample's own)")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("import", help="import a ledger into a workspace; prints the row accounting as JSON")
    p.add_argument("ledger", type=Path, help="CSV, xlsx, GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--grids", type=Path, default=None, help="grid polygons to import first")
    p.add_argument("--mapping", type=Path, default=None, help="JSON: columns, categories, crs, tz")
    p.add_argument("--crs", default=None, help="CRS of the coordinates: EPSG code, gcj02 or bd09")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("status", help="print one JSON object: issues, history rows, imports logged, generation, format")
    p.add_argument("--workspace", type=Path, required=True)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("import-reference", help="import a reference layer (roads with names, buildings, places) "
                                                "drawn under the grids on every map")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("layer", type=Path, help="GeoJSON, GeoPackage, Shapefile (zipped or not), any declared CRS")
    p.add_argument("--name-field", default=None, help="the field naming each feature (default: guessed)")
    p.add_argument("--as", dest="as_name", default=None, help="the layer's name in the workspace (default: file stem)")
    p.set_defaults(func=_cmd_import_reference)

    p = sub.add_parser("import-grids", help="import management grid polygons into a workspace")
    p.add_argument("polygons", type=Path)
    p.add_argument("--workspace", type=Path, required=True)
    # Unset: our own column names when the layer has them, else guessed as the wizard guesses them.
    p.add_argument("--id-field", default=None)
    p.add_argument("--name-field", default=None)
    p.add_argument("--community-field", default=None)
    p.set_defaults(func=_cmd_import_grids)

    p = sub.add_parser("export", help="write a workspace's issues (GeoJSON, GeoPackage, CSV or xlsx by extension; "
                                         ".json: Open311 GeoReport v2 service_requests)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("hotspots", help="Gi* hot/cold classes per grid or cell (and emerging classes)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--category", default=None, help="a category code; all categories when absent")
    p.add_argument("--cells", default="grid",
                   help="grid, square:METRES or hex:METRES (e.g. hex:100); square or hex alone picks the size")
    p.add_argument("--outliers", action="store_true", help="add the local Moran class (HH/LL/HL/LH at 95%%)")
    p.add_argument("--outlier-fdr", action="store_true", help="local Moran with Benjamini-Hochberg (implies --outliers)")
    p.add_argument("--emerging", action="store_true", help="add the emerging hot spot class")
    p.add_argument("--step", choices=STEPS, default="week",
                   help="emerging time step: day, week (default) or month (30 days; Esri advises equal steps)")
    p.add_argument("--out", type=Path, required=True, help=".geojson or .csv; choices go to OUT.choices.json")
    p.set_defaults(func=_cmd_hotspots)

    p = sub.add_parser("bulletin", help="the weekly bulletin: an Excel workbook, a printable Chinese HTML page and its PDF")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W45 (Monday to Sunday, local time)")
    p.add_argument("--out", type=Path, required=True, help="folder for bulletin_<week>.xlsx, .html and .pdf")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="the bulletin's language (default Chinese)")
    p.set_defaults(func=_cmd_bulletin)

    p = sub.add_parser("forecast", help="expected issues per cell or grid for the next period (GeoJSON, ranked)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--as-of", required=True, help="origin date (local); nothing reported at or after it is read")
    p.add_argument("--horizon-days", type=float, default=28.0, help="forecast period in days (28 default; 7 = a week)")
    p.add_argument("--category", nargs="+", action="extend", help="category codes (default: all)")
    p.add_argument("--units", choices=["cells", "grids"], default="cells")
    p.add_argument("--method", choices=["auto", *METHODS], default="auto",
                   help="auto (default): the backtest winner on the history before --as-of")
    p.add_argument("--cell-size-m", type=float, default=None, help="cell edge in metres (default 100)")
    p.add_argument("--out", type=Path, required=True, help=".geojson: one feature per unit, WGS84")
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser("backtest", help="rolling weekly backtest: PAI, hit rate and PEI* of each method")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--category", nargs="+", action="extend", help="category codes (default: all)")
    p.add_argument("--horizon-days", type=float, default=28.0)
    p.add_argument("--area", default="0.01,0.02,0.05,0.10,0.15,0.20", help="flagged shares of area, comma separated")
    p.add_argument("--origins", type=int, default=52, help="weekly origins, the most recent first (default 52)")
    p.add_argument("--cell-size-m", type=float, default=None, help="cell edge in metres (default 100)")
    p.add_argument("--out", type=Path, default=None, help="CSV of the score at every origin")
    p.set_defaults(func=_cmd_backtest)

    p = sub.add_parser("answers", help="compute the queued answers of the workspace's generation (the worker)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--parent", type=int, default=None, help="stop when this process is gone (the dashboard's pid)")
    p.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)  # handed over by start_worker
    p.set_defaults(func=_cmd_answers)

    p = sub.add_parser("cube", help="counts per grid x category x local day (in memory, or out of core on Dask)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--engine", choices=["memory", "dask"], default="memory")
    p.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address (default: a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="local cluster workers (without --scheduler)")
    p.add_argument("--out", type=Path, default=None, help="write the cube as Parquet")
    p.set_defaults(func=_cmd_cube)

    p = sub.add_parser("users", help="the local user file: add NAME --role R, remove NAME, list")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("name", nargs="?", default="")
    p.add_argument("--role", choices=["viewer", "clerk", "admin"], default="viewer")
    p.add_argument("--file", type=Path, default=None, help="the user file (default: GRIDWATCH_USERS)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.add_argument("--replace", action="store_true", help="reset an existing user's password and role")
    p.set_defaults(func=_cmd_users)

    p = sub.add_parser("undo", help="roll the workspace back to before the change committed as GENERATION")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--generation", type=int, required=True, help="the generation of the import (see audit)")
    p.set_defaults(func=_cmd_undo)

    p = sub.add_parser("audit", help="the audit trail: who changed what, when, with which file (SHA-256)")
    p.add_argument("--workspace", type=Path, required=True)
    p.add_argument("--out", type=Path, default=None, help="CSV (formula injection neutralised); JSON on stdout without")
    p.add_argument("--verify", action="store_true",
                   help="check the trail's hash chain; prints what holds and its head, exits 1 if it does not")
    p.set_defaults(func=_cmd_audit)

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
    except (LedgerError, s.SchemaError, StoreError, ValueError, OSError, PermissionError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the workspace is unchanged unless the import had finished", file=sys.stderr)
        return 130
    except Exception as exc:  # a last guard: a user sees one line, never a traceback
        print(f"error: unexpected {type(exc).__name__} ({one_line(exc)}); nothing was changed. "
              "Please report the command and the file.", file=sys.stderr)
        return 3
