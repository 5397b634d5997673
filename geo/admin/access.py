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
    else is a viewer. The header is believed only from the proxy: a connection from one of
    ``GRIDWATCH_TRUSTED_PROXIES`` (addresses or networks) or carrying ``GRIDWATCH_PROXY_SECRET`` in
    ``X-Gridwatch-Proxy-Secret`` (the proxy adds it); anything else is refused (:func:`trusted_request`);
unset
    the demo: one local admin, said so on every page.

A name is one account however it is typed: :func:`account_key` (NFKC, no control or format characters,
whitespace runs as one space, trimmed, case-folded) is applied once, before the lockout, the user
file's lookup and the log alike (``viewer1``, `` viewer1``, ``viewer1　`` and ``Viewer1`` are one account).

Deployment (reverse proxy, TLS at the proxy): docs/deploy.md; the threat model: docs/security.md.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    # Names of people (the inspector evaluation's 上报人): clerks and admins; a viewer sees grids and departments.
    "see_people": "clerk",
    "import_grids": "admin", "mapping": "admin", "undo": "admin", "users": "admin",
}
AUTH_ENV: Final = "GRIDWATCH_AUTH"
USERS_ENV: Final = "GRIDWATCH_USERS"
HEADER_ENV: Final = "GRIDWATCH_USER_HEADER"
PROXIES_ENV: Final = "GRIDWATCH_TRUSTED_PROXIES"
PROXY_SECRET_ENV: Final = "GRIDWATCH_PROXY_SECRET"
#: The header a proxy adds with the shared secret (never forwarded from the client: the proxy sets it).
PROXY_SECRET_HEADER: Final = "X-Gridwatch-Proxy-Secret"
SESSION_ENV: Final = "GRIDWATCH_SESSION_MINUTES"
#: A signed-in session ends after this many minutes without a page view (a working day by default).
DEFAULT_SESSION_MINUTES: Final = 480.0
#: Failed sign-ins allowed per account in ``FAILURE_WINDOW_S`` before the account is locked for the window.
MAX_FAILURES: Final = 5
#: Failed sign-ins allowed per client address in the window: as many as four accounts' worth, since an
#: office's machines often share one address behind its NAT; one client trying many names is stopped.
MAX_CLIENT_FAILURES: Final = 4 * MAX_FAILURES
FAILURE_WINDOW_S: Final = 15 * 60.0
#: Accounts and clients the failure table holds at most (expired entries go first, then the oldest): the
#: table stays bounded whatever a flood of invented names does.
MAX_TRACKED: Final = 10_000
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
    #: Where the trusted header may come from (header mode), and the proxy's shared secret.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(default=())
    proxy_secret: str | None = None

    @classmethod
    def from_env(cls) -> AuthConfig:
        """``GRIDWATCH_AUTH`` = ``users`` or ``header`` (unset: the demo).

        Raises
        ------
        ValueError
            For another mode, ``users`` without ``GRIDWATCH_USERS``, ``header`` without a trusted proxy
            or a shared secret, or a proxy entry that is not an address or network.
        """
        mode = os.environ.get(AUTH_ENV, "").strip().lower() or "demo"
        if mode not in ("demo", "users", "header"):
            raise ValueError(f"{AUTH_ENV} must be users or header (or unset for the demo), got {mode!r}")
        path = os.environ.get(USERS_ENV)
        if mode == "users" and not path:
            raise ValueError(f"{AUTH_ENV}=users needs {USERS_ENV}, the user file made by `python -m geo users add`")
        proxies = []
        for entry in filter(None, (e.strip() for e in os.environ.get(PROXIES_ENV, "").split(","))):
            try:
                proxies.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{PROXIES_ENV}: {entry!r} is not an address or network (e.g. 10.0.0.5 or "
                                 "10.0.0.0/24)") from None
        secret = os.environ.get(PROXY_SECRET_ENV) or None
        if mode == "header" and not (proxies or secret):
            raise ValueError(f"{AUTH_ENV}=header needs {PROXIES_ENV} (the proxy's addresses) or {PROXY_SECRET_ENV} "
                             f"(a secret the proxy sends in {PROXY_SECRET_HEADER}): anyone reaching the port could "
                             "otherwise claim any name")
        minutes = float(os.environ.get(SESSION_ENV, DEFAULT_SESSION_MINUTES))
        return cls(mode, Path(path) if path else None, os.environ.get(HEADER_ENV, "X-Remote-User"), minutes,  # type: ignore[arg-type]
                   tuple(proxies), secret)


