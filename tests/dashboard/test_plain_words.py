"""The face of every page speaks a street office's language: method names, p-values and z-scores live only
in the 计算说明 expanders (and in docs)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.dashboard.test_app import PAGES, run_app

#: Terms that need a statistics course (or are the machinery's own words), in either language.
JARGON = ("Gi*", "Getis", "Moran", "核密度", "Kernel density", "Mann-Kendall", "Theil-Sen", "p =", "p-value",
          "率比", "Rate ratio", "z 值", "z-score", "置信区间", "CI)", "显著", "significant", "已聚合", "aggregated",
          "python -m", "ArcGIS", "Silverman", "FDR", "Benjamini", "PAI", "PEI", "泊松", "Poisson", "分位", "percentile",
          "栅格", "raster", "像素", "pixels", "2 MB")
VIEWS = ("gi", "emerging", "outliers", "density", "recurrence", "patrol_gap")


def face_text(node: object) -> list[str]:
    """Every string shown on the page outside expanders: titles, captions, labels, options, table headers and cells."""
    if type(node).__name__ == "Expander":
        return []
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        return [text for child in children.values() for text in face_text(child)]
    texts: list[str] = []
    for attr in ("label", "value", "options"):
        try:
            value = getattr(node, attr, None)
        except Exception:
            continue
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list | tuple):
            texts.extend(str(v) for v in value)
        elif isinstance(value, pd.DataFrame):
            texts.extend(map(str, value.columns))
            for column in value.columns:
                if value[column].dtype == object:
                    texts.extend(value[column].astype(str).head(50))
    return texts


def _jargon(texts: list[str]) -> list[tuple[str, str]]:
    return [(term, text[:80]) for text in texts for term in JARGON if term in text]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [p for p in PAGES if not p.endswith("data.py")])
def test_no_term_on_the_face_of_a_page_needs_a_statistics_course(page: str, lang: str) -> None:
    at = run_app(page, gw_lang=lang)
    assert _jargon(face_text(at.main)) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_evaluation_section_speaks_plainly(lang: str) -> None:
    at = run_app("app_pages/evaluation.py", gw_lang=lang)
    for option in at.radio(key="gw_eval_section").options:
        at.radio(key="gw_eval_section").set_value(option).run()
        assert _jargon(face_text(at.main)) == [], option


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", VIEWS)
def test_every_hotspot_view_speaks_plainly(view: str, lang: str) -> None:
    at = run_app("app_pages/hotspots.py", gw_lang=lang, gw_hot_view=view)
    assert _jargon(face_text(at.main)) == []


def test_the_method_names_are_still_there_for_those_who_look() -> None:
    at = run_app("app_pages/trends.py")
    inside = [text for e in at.expander for text in face_text_all(e)]
    assert any("Mann-Kendall" in text for text in inside) and any("Theil-Sen" in text for text in inside)


def face_text_all(node: object) -> list[str]:
    """Every string under ``node``, expanders included."""
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        return [text for child in children.values() for text in face_text_all(child)]
    return face_text(node) if type(node).__name__ != "Expander" else []
