"""The weekly bulletin: the workbook opens with openpyxl and holds the expected rows; the HTML is safe; the PDF
embeds a Chinese font and renders to readable pages."""

from __future__ import annotations

import csv
import ctypes
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.report.bulletin import build_bulletin
from geo.report.pdf import html_to_pdf
from geo.sample import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bulletin(sample: Dataset) -> object:
    return build_bulletin(sample, "2026-W45")


def test_workbook_sheets_and_rows(bulletin: object, sample: Dataset) -> None:
    book = openpyxl.load_workbook(io.BytesIO(bulletin.workbook), read_only=True)
    assert book.sheetnames == ["汇总", "网格排名", "社区排名", "督办清单", "新增与加剧热点", "考核评价（社区）",
                               "考核评价（部门）", "达标指数", "巡查盲区"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["汇总"][0] == ("指标", "本周", "上周", "变化") and len(rows["汇总"]) == 1 + 8
    assert len(rows["网格排名"]) == 1 + 35 and [r[0] for r in rows["网格排名"][1:]] == list(range(1, 36))
    assert len(rows["社区排名"]) == 1 + 6
    # Reported this week (2026-11-02..08), counted from the raw CSV: live rows off the suspect pile.
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    pile = truth["suspect_pile"]
    with open(SAMPLE_DIR / "ledger.csv", encoding="utf-8-sig", newline="") as fh:
        reported = sum(1 for r in csv.DictReader(fh) if "2026-11-02" <= r["上报时间"][:10] <= "2026-11-08"
                       and r["处置状态"] != "已作废"
                       and not (float(r["经度"]) == pile["lon"] and float(r["纬度"]) == pile["lat"]))
    assert rows["汇总"][1][:2] == ("上报", reported)
    overdue = rows["督办清单"]
    assert overdue[0][0] == "问题编号" and len(overdue) - 1 == rows["汇总"][7][1]  # the list holds every overdue case
    days = [r[6] for r in overdue[1:]]
    assert days == sorted(days, reverse=True) and min(days) > 0
    # The planted metro-exit parking hotspot is reported as consecutive in its grid this week.
    metro = next(h for h in truth["hotspots"] if h["name"] == "metro_exit")
    metro_name = sample.grids.set_index(s.GRID_ID).loc[metro["grid_id"], s.GRID_NAME]
    hot = pd.DataFrame(rows["新增与加剧热点"][1:], columns=rows["新增与加剧热点"][0])
    assert ((hot["类型"] == "连续热点") & (hot["问题类别"] == "乱停乱放") & (hot["网格"] == metro_name)).any()
    # The evaluation under the product's profile gives the league's own scores and grades (one rule, two tables).
    league = pd.DataFrame(rows["社区排名"][1:], columns=rows["社区排名"][0]).set_index("社区")
    evaluation = pd.DataFrame(rows["考核评价（社区）"][1:], columns=rows["考核评价（社区）"][0]).set_index("社区")
    assert evaluation["综合得分"].to_dict() == league["综合得分"].to_dict()
    assert evaluation["等级"].to_dict() == league["等级"].to_dict()
    # The planted blind spot is the one grid whose patrol misses significantly more than the rest.
    assert [r[0] for r in rows["巡查盲区"][1:]] == [truth["patrol_blind_spot"]]


def test_the_printed_rule_gives_the_printed_grades(bulletin: object) -> None:
    """Read the rule as a leader reads it on the page, apply it to the printed league, get its scores and
    grades (the bulletin once printed an older composite beside the dashboard's grades)."""
    import re

    page = bulletin.html
    rule = re.search(r"综合得分 = (.+?)；(A ≥ .+?)；超期占比 (.+?)；", page)
    assert rule, "the rule is printed"
    weights = {term: float(w) for w, term in re.findall(r"(\d\.\d+)×(\(100−返工率\)|\(100−超期占比\)|按期结案率|结案率)",
                                                         rule.group(1))}
    assert set(weights) == {"结案率", "按期结案率", "(100−返工率)", "(100−超期占比)"}
    floors = [(float(f), g) for g, f in re.findall(r"([A-E]) (?:≥ )?(\d+)(?:–\d+)?", rule.group(2))]
    caps = [(float(share), g) for share, g in re.findall(r"≥ (\d+)% 最高 ([A-E])", rule.group(3))]
    assert len(floors) >= 4 and len(caps) == 3
    league = bulletin.tables["社区排名"]
    assert len(league) and {"返工率（%）", "超期占比（%）"} <= set(league.columns)
    for _, row in league.iterrows():
        if not row["等级"]:
            continue
        score = (weights["结案率"] * row["结案率（%）"] + weights["按期结案率"] * row["按期结案率（%）"]
                 + weights["(100−返工率)"] * (100 - row["返工率（%）"])
                 + weights["(100−超期占比)"] * (100 - row["超期占比（%）"]))
        assert abs(score - row["综合得分"]) < 0.2, (row["社区"], score, row["综合得分"])
        letter = next((g for floor, g in sorted(floors, reverse=True) if row["综合得分"] >= floor), "E")
        for share, cap in sorted(caps):
            if row["超期占比（%）"] >= share and cap > letter:
                letter = cap
        assert letter == row["等级"], (row["社区"], letter, row["等级"])
    assert "z 值" not in page and "-0.0" not in page and "时空热点趋势" not in page


def test_every_view_the_bulletin_names_exists_on_the_hotspot_page(bulletin: object) -> None:
    import re

    from dashboard.i18n import STRINGS

    named = set(re.findall(r"查看「(.+?)」", bulletin.html))
    assert named and named <= {v["zh"] for v in STRINGS.values()}


def test_html_is_self_contained_and_printable(bulletin: object) -> None:
    page = bulletin.html
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()
    assert "@page { size: A4" in page and page.count("<svg") == 2
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "青石街道网格治理周报" in page and "督办清单" in page


def test_the_printed_map_names_every_grid_and_numbers_the_first_five(bulletin: object, sample: Dataset) -> None:
    import re

    svg = bulletin.html.split('aria-label="网格优先级地图">', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'font-size="8"[^>]*>([^<]+)</text>', svg)
    # 35 grids, each once, named without the community prefix (青石社区第4网格 -> 第4网格) as on the dashboard.
    assert len(labels) == len(sample.grids) == 35 and set(labels) <= {f"第{i}网格" for i in range(1, 12)}
    assert re.findall(r'fill="#fff">(\d+)</text>', svg) == ["1", "2", "3", "4", "5"]


def test_hostile_text_is_escaped_in_html_and_neutralised_in_excel(sample: Dataset) -> None:
    grids = sample.grids.copy()
    grids.loc[0, s.GRID_NAME] = '<img src=x onerror=alert(1)>'
    issues = sample.issues.copy()
    overdue_row = issues.index[(issues[s.STATUS] != "closed") & (issues[s.STATUS] != "void")
                               & ~issues["suspect_point"]][0]
    issues.loc[overdue_row, s.ADDRESS] = '=HYPERLINK("http://evil","点我")'
    hostile = Dataset(issues=issues, grids=grids, categories=sample.categories)
    result = build_bulletin(hostile, "2026-W45")
    assert "<img src=x" not in result.html and "&lt;img src=x onerror=alert(1)&gt;" in result.html
    book = openpyxl.load_workbook(io.BytesIO(result.workbook))
    cells = [c.value for row in book["督办清单"].iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\",\"点我\")" in cells and '=HYPERLINK("http://evil","点我")' not in cells


def test_week_validation(sample: Dataset) -> None:
    with pytest.raises(ValueError, match="2026-W45"):
        build_bulletin(sample, "2026-45")
    with pytest.raises(ValueError, match="after the last report"):
        build_bulletin(sample, "2027-W10")


def test_bulletin_command(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run = [sys.executable, "-m", "geo"]
    subprocess.run([*run, "import", "data/sample/ledger.csv", "--workspace", str(ws), "--grids",
                    "data/sample/grids.geojson"], cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.run([*run, "bulletin", "--workspace", str(ws), "--week", "2026-W45", "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["rows"]["网格排名"] == 35
    assert Path(doc["written"]["xlsx"]).name == "bulletin_2026-W45.xlsx" and Path(doc["written"]["html"]).exists()
    openpyxl.load_workbook(doc["written"]["xlsx"])
    assert Path(doc["written"]["pdf"]).read_bytes().startswith(b"%PDF-")


def _pdf_pages(data: bytes) -> tuple[list[str], list[np.ndarray]]:
    """Each page's text and its rendering (grey levels 0-255 at 72 dpi) through PDFium."""
    document = pdfium.PdfDocument(data)
    texts, images = [], []
    for page in document:
        texts.append(page.get_textpage().get_text_range())
        images.append(np.asarray(page.render(scale=1).to_pil().convert("L")))
    return texts, images


def _pdf_fonts(data: bytes) -> set[tuple[str, bool]]:
    """(base font name, embedded) of every text object on the first page, through PDFium."""
    page = pdfium.PdfDocument(data)[0]
    fonts = set()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(size)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, size)
        fonts.add((name.value.decode(), bool(pdfium_c.FPDFFont_GetIsEmbedded(font))))
    return fonts


def test_pdf_embeds_a_chinese_font_and_renders_every_section(bulletin: object, tmp_path: Path) -> None:
    data = bulletin.pdf()
    assert data.startswith(b"%PDF-")
    # The font travels inside the file (a subset), so it reads the same where no Chinese font is installed.
    fonts = _pdf_fonts(data)
    assert fonts and all(embedded for _, embedded in fonts) and any("CJK" in name for name, _ in fonts)
    texts, images = _pdf_pages(data)
    text = "".join(texts)
    for heading in ("青石街道网格治理周报", "一、总体情况", "二、重点网格", "三、近 12 周走势", "四、社区考核",
                    "五、新增与加剧热点", "六、督办清单（超期未结）"):
        assert heading in text
    first = bulletin.tables["网格排名"]["网格"].iloc[0]
    assert first in text  # the top grid is named, in characters a reader can search
    # Rendered to PNG: A4 portrait at 72 dpi. Sections run on over pages (no page left almost blank by a
    # section too tall to fit): every page carries ink, the first the title, summary and map.
    assert abs(images[0].shape[0] - 842) <= 1 and abs(images[0].shape[1] - 595) <= 1
    Image.fromarray(images[0]).save(tmp_path / "page1.png")
    assert 2 <= len(images) <= 6
    assert (images[0] < 128).mean() > 0.02 and (images[0][40:90] < 128).any()
    assert all((image < 128).mean() > 0.005 for image in images[:-1])


def test_pdf_shows_hostile_text_as_text(sample: Dataset) -> None:
    grids = sample.grids.copy()
    grids.loc[grids[s.GRID_ID] == grids[s.GRID_ID].iloc[0], s.GRID_NAME] = "<b>第一</b>网格"
    made = build_bulletin(Dataset(issues=sample.issues, grids=grids, categories=sample.categories), "2026-W45")
    assert "&lt;b&gt;第一&lt;/b&gt;网格" in made.html
    texts, _ = _pdf_pages(made.pdf())
    assert "<b>第一</b>网格" in "".join(texts).replace("\r\n", "")  # printed literally: the template escaped it


def test_pdf_refuses_to_fetch_anything() -> None:
    with pytest.raises(ValueError, match="loads nothing from outside"):
        html_to_pdf('<img src="http://127.0.0.1:9/x.png"><p>网格</p>')


def test_the_english_bulletin_is_the_same_bulletin_in_english(bulletin: object, sample: Dataset) -> None:
    """One template, the same figures: every word of ours in English; only the ledger's names stay Chinese."""
    import re

    english = build_bulletin(sample, "2026-W45", lang="en")
    assert list(english.tables) == ["Summary", "Grid ranking", "Community league", "Overdue list",
                                    "New and intensifying hot spots", "Evaluation (communities)",
                                    "Evaluation (departments)", "On-target index", "Patrol blind spots"]
    for (zh_name, zh), (en_name, en) in zip(bulletin.tables.items(), english.tables.items(), strict=True):
        assert zh.shape == en.shape, (zh_name, en_name)
        numeric = [c for c in zh.columns if pd.api.types.is_numeric_dtype(zh[c])]
        same = en[[en.columns[list(zh.columns).index(c)] for c in numeric]].set_axis(numeric, axis=1)
        assert zh[numeric].equals(same), zh_name
    # The ledger's own words (grid, community, street, department names, addresses, descriptions) may be Chinese.
    ledger_words = set()
    for frame in (sample.grids[[s.GRID_NAME, s.COMMUNITY, s.STREET]], sample.issues[[s.DEPARTMENT, s.ADDRESS,
                                                                                   s.DESCRIPTION]]):
        for column in frame:
            ledger_words |= set(frame[column].dropna().astype(str))
    # The map labels a grid by its name without its community's prefix (第3网格), as the dashboard's map does.
    ledger_words |= {name.removeprefix(str(community)) for name, community in
                     zip(sample.grids[s.GRID_NAME].astype(str), sample.grids[s.COMMUNITY], strict=True)}
    text = re.sub(r"<[^>]+>", " ", english.html)
    for word in sorted(ledger_words, key=len, reverse=True):
        text = text.replace(word, " ")
    leftover = sorted(set(re.findall(r"[\u4e00-\u9fff]+", text)))
    assert leftover == [], leftover[:20]
    assert "Score = 0.25 × close rate" in english.html and "Weekly grid management bulletin" in english.html
    assert english.tables["Grid ranking"]["Leading reasons"].str.contains("expected in 4 weeks").all()