def _is_proxy(address: str | None, proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def trusted_request(config: AuthConfig, peer: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a request may speak for a person through ``config.header``: it comes from a configured
    proxy (``peer`` is the socket's address) or carries the proxy's shared secret (compared in constant time)."""
    if config.proxy_secret is not None:
        given = headers.get(PROXY_SECRET_HEADER) or ""
        if hmac.compare_digest(given.encode(), config.proxy_secret.encode()):
            return True
    return _is_proxy(peer, config.trusted_proxies)


def client_address(peer: str | None, headers: Mapping[str, str],
                   proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()) -> str:
    """The client for the security log and the per-client lockout: the socket's peer, unless the peer is a
    trusted proxy; then the nearest ``X-Forwarded-For`` hop that is not one (a client can prepend any
    value to the header, but not the hops our own proxies append)."""
    if not _is_proxy(peer, proxies):
        return (peer or "")[:64]
    hops = [h.strip() for h in (headers.get("X-Forwarded-For") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_proxy(hop, proxies):
            return hop[:64]
    return (peer or "")[:64]


_SPACES: Final = re.compile(r"\s+")


def account_key(name: object) -> str:
    """The one identity of a name, typed or stored: NFKC (full-width letters and the ideographic space are
    the ASCII ones), control and format characters (a zero-width space) removed, runs of whitespace as one
    space, trimmed, case-folded.

    Examples
    --------
    >>> {account_key(n) for n in ["viewer1", " viewer1", "viewer1 ", "viewer1\u3000", "Viewer1", "ｖｉｅｗｅｒ１",
    ...                          "view\u200ber1"]}
    {'viewer1'}
    >>> account_key("  王  芳 ")
    '王 芳'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = "".join(ch if not unicodedata.category(ch).startswith("Z") else " " for ch in text
                   if not unicodedata.category(ch).startswith("C") or ch in "\t\n\r")
    return _SPACES.sub(" ", text).strip().casefold()


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

    def _find(self, users: dict[str, dict[str, str]], name: object) -> str | None:
        """The stored name that is the same account as ``name`` (:func:`account_key`), if exactly one is."""
        key = account_key(name)
        found = [stored for stored in users if account_key(stored) == key]
        return found[0] if len(found) == 1 else None  # two stored spellings of one account: neither signs in

    def add(self, name: str, role: Role, password: str, *, replace: bool = False) -> None:
        """Add (or with ``replace`` reset) a user.

        Raises
        ------
        ValueError
            For a bad name or role, a password shorter than ``MIN_PASSWORD``, or an existing account (another
            spelling of an existing name is the same account).
        """
        name = _clean_name(name)
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self.users()
            existing = self._find(users, name)
            if existing is not None and not replace:
                raise ValueError(f"user {existing!r} exists; use --replace to reset the password or role")
            users[existing or name] = {"role": role, "hash": _HASHER.hash(password)}
            self._write(users)

    def remove(self, name: str) -> None:
        """Remove a user (a clear error when there is none)."""
        with self._lock:
            users = self.users()
            existing = self._find(users, name)
            if existing is None:
                raise ValueError(f"no user {name!r}")
            del users[existing]
            self._write(users)

    def account(self, name: object) -> str | None:
        """The stored name of ``name``'s account, ``None`` when there is none."""
        return self._find(self.users(), name)

    def role_of(self, name: str) -> Role | None:
        """The role of ``name`` (for the trusted header), ``None`` when not listed."""
        users = self.users()
        stored = self._find(users, name)
        entry = users.get(stored) if stored is not None else None
        return entry["role"] if entry and entry.get("role") in ROLES else None  # type: ignore[return-value]

    def verify(self, name: str, password: str) -> Actor | None:
        """The signed-in actor (named as stored), or ``None`` for a wrong name or password (indistinguishable
        by time)."""
        users = self.users()
        stored = self._find(users, name)
        entry = users.get(stored) if stored is not None else None
        try:
            _HASHER.verify(entry["hash"] if entry else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if not entry or entry.get("role") not in ROLES or stored is None:
            return None
        return Actor(stored, entry["role"], "users")  # type: ignore[arg-type]


class SignInGuard:
    """Rate limit for failed sign-ins: ``MAX_FAILURES`` per account and ``MAX_CLIENT_FAILURES`` per client
    address in ``FAILURE_WINDOW_S``, every name counted under its :func:`account_key`.

    Every failure and lock-out is logged (time, event, client; never the password) to the
    ``gridwatch.security`` logger and, with ``log_path``, as JSON lines to that file. A name is written as
    typed only when it is an account's (``known``); any other is written as a keyed hash (``name_hash``),
    since a password typed into the name field must not land in a log. The key lives beside the log
    (``security.key``, mode 0600), so the same wrong name hashes the same across restarts.
    """

    def __init__(self, log_path: str | Path | None = None, *, clock: Any = time.monotonic) -> None:
        self.log_path = Path(log_path) if log_path else None
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}  # "account:<key>" / "client:<address>", oldest first
        self._lock = threading.Lock()
        self._key = self._hash_key()

    def _hash_key(self) -> bytes:
        if self.log_path is None:
            return secrets.token_bytes(32)
        path = self.log_path.with_name("security.key")
        try:
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            key = secrets.token_bytes(32)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process wrote it first: use theirs
                return bytes.fromhex(path.read_text(encoding="ascii").strip())
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key.hex())
            return key

    def name_hash(self, name: object) -> str:
        """The keyed hash a name that is no account's is logged as (HMAC-SHA256 of its account key)."""
        return hmac.new(self._key, account_key(name).encode(), hashlib.sha256).hexdigest()[:16]

    def _log(self, event: str, name: object, client: str, known: bool) -> None:
        who = {"name": str(name)[:64]} if known else {"name_hash": self.name_hash(name)}
        record = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": event, **who, "client": client[:64]}
        SECURITY_LOG.warning("%s %s client=%s", event, " ".join(f"{k}={v}" for k, v in who.items()), record["client"])
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.get(key, deque())
        while recent and now - recent[0] > FAILURE_WINDOW_S:
            recent.popleft()
        return recent

    def _wait(self, key: str, limit: int, now: float) -> float:
        recent = self._recent(key, now)
        return 0.0 if len(recent) < limit else FAILURE_WINDOW_S - (now - recent[-limit])

    def wait_s(self, name: object, client: str = "") -> float:
        """Seconds until ``name`` (any spelling) may try again from ``client`` (0 when allowed)."""
        now = self._clock()
        with self._lock:
            waits = [self._wait(f"account:{account_key(name)}", MAX_FAILURES, now)]
            if client:
                waits.append(self._wait(f"client:{client}", MAX_CLIENT_FAILURES, now))
            return max(waits)

    def _count(self, key: str, now: float) -> int:
        recent = self._recent(key, now)
        self._failures.pop(key, None)
        recent.append(now)
        self._failures[key] = recent  # re-inserted: the table's order is the last failure's
        return len(recent)

    def _bound(self, now: float) -> None:
        if len(self._failures) <= MAX_TRACKED:
            return
        for key in [k for k, v in self._failures.items() if not v or now - v[-1] > FAILURE_WINDOW_S]:
            del self._failures[key]
        while len(self._failures) > MAX_TRACKED:
            del self._failures[next(iter(self._failures))]

    def failed(self, name: object, client: str = "", *, known: bool = False) -> None:
        """Record a failed sign-in (and a lock-out when it is the last one allowed); ``known`` when ``name``
        is an account's (its name is logged then, else only its keyed hash)."""
        now = self._clock()
        with self._lock:
            locked = self._count(f"account:{account_key(name)}", now) >= MAX_FAILURES
            if client:
                locked |= self._count(f"client:{client}", now) >= MAX_CLIENT_FAILURES
            self._bound(now)
        self._log("sign_in_failed", name, client, known)
        if locked:
            self._log("sign_in_locked", name, client, known)

    def succeeded(self, name: str, client: str = "") -> None:
        """Forget an account's failures after a good sign-in (and log the sign-in); the client's stay."""
        with self._lock:
            self._failures.pop(f"account:{account_key(name)}", None)
        self._log("sign_in", name, client, True)

    def tracked(self) -> int:
        """How many accounts and clients the failure table holds (bounded by ``MAX_TRACKED``)."""
        with self._lock:
            return len(self._failures)
