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
import tempfile
from pathlib import Path

from geo.store.embedded import Workspace
from geo.store.protocol import FORMAT_VERSION, IssueStore, State, StoreError, Transaction

#: Selects the PostGIS backend when set (``postgresql://user@host:port/db``).
DATABASE_URL_ENV = "GRIDWATCH_DATABASE_URL"

__all__ = ["DATABASE_URL_ENV", "FORMAT_VERSION", "IssueStore", "State", "StoreError", "Transaction", "Workspace",
           "open_store", "uploads_folder"]


def open_store(workspace: str | Path, *, database_url: str | None = None) -> IssueStore:
    """The store for ``workspace``: PostGIS when a database URL is given or set, else the folder.

    With PostGIS the workspace's folder name is its key in the database (several workspaces can
    share one database), and the folder still holds uploaded files.

    Examples
    --------
    >>> open_store("ws/")                                   # doctest: +SKIP
    Workspace('ws')
    """
    url = database_url if database_url is not None else os.environ.get(DATABASE_URL_ENV, "")
    if url:
        from geo.store.postgis import PostgisStore

        return PostgisStore(url, workspace=Path(workspace).name or str(workspace), folder=Path(workspace))
    return Workspace(workspace)


def uploads_folder(store: IssueStore) -> Path:
    """Where uploaded files of ``store`` are kept (the workspace folder's ``uploads/``)."""
    folder = getattr(store, "uploads_dir", None)
    return Path(folder) if folder is not None else Path(tempfile.gettempdir()) / "gridwatch-uploads"
