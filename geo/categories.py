"""The category table: codes, names in both languages, time limits, severity and synonyms.

The table is data (``geo/data/categories.csv``), not code, so a street office can add its own
synonyms or limits without a release. Raw ledger labels are mapped through the synonyms; a label no
synonym knows maps to ``other`` and keeps its raw text in ``category_raw``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

OTHER = "other"
#: Above this share of 其他 a ledger's types are not mapped well enough for hotspots and priorities to
#: tell problems apart (every reason reads 「以其他为主」): the import summary and 总览 say so.
OTHER_WARNING = 0.30


def unmapped_share(category: pd.Series, raw: pd.Series, *, top: int = 5) -> tuple[float, list[tuple[str, int]]]:
    """The share of issues that are ``other`` and their most frequent raw labels (label, count).

    Examples
    --------
    >>> unmapped_share(pd.Series(["other", "other", "litter"]), pd.Series(["Streetlight", "Streetlight", "垃圾"]))
    (0.6666666666666666, [('Streetlight', 2)])
    """
    if not len(category):
        return 0.0, []
    is_other = (category.astype("string") == OTHER).fillna(False).to_numpy(dtype=bool)
    labels = raw[is_other].astype("string").fillna("").value_counts().head(top)
    return float(is_other.mean()), [(str(k), int(v)) for k, v in labels.items()]
_REQUIRED = ("code", "name_zh", "name_en", "group", "severity", "limit_days", "handling", "synonyms")


@functools.cache
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65_536)
def normalize_label(label: object) -> str:
    """Fold a raw label for matching: NFKC (full-width to half-width), simplified characters,
    trimmed, lower case.

    Notes
    -----
    Inner whitespace is removed too because hand-kept ledgers write ``乱停 乱放`` as often as
    ``乱停乱放``. Traditional characters (a Big5 ledger from Taiwan or Hong Kong: 問題類型,
    違章搭建) are folded to simplified ones with OpenCC, so the same aliases and synonyms match.
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return ""
    text = unicodedata.normalize("NFKC", str(label))
    if any(ord(ch) > 0x2E7F for ch in text):  # only CJK text needs the conversion
        text = _to_simplified().convert(text)
    return "".join(text.split()).lower()


_LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")


