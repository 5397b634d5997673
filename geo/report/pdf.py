"""The bulletin as PDF: the same HTML page rendered by WeasyPrint, Chinese fonts embedded.

City offices file PDFs. WeasyPrint lays out HTML and CSS offline (no browser, no network: the page
has no external resources) and embeds the subset of every font it uses, so the file reads the same
on a machine without Chinese fonts. It finds fonts through fontconfig, so the machine that *makes*
the PDF needs one: :func:`chinese_font` checks, and the error says which package to install,
rather than letting the PDF come out in empty boxes (tofu).

Examples
--------
>>> from geo.report.pdf import html_to_pdf
>>> html_to_pdf("<p>网格治理周报</p>")[:5]  # doctest: +SKIP
b'%PDF-'
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import Final

#: The families the bulletin's CSS asks for first; any one of them is enough.
CJK_FAMILIES: Final = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei")
INSTALL_HINT: Final = "install a Chinese font first (Debian: apt-get install fonts-noto-cjk)"


class FontMissing(RuntimeError):
    """No Chinese font on this machine: a PDF would show empty boxes instead of characters."""


@functools.cache
def chinese_font() -> str:
    """The family name of an installed Chinese font, from fontconfig.

    Raises
    ------
    FontMissing
        When fontconfig knows no font covering Chinese.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMissing(f"fontconfig (fc-list) is not installed: {INSTALL_HINT}")
    listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False,
                            timeout=30).stdout
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    for family in CJK_FAMILIES:
        if family in families:
            return family
    if families - {""}:
        return sorted(families - {""})[0]
    raise FontMissing(f"no Chinese font found: {INSTALL_HINT}")


def html_to_pdf(page: str) -> bytes:
    """The PDF of a self-contained HTML page (A4 as its CSS says), with the fonts it uses embedded.

    Raises
    ------
    FontMissing
        When no Chinese font is installed (see :func:`chinese_font`).
    """
    import weasyprint  # imported here: it loads Pango, which the rest of Gridwatch never needs

    family = chinese_font()
    # The CSS lists the usual Chinese families; naming the installed one first makes the choice explicit.
    css = weasyprint.CSS(string=f'body {{ font-family: "{family}", sans-serif; }}')
    # No base_url and a fetcher that allows no protocol at all: the page is self-contained, and a stray
    # URL in ledger text must never make the server fetch anything (a fetch stops the rendering).
    refuse_all = weasyprint.urls.URLFetcher(allowed_protocols=(), fail_on_errors=True)
    try:
        return bytes(weasyprint.HTML(string=page, url_fetcher=refuse_all).write_pdf(stylesheets=[css]))
    except weasyprint.urls.FatalURLFetchingError as fetch:
        raise ValueError(f"the bulletin loads nothing from outside: {fetch}") from None
