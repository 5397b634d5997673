"""Who may change the numbers: roles, the people who hold them, and sign-in checks.

Three roles, each allowed what the one below it may do:

* **viewer**: every page and download;
* **clerk**: imports ledgers;
* **admin**: grids, category mappings of imported issues, users and undo.

The checks live here, in the library: :func:`require` is called by every writing function of
:mod:`geo.ingest.imports` and :mod:`geo.admin.undo`, so hiding a control in the dashboard is a courtesy, not the
protection. How a person is identified is configured (``GRIDWATCH_AUTH``):

``users``
    a local user file (``GRIDWATCH_USERS``, JSON) with Argon2id password hashes, written by
    ``python -m geo users add NAME --role clerk``;
``header``
    a trusted header (``GRIDWATCH_USER_HEADER``, default ``X-Remote-User``) set by the office's
    reverse proxy or single sign-on; roles come from the user file (no password needed), anyone
    else is a viewer;
unset
    the demo: one local admin, said so on every page.

Deployment (reverse proxy, TLS at the proxy): docs/deploy.md.
"""

from __future__ import annotations

import functools
import getpass
import json
import logging
import os
import threading
import time
import unicodedata
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["viewer", "clerk", "admin"]
ROLES: Final[tuple[Role, ...]] = ("viewer", "clerk", "admin")
#: The lowest role each action needs.
ACTIONS: Final[dict[str, Role]] = {
    "view": "viewer", "download": "viewer",
    "import_ledger": "clerk",
    "import_grids": "admin", "mapping": "admin", "undo": "admin", "users": "admin",
}
AUTH_ENV: Final = "GRIDWATCH_AUTH"
USERS_ENV: Final = "GRIDWATCH_USERS"
HEADER_ENV: Final = "GRIDWATCH_USER_HEADER"
SESSION_ENV: Final = "GRIDWATCH_SESSION_MINUTES"
#: A signed-in session ends after this many minutes without a page view (a working day by default).
DEFAULT_SESSION_MINUTES: Final = 480.0
#: Failed sign-ins allowed per name in ``FAILURE_WINDOW_S`` before the name is locked for the window.
MAX_FAILURES: Final = 5
FAILURE_WINDOW_S: Final = 15 * 60.0
MIN_PASSWORD: Final = 10

SECURITY_LOG: Final = logging.getLogger("gridwatch.security")
_HASHER: Final = PasswordHasher()  # Argon2id with the library's (RFC 9106 low-memory) parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return _HASHER.hash(uuid.uuid4().hex)


class AccessDenied(PermissionError):
    """The person may not do this (the message names the role needed, never a secret)."""


@dataclass(frozen=True)
class Actor:
    """A person acting on the workspace: a name as recorded in the audit trail, a role, and how they
    were identified (``demo``, ``users``, ``header`` or ``cli``)."""

    name: str
    role: Role
    via: str

    def may(self, action: str) -> bool:
        """Whether the role allows ``action`` (see ``ACTIONS``)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        return ROLES.index(self.role) >= ROLES.index(ACTIONS[action])


#: The demo's single person (no sign-in configured).
LOCAL_ADMIN: Final = Actor("local-admin", "admin", "demo")


def cli_actor() -> Actor:
    """The command line's actor: whoever runs commands on the server can write the files anyway, so the
    command line acts as an admin, recorded by the operating-system account name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(f"cli:{user}", "admin", "cli")


def require(actor: Actor | None, action: str) -> Actor:
    """``actor`` (the command line's when ``None``) if it may do ``action``.

    Raises
    ------
    AccessDenied
        If the role does not allow it.
    """
    who = actor or cli_actor()
    if not who.may(action):
        raise AccessDenied(f"{who.name} ({who.role}) may not {action.replace('_', ' ')}: "
                           f"it needs the {ACTIONS[action]} role")
    return who


