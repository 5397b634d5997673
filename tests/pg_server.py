"""A throwaway PostgreSQL + PostGIS server for the tests, on a free loopback port.

Debian's ``postgresql-15-postgis-3`` provides the binaries (``make test`` installs it). The server
lives in a temporary folder and is stopped at the end of the session. As root (CI, the
developers' machines) it runs as the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` when PostgreSQL with PostGIS is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
        return None
    return Path(found[-1]).parent


@contextmanager
def local_server() -> Iterator[str]:
    """Start a server; yields its URL (database ``gridwatch``, trust auth on loopback only)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL with PostGIS is not installed: bash scripts/ensure-postgis.sh")
    root = Path(tempfile.mkdtemp(prefix="gw-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True, "cwd": "/"}
    subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8"], **run)
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
                    "-w", "-t", "60", "start"], **run)
    try:
        url = f"postgresql://postgres@127.0.0.1:{port}/gridwatch"
        for _ in range(50):
            probe = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                                    "-c", "CREATE DATABASE gridwatch"], capture_output=True, text=True)
            if probe.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"could not create the test database: {probe.stderr}")
        yield url
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, cwd="/")
        shutil.rmtree(root, ignore_errors=True)
