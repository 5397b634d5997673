"""Where issues live: one protocol, two backends.

- :class:`~geo.store.embedded.Workspace`, the default: a folder of GeoParquet generations with an
  atomic pointer and a writer lock (no server).
- :class:`~geo.store.postgis.PostgisStore` for shared deployments, chosen by
  ``GRIDWATCH_DATABASE_URL=postgresql://...``: one transaction per import, an advisory lock per
  workspace, a generation number per commit.

Every caller goes through :func:`open_store` and the :class:`~geo.store.protocol.IssueStore`
protocol: ``read`` (a consistent :class:`~geo.store.protocol.State` at one generation),
``transaction`` (all-or-nothing writes), ``rejects``, ``status``.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

from geo.store.embedded import Workspace
from geo.store.protocol import IssueStore, State, StoreError, Transaction

#: Selects the PostGIS backend when set (``postgresql://user@host:port/db``).
DATABASE_URL_ENV = "GRIDWATCH_DATABASE_URL"

#: The file in a workspace folder that names its workspace in a shared database.
KEY_FILE = ".gridwatch-id"
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")

__all__ = ["DATABASE_URL_ENV", "KEY_FILE", "IssueStore", "State", "StoreError", "Transaction",
           "Workspace", "open_store", "uploads_folder", "workspace_key"]


def workspace_key(folder: str | Path) -> str:
    """The key of the workspace held in ``folder`` in a shared database: a random id written to the folder
    the first time it is used (``.gridwatch-id``), not the folder's name, so two offices' ``ws/`` folders
    never share a workspace and ``sub/..`` is the folder it names.

    An operator moving a workspace created before these ids writes its old key (the folder's name then)
    into the file. Raises :class:`StoreError` for a file holding anything but 1-64 letters, digits, ``_.-``.
    """
    path = Path(folder) / KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = uuid.uuid4().hex
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another process named it first: theirs holds
            return workspace_key(folder)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read the workspace id in {path}: {exc.__class__.__name__}") from None
    if not _KEY.fullmatch(key):
        raise StoreError(f"{path} does not hold a workspace id (1-64 letters, digits, '_', '.', '-')")
    return key


def open_store(workspace: str | Path, *, database_url: str | None = None) -> IssueStore:
    """The store for ``workspace``: PostGIS when a database URL is given or set, else the folder.

    With PostGIS the workspace's key in the database is the folder's own id (:func:`workspace_key`;
    several workspaces can share one database), and the folder still holds uploaded files.

    Examples
    --------
    >>> open_store("ws/")                                   # doctest: +SKIP
    Workspace('ws')
    """
    url = database_url if database_url is not None else os.environ.get(DATABASE_URL_ENV, "")
    if url:
        from geo.store.postgis import PostgisStore

        folder = Path(workspace).resolve()  # sub/.. is the folder it names
        return PostgisStore(url, workspace=workspace_key(folder), folder=folder)
    return Workspace(workspace)


def uploads_folder(store: IssueStore) -> Path:
    """Where uploaded files of ``store`` are kept (the workspace folder's ``uploads/``)."""
    folder = getattr(store, "uploads_dir", None)
    return Path(folder) if folder is not None else Path(tempfile.gettempdir()) / "gridwatch-uploads"
