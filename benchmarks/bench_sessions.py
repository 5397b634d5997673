"""Many dashboard sessions at once: p50/p95 of a filter change, measured at the server's socket.

A real Streamlit server runs the dashboard on the sample street in one process; a load generator
in another process opens N sessions over Streamlit's own WebSocket protocol (the messages a
browser sends, without the browser's rendering), and in each session changes the sidebar's
category filter several times, timing each change from the message sent to the server's
``script_finished``. Every session picks its own categories, so the caches see new filters as
well as ones another session already asked for. The same run measures one lone session first:
the ratio is what contention costs. Loopback only, bounded in sessions, changes and time.

Run: ``.venv/bin/python -m benchmarks.bench_sessions [--sessions 20] [--changes 6]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "gw_categories"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _session(port: int, index: int, changes: int, pause_s: float) -> dict[str, list[float]]:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
                       max_size=256 * 1024 * 1024, open_timeout=60) as ws:
        found: dict[str, object] = {}

        async def run(states: list[WidgetState]) -> float:
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            msg.rerun_script.page_script_hash = found.get("page", "")  # type: ignore[assignment]
            msg.rerun_script.widget_states.CopyFrom(WidgetStates(widgets=states))
            started = time.perf_counter()
            await ws.send(msg.SerializeToString())
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
                kind = fwd.WhichOneof("type")
                if kind == "new_session":
                    found["page"] = fwd.new_session.page_script_hash
                elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    element = fwd.delta.new_element
                    if element.WhichOneof("type") == "multiselect" and element.multiselect.id.endswith(f"-{KEY}"):
                        found["id"] = element.multiselect.id
                        found["options"] = list(element.multiselect.options)
                elif kind == "script_finished":
                    return time.perf_counter() - started

        first = await run([])
        options: list[str] = found.get("options", [])  # type: ignore[assignment]
        if "id" not in found or not options:
            raise RuntimeError("the category filter was not found on the first page")
        times = []
        for k in range(changes):
            pick = options[(index + k) % len(options)]
            state = WidgetState(id=found["id"])  # type: ignore[arg-type]
            state.string_array_value.data.extend([pick])
            times.append(await run([state]))
            await asyncio.sleep(pause_s)
        return {"first_open": [first], "filter_change": times}


async def _load(port: int, sessions: int, changes: int, pause_s: float) -> dict[str, list[float]]:
    results = await asyncio.wait_for(
        asyncio.gather(*(_session(port, i, changes, pause_s) for i in range(sessions))), timeout=900)
    return {key: [x for r in results for x in r[key]] for key in ("first_open", "filter_change")}


def load_main(port: int, sessions: int, changes: int, pause_s: float) -> None:
    """The load generator's process: prints one JSON object of latencies."""
    print(json.dumps(asyncio.run(_load(port, sessions, changes, pause_s))))


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def start_server(port: int, workspace: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if workspace:
        env["GRIDWATCH_WORKSPACE"] = workspace
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
                             "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the dashboard did not start within 120 s")


def measure(port: int, sessions: int, changes: int, pause_s: float) -> dict[str, list[float]]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_sessions", "--load", str(port),
                          "--sessions", str(sessions), "--changes", str(changes), "--pause", str(pause_s)],
                         cwd=ROOT, capture_output=True, text=True, timeout=1200, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds a user waits between two changes")
    parser.add_argument("--workspace", default=None, help="GRIDWATCH_WORKSPACE for the server (default: sample)")
    parser.add_argument("--load", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load is not None:
        load_main(args.load, args.sessions, args.changes, args.pause)
        return
    port = free_port()
    server = start_server(port, args.workspace)
    try:
        measure(port, 1, 2, 0.0)  # warm the caches and the first import of every module
        alone = measure(port, 1, args.changes, args.pause)
        crowd = measure(port, args.sessions, args.changes, args.pause)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"| filter change, server side | 1 session | {args.sessions} sessions | ratio |")
    print("| --- | --- | --- | --- |")
    for name, q in (("p50", 50), ("p95", 95)):
        a, b = pct(alone["filter_change"], q), pct(crowd["filter_change"], q)
        print(f"| {name} | {a:.2f} s | {b:.2f} s | {b / a:.1f}x |")
    print(f"| max | {max(alone['filter_change']):.2f} s | {max(crowd['filter_change']):.2f} s | |")
    print(f"| first open, p95 | {pct(alone['first_open'], 95):.2f} s | {pct(crowd['first_open'], 95):.2f} s | |")
    print(f"changes measured: {len(alone['filter_change'])} alone, {len(crowd['filter_change'])} together; "
          f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
