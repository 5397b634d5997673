"""What the user selected: one frozen, hashable recipe that keys every cache and means the same on every page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The "every category" choice of a page control.
ALL = "all"


@dataclass(frozen=True)
class IssueFilter:
    """What the user selected; hashable so it can key a cache.

    Attributes
    ----------
    start, end
        Inclusive local dates; ``None`` means open-ended.
    categories
        Category codes to keep; empty keeps all.
    communities
        Community names to keep; empty keeps all (issues outside every grid are then kept too).
    grids
        Grid ids to keep; empty keeps all.
    statuses
        Canonical statuses to keep (``open``, ``assigned``, ``rectified``, ``closed``); empty keeps all.
    include_void
        Keep voided (作废) cases; off by default because they are not real problems.
    include_suspect
        Keep records on suspect piles (one identical coordinate used as a fallback); off by default
        because they make false hotspots.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    grids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    include_void: bool = False
    include_suspect: bool = False