def _is_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def label_words(label: object) -> tuple[tuple[str, ...], str]:
    """A raw label as its Latin words in order (``_`` and punctuation split them) and its CJK text folded
    by :func:`normalize_label` (Chinese has no spaces: it is matched as a substring).

    Examples
    --------
    >>> label_words("Pothole Repair (Internal)"), label_words("乱停 乱放")
    ((('pothole', 'repair', 'internal'), ''), ((), '乱停乱放'))
    """
    text = unicodedata.normalize("NFKC", "" if label is None else str(label)).lower().replace("_", " ")
    cjk = normalize_label("".join(ch for ch in text if _is_cjk(ch)))
    return tuple(_LATIN_WORD.findall(text)), cjk


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """True when ``phrase`` occurs in ``words`` as consecutive words."""
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class CategoryTable:
    """The categories known to Gridwatch, as loaded from a category CSV.

    Attributes
    ----------
    table
        One row per category, indexed by ``code``, with the columns of the CSV
        (``synonyms`` split into a tuple).
    """

    table: pd.DataFrame
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _words: tuple[tuple[tuple[str, ...], str, str, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for code, row in self.table.iterrows():
            for label in (code, row["name_zh"], row["name_en"], *row["synonyms"]):
                key = normalize_label(label)
                if not key:
                    continue
                known = lookup.get(key)
                if known is not None and known != code:
                    raise ValueError(
                        f"label {label!r} is a synonym of both {known!r} and {code!r}; "
                        "a label must map to one category"
                    )
                lookup[key] = str(code)
        object.__setattr__(self, "_lookup", lookup)
        # Every name and synonym as a phrase (its words in order; its CJK text), longest first: the most
        # specific one a label contains decides (``Illegal Dumping`` over ``Dumping``). The codes are ours,
        # not a ledger's words (``parking`` would make "Broken Parking Meter" disorderly parking).
        words = []
        for code, row in self.table.iterrows():
            if code == OTHER:
                continue  # 其他 names no problem: containing it says nothing
            for label in (row["name_zh"], row["name_en"], *row["synonyms"]):
                latin, cjk = label_words(label)
                if latin or len(cjk) >= 2:
                    words.append((latin, cjk, str(code), len(normalize_label(label))))
        words.sort(key=lambda w: -w[3])
        object.__setattr__(self, "_words", tuple(words))

    @property
    def codes(self) -> list[str]:
        """Category codes in table order (the order used in legends and tables)."""
        return [str(c) for c in self.table.index]

    def name(self, code: str, *, lang: Literal["zh", "en"] = "zh") -> str:
        """Display name of ``code`` in ``lang``; unknown codes are returned unchanged."""
        if code not in self.table.index:
            return code
        return str(self.table.at[code, f"name_{lang}"])

    def limit_days(self, code: str) -> float:
        """Time limit in days for ``code`` (the ``other`` limit for unknown codes)."""
        key = code if code in self.table.index else OTHER
        return float(self.table["limit_days"][key])

    def match(self, label: object) -> str | None:
        """The category code for a raw label, or ``None`` when no synonym knows it."""
        return self._lookup.get(normalize_label(label))

    def suggest(self, label: object) -> str | None:
        """The category a label names exactly, else the one whose synonym's words it contains.

        A label contains a synonym when it has the synonym's words in the same order, side by side
        (``Pothole Repair (Internal)`` has ``Pothole``; ``Illegal Dumping Pickup`` has ``Illegal Dumping``;
        ``Street Light Condition`` does not have ``Street Condition``) and, for Chinese, its text
        (``机动车违停投诉`` has ``违停``). The longest synonym contained wins; ``None`` when none is.

        Examples
        --------
        >>> t = read_categories()
        >>> t.suggest("Pothole Repair (Internal)"), t.suggest("小区机动车违停"), t.suggest("Streetlight out")
        ('road_damage', 'parking', None)
        """
        exact = self.match(label)
        if exact is not None:
            return exact
        mine, cjk = label_words(label)
        if not mine and not cjk:
            return None
        for latin, their_cjk, code, _ in self._words:
            if (not latin or _contains(mine, latin)) and (not their_cjk or their_cjk in cjk):
                return code
        return None

    def map_labels(self, labels: pd.Series) -> pd.Series:
        """Map raw labels to codes by :meth:`suggest`; unknown labels become ``other`` (the raw text is kept).

        Vectorised over the distinct labels, so a 100k-row ledger with 20 labels costs 20 lookups.
        """
        uniques = pd.unique(labels.astype("string").fillna(""))
        mapping = {u: (self.suggest(u) or OTHER) for u in uniques}
        return labels.astype("string").fillna("").map(mapping).astype("string")

    def unmatched(self, labels: pd.Series) -> pd.Series:
        """Counts of raw labels that neither a synonym nor a synonym's words know, most frequent first."""
        counts = labels.astype("string").fillna("").value_counts()  # one lookup per distinct label
        known = np.array([self.suggest(label) is not None for label in counts.index], dtype=bool)
        return counts[~known]

    def with_synonyms(self, extra: dict[str, str]) -> CategoryTable:
        """A copy with extra ``raw label -> code`` synonyms (for example from a mapping file).

        Raises
        ------
        ValueError
            If a target code is not in the table.
        """
        unknown = sorted(set(extra.values()) - set(self.codes))
        if unknown:
            raise ValueError(f"unknown category codes {unknown}; known codes: {self.codes}")
        synonyms: dict[str, tuple[str, ...]] = dict(self.table["synonyms"])
        for label, code in extra.items():
            if self.match(label) != code:
                synonyms[code] = (*synonyms[code], label)
        table = self.table.copy()
        table["synonyms"] = pd.Series(synonyms, dtype=object).reindex(table.index)
        return CategoryTable(table)


def read_categories(path: str | Path | None = None) -> CategoryTable:
    """Load a category table; without ``path`` the bundled ``geo/data/categories.csv``.

    Raises
    ------
    ValueError
        If a required column is missing, a code repeats, or ``other`` is absent.
    """
    if path is None:
        source = resources.files("geo").joinpath("data/categories.csv")
        with resources.as_file(source) as p:
            frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"category table lacks columns {missing}; required: {list(_REQUIRED)}")
    if frame["code"].duplicated().any():
        raise ValueError(f"category code {frame.loc[frame['code'].duplicated(), 'code'].iloc[0]!r} repeats")
    if OTHER not in set(frame["code"]):
        raise ValueError("the category table must contain the fallback code 'other'")
    frame["severity"] = frame["severity"].astype(float)
    frame["limit_days"] = frame["limit_days"].astype(float)
    frame["synonyms"] = frame["synonyms"].map(lambda s: tuple(x for x in s.split("|") if x))
    return CategoryTable(frame.set_index("code"))