@dataclass(frozen=True)
class AuthConfig:
    """How the dashboard identifies people (read from the environment)."""

    mode: Literal["demo", "users", "header"]
    users_path: Path | None
    header: str
    session_minutes: float

    @classmethod
    def from_env(cls) -> AuthConfig:
        """``GRIDWATCH_AUTH`` = ``users`` or ``header`` (unset: the demo).

        Raises
        ------
        ValueError
            For another mode, or ``users`` without ``GRIDWATCH_USERS``.
        """
        mode = os.environ.get(AUTH_ENV, "").strip().lower() or "demo"
        if mode not in ("demo", "users", "header"):
            raise ValueError(f"{AUTH_ENV} must be users or header (or unset for the demo), got {mode!r}")
        path = os.environ.get(USERS_ENV)
        if mode == "users" and not path:
            raise ValueError(f"{AUTH_ENV}=users needs {USERS_ENV}, the user file made by `python -m geo users add`")
        minutes = float(os.environ.get(SESSION_ENV, DEFAULT_SESSION_MINUTES))
        return cls(mode, Path(path) if path else None, os.environ.get(HEADER_ENV, "X-Remote-User"), minutes)  # type: ignore[arg-type]


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name or len(name) > 64 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError("a user name must be 1-64 printable characters")
    return name


class UserFile:
    """The local user file: ``{"users": {name: {"role": ..., "hash": argon2id}}}``.

    Written atomically (a temporary file renamed into place) with mode 0600; passwords exist only
    as Argon2id hashes, never in the file, a log or an export.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def users(self) -> dict[str, dict[str, str]]:
        """Every user with role and hash (empty when the file does not exist yet)."""
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return dict(data.get("users", {}))

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.tmp-{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"users": users}, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def add(self, name: str, role: Role, password: str, *, replace: bool = False) -> None:
        """Add (or with ``replace`` reset) a user.

        Raises
        ------
        ValueError
            For a bad name or role, a password shorter than ``MIN_PASSWORD``, or an existing name.
        """
        name = _clean_name(name)
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self.users()
            if name in users and not replace:
                raise ValueError(f"user {name!r} exists; use --replace to reset the password or role")
            users[name] = {"role": role, "hash": _HASHER.hash(password)}
            self._write(users)

    def remove(self, name: str) -> None:
        """Remove a user (a clear error when there is none)."""
        with self._lock:
            users = self.users()
            if name not in users:
                raise ValueError(f"no user {name!r}")
            del users[name]
            self._write(users)

    def role_of(self, name: str) -> Role | None:
        """The role of ``name`` (for the trusted header), ``None`` when not listed."""
        entry = self.users().get(name)
        return entry["role"] if entry and entry.get("role") in ROLES else None  # type: ignore[return-value]

    def verify(self, name: str, password: str) -> Actor | None:
        """The signed-in actor, or ``None`` for a wrong name or password (indistinguishable by time)."""
        entry = self.users().get(str(name).strip())
        try:
            _HASHER.verify(entry["hash"] if entry else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if not entry or entry.get("role") not in ROLES:
            return None
        return Actor(str(name).strip(), entry["role"], "users")  # type: ignore[arg-type]


class SignInGuard:
    """Rate limit for failed sign-ins: ``MAX_FAILURES`` per name in ``FAILURE_WINDOW_S``.

    Every failure and lock-out is logged (name, client, time; never the password) to the
    ``gridwatch.security`` logger and, with ``log_path``, as JSON lines to that file.
    """

    def __init__(self, log_path: str | Path | None = None, *, clock: Any = time.monotonic) -> None:
        self.log_path = Path(log_path) if log_path else None
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _log(self, event: str, name: str, client: str) -> None:
        record = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": event, "name": name[:64], "client": client[:64]}
        SECURITY_LOG.warning("%s name=%s client=%s", event, record["name"], record["client"])
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def wait_s(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when allowed)."""
        now = self._clock()
        with self._lock:
            recent = self._failures.get(name, deque())
            while recent and now - recent[0] > FAILURE_WINDOW_S:
                recent.popleft()
            if len(recent) < MAX_FAILURES:
                return 0.0
            return FAILURE_WINDOW_S - (now - recent[0])

    def failed(self, name: str, client: str = "") -> None:
        """Record a failed sign-in (and a lock-out when it is the last one allowed)."""
        with self._lock:
            recent = self._failures.setdefault(name, deque())
            recent.append(self._clock())
            locked = len(recent) >= MAX_FAILURES
        self._log("sign_in_failed", name, client)
        if locked:
            self._log("sign_in_locked", name, client)

    def succeeded(self, name: str, client: str = "") -> None:
        """Forget a name's failures after a good sign-in (and log the sign-in)."""
        with self._lock:
            self._failures.pop(name, None)
        self._log("sign_in", name, client)
