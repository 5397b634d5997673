"""What a user is shown when something fails: one line, never a traceback."""

from __future__ import annotations


def one_line(exc: BaseException, *, limit: int = 400) -> str:
    """An exception's message on one line, shortened to ``limit`` characters.

    Examples
    --------
    >>> one_line(ValueError("bad\\n  header"))
    'bad header'
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
