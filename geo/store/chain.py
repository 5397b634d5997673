"""The audit trail as a hash chain: each record carries the hash of the one before it.

Both backends seal a record as they commit it (:func:`sealed`, inside the writer's lock, so the previous
record is the last committed one); :func:`verify` walks the trail. Editing a record breaks its own hash,
deleting or reordering one breaks the next record's link. What a chain alone cannot show is a rewrite of
every record from some point on, or the newest records cut off: for that the head (the last hash, which
``python -m geo audit --verify`` and the 数据 page print) is written down elsewhere, for example in the
weekly bulletin's minutes, and compared later.

Records written before the chain existed carry no hash: they are counted as unchained and the chain
starts at the first sealed one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: The fields a sealed record adds.
PREV: Final = "prev_hash"
HASH: Final = "hash"


def jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` as JSON keeps it (timestamps and other objects as text), so both backends hash the same."""
    out: dict[str, Any] = json.loads(json.dumps(dict(record), ensure_ascii=False, default=str))
    return out


def digest(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON (keys sorted, no spaces, ``hash`` itself left out)."""
    body = {k: v for k, v in record.items() if k != HASH}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def head(records: Iterable[Mapping[str, Any]]) -> str:
    """The hash of the last sealed record ("" when none is sealed yet): the next record's ``prev_hash``."""
    last = ""
    for record in records:
        last = str(record.get(HASH) or last)
    return last


def sealed(record: Mapping[str, Any], prev_hash: str) -> dict[str, Any]:
    """``record`` with ``prev_hash`` and its own ``hash``, ready to store.

    Examples
    --------
    >>> one = sealed({"generation": 1, "kind": "grids"}, "")
    >>> two = sealed({"generation": 2, "kind": "ledger"}, one["hash"])
    >>> verify([one, two]).holds, verify([one, {**two, "kind": "undo"}]).holds
    (True, False)
    """
    out = jsonable({**record, PREV: prev_hash})
    out.pop(HASH, None)
    out[HASH] = digest(out)
    return out


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify` found: whether the chain holds, how many records it covers, the problems."""

    holds: bool
    sealed: int
    unchained: int
    head: str
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"holds": self.holds, "sealed": self.sealed, "unchained": self.unchained, "head": self.head,
                "problems": self.problems}


def verify(records: Iterable[Mapping[str, Any]]) -> ChainCheck:
    """Walk the trail oldest first: every sealed record's hash must be its own, its ``prev_hash`` the hash
    of the sealed record before it (the first one's: ""), and no unsealed record may follow a sealed one."""
    problems: list[str] = []
    prev = ""
    n_sealed = n_unchained = 0
    for record in records:
        generation = record.get("generation")
        if HASH not in record:
            if n_sealed:
                problems.append(f"generation {generation}: a record without a hash after the chain began")
            n_unchained += 1
            continue
        n_sealed += 1
        if digest(record) != record[HASH]:
            problems.append(f"generation {generation}: the record was changed after it was written")
        if record.get(PREV, None) != prev:
            problems.append(f"generation {generation}: the record before it is missing or was changed")
        prev = str(record[HASH])
    return ChainCheck(holds=not problems, sealed=n_sealed, unchained=n_unchained, head=prev, problems=problems)
