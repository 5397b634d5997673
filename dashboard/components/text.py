"""Text for Streamlit's markdown: ledger text must show literally, never as links, images or HTML."""

from __future__ import annotations

import re

#: Characters markdown (CommonMark + GitHub tables) gives a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """``text`` with every markdown-special character backslash-escaped (``![x](http://…)`` stays text)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
