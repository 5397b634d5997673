"""Evaluation profiles (考核方案): which indicators grade 区域, 部门 and 岗位, with what weights and targets.

A profile is named and versioned, so a printed grade says which rule gave it. Three ship:

* ``gridwatch`` — the product's composite (0.25 结案率 + 0.35 按期结案率 + 0.15 (100 − 返工率) + 0.25
  (100 − 超期占比), with the backlog caps), the rule 整改 has always graded by;
* ``gbt30428.4`` — the national evaluation of digital city management (CJ/T 292 → GB/T 30428.4) as found in
  its reference implementation (``../shared/reference/urban-management-standards.md`` §1.5): 区域
  10 % 监督举报率 + 20 % 立案数 + 30 % 结案率 + 40 % 按期结案率 (the implementation writes 10 % for the last,
  so its weights sum to 70 %; we read 40 % and say so), 部门 10 % 立案数 + 30 % 处置率 + 30 % 按时处置率 + 30 %
  (100 − 返工率), 监督员 40 % 有效上报率 + 20 % 漏报率 + 20 % 按时核实率 + 20 % 按时核查率;

Under every profile each unit also gets an on-target index (Boston's CityScore idea): each weighted
indicator divided by its target, capped at 1.25, averaged with the profile's weights.

A province's own variant (浙江's 绩效评价规范, 深圳's DB4403/T 32) is a file, not code: the reference holds
their titles but not their weights, so we ship none we cannot cite. An administrator writes
``evaluation.toml`` in the workspace folder (``docs/evaluation.md`` has a full example)::

    profile = "gbt30428.4"            # the workspace's default profile
    [targets]                         # percent for rates
    close_rate = 95
    [profiles.zhejiang]               # a profile of the office's own, based on a shipped one
    base = "gbt30428.4"
    title = "浙江省考核（本局口径）"
    version = "2026-01"
    [profiles.zhejiang.weights.area]
    public_share = 0.2
    reported = 0.1
    close_rate = 0.3
    on_time_rate = 0.4

:func:`load_settings` validates it: an unknown indicator, a weight outside 0-1, weights of one object
not summing to 1, a rate target outside 0-100 each give one clear line (:class:`EvaluationConfigError`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final, Literal

from geo.ops.rectification import GRADES, OVERDUE_CAPS, grade_bands

Subject = Literal["area", "department", "inspector"]
SUBJECTS: Final[tuple[Subject, ...]] = ("area", "department", "inspector")
#: The file an administrator writes in the workspace folder.
SETTINGS_FILE: Final = "evaluation.toml"


@dataclass(frozen=True)
class Indicator:
    """One evaluation indicator: its names, its formula in words, which way is better, what it needs.

    ``kind`` is ``rate`` (percent, scored as itself or 100 minus itself) or ``count`` (scored against the
    median of the units evaluated beside it, see :mod:`geo.ops.evaluation`). ``needs`` names what the
    ledger must give (``status``, ``closed_at``, ``source``, ``reporter``, ``verify_times``).
    """

    key: str
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    better: Literal["higher", "lower"]
    kind: Literal["rate", "count"]
    needs: frozenset[str] = frozenset()


def _i(key: str, zh: str, en: str, fzh: str, fen: str, better: Literal["higher", "lower"],
       kind: Literal["rate", "count"], *needs: str) -> Indicator:
    return Indicator(key, zh, en, fzh, fen, better, kind, frozenset(needs))


#: Every indicator a profile may use.
INDICATORS: Final[dict[str, Indicator]] = {i.key: i for i in (
    _i("reported", "立案数", "Cases", "期内上报且未作废的案件数（按面积折算后与同级单位中位数比较）",
       "cases reported in the period and not void (per km², against the median of the units beside it)",
       "lower", "count"),
    _i("close_rate", "结案率", "Close rate", "结案数 ÷ 应结案数 × 100%", "closed ÷ due × 100 %", "higher", "rate",
       "status"),
    _i("on_time_rate", "按期结案率", "On-time rate", "按期结案数 ÷ 应结案数（结案时间已知）× 100%",
       "closed on time ÷ due (close time known) × 100 %", "higher", "rate", "status", "closed_at"),
    _i("rework_rate", "返工率", "Rework rate", "返工数（结案后重新打开）÷ 应结案数 × 100%",
       "reopened after closing ÷ due × 100 %", "lower", "rate", "status"),
    _i("public_share", "监督举报率", "Reported-by-others share",
       "（督导检查 + 12345热线 + 群众举报）÷ 来源已知的立案数 × 100%",
       "(supervision + hotline + public) ÷ cases with a known source × 100 %", "lower", "rate", "source"),
    _i("found_share", "主动发现率", "Found-by-patrol share", "（网格巡查 + 视频巡查）÷ 来源已知的立案数 × 100%",
       "(patrol + video) ÷ cases with a known source × 100 %", "higher", "rate", "source"),
    _i("overdue_open", "超期未结", "Overdue open", "评价时点仍未结案且已过期限的案件数（含期初结转）",
       "cases still open past their deadline at the evaluation time (backlog included)", "lower", "count", "status"),
    _i("overdue_share", "超期占比", "Overdue share", "超期未结 ÷（应结案数 + 期初超期结转）× 100%",
       "overdue open ÷ (due + overdue carried in) × 100 %", "lower", "rate", "status"),
    _i("due", "应处置数", "Due", "期内上报、评价时点已结案或已过期限的案件数",
       "cases of the period closed or past their deadline at the evaluation time", "lower", "count", "status"),
    _i("dispose_rate", "处置率", "Handled rate", "（已结案 + 已整改待核查）÷ 应处置数 × 100%",
       "(closed + rectified awaiting check) ÷ due × 100 %", "higher", "rate", "status"),
    _i("on_time_dispose_rate", "按期处置率", "Handled-on-time rate",
       "期限内结案数 ÷ 应处置数（时间已知）× 100%（台账只记结案时间：期限内结案者必期限内处置，故为下限）",
       "closed by the deadline ÷ due (time known) × 100 % (the ledger times only the close-out, so this is a "
       "lower bound)", "higher", "rate", "status", "closed_at"),
    _i("reports", "上报数", "Reports", "该人员期内上报的案件数（含作废与重复）",
       "cases the person reported in the period (void and duplicates included)", "higher", "count", "reporter"),
    _i("valid_report_rate", "有效上报率", "Valid-report rate", "（上报数 − 作废 − 疑似重复）÷ 上报数 × 100%",
       "(reports − void − likely duplicates) ÷ reports × 100 %", "higher", "rate", "reporter"),
    _i("missed", "漏报数", "Missed", "所负责网格中由督导、热线或群众先报的案件数",
       "cases in the person's grids first reported by supervision, the hotline or the public", "lower", "count",
       "reporter", "source"),
    _i("missed_rate", "漏报率", "Missed rate", "漏报数 ÷ 所负责网格来源已知的立案数 × 100%",
       "missed ÷ cases with a known source in the person's grids × 100 %", "lower", "rate", "reporter", "source"),
    _i("on_time_verify_rate", "按时核实率", "On-time verification", "按时核实数 ÷ 应核实数 × 100%",
       "verified in time ÷ to verify × 100 %", "higher", "rate", "verify_times"),
    _i("on_time_check_rate", "按时核查率", "On-time check", "按时核查数 ÷ 应核查数 × 100%",
       "checked in time ÷ to check × 100 %", "higher", "rate", "verify_times"),
)}

#: Facts of a case-handling workflow log (when a case was verified, when checked) that a problem ledger never
#: carries: an indicator needing only these is left out of a composite and the other weights scaled up (said
#: in the printed rule). Any other fact a ledger lacks (its status, close times, sources, reporters) means no
#: composite and no grade, as on 整改 (``geo.ops.rectification.KPI_NEEDS``): a grade whose heaviest term is
#: missing would be another rule under the same name.
WORKFLOW_FACTS: Final[frozenset[str]] = frozenset({"verify_times"})

#: What each subject shows in its table (beside the profile's weighted indicators).
SHOWN: Final[dict[Subject, tuple[str, ...]]] = {
    "area": ("reported", "close_rate", "on_time_rate", "rework_rate", "public_share", "found_share", "overdue_open",
             "overdue_share"),
    "department": ("due", "dispose_rate", "on_time_dispose_rate", "close_rate", "rework_rate", "overdue_open",
                   "overdue_share"),
    "inspector": ("reports", "valid_report_rate", "missed", "missed_rate"),
}

#: Default targets: a rate's A band (90 % for one where higher is better, 10 % for one where lower is),
#: so "on target" and "graded A on it" mean the same; counts are held against the median of their peers.
DEFAULT_RATE_TARGET: Final = 90.0


@dataclass(frozen=True)
class Profile:
    """A named, versioned evaluation rule.

    Attributes
    ----------
    weights
        Per subject, ``indicator -> weight`` (each subject's weights sum to 1).
    caps
        Backlog caps on the grade (``(overdue share, worst grade)``), as the product's own rule has.
    targets
        ``indicator -> target`` (percent) for the index; rates not named use :data:`DEFAULT_RATE_TARGET`.
    """

    key: str
    title_zh: str
    title_en: str
    version: str
    source_zh: str
    source_en: str
    weights: Mapping[Subject, Mapping[str, float]]
    grades: tuple[tuple[float, str], ...] = GRADES
    caps: tuple[tuple[float, str], ...] = ()
    targets: Mapping[str, float] = field(default_factory=dict)

    def title(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The profile's name and version as printed (``GB/T 30428.4（参考实现） 2024``)."""
        return f"{self.title_zh if lang == 'zh' else self.title_en} · {self.version}"

    def source(self, lang: Literal["zh", "en"] = "zh") -> str:
        """Where the profile's indicators and weights come from, in ``lang``."""
        return self.source_zh if lang == "zh" else self.source_en

    def target(self, key: str) -> float:
        """The target of a rate indicator in percent (the A band unless set)."""
        if key in self.targets:
            return float(self.targets[key])
        return DEFAULT_RATE_TARGET if INDICATORS[key].better == "higher" else 100 - DEFAULT_RATE_TARGET


PROFILES: Final[dict[str, Profile]] = {p.key: p for p in (
    Profile("gridwatch", "Gridwatch 综合考核", "Gridwatch composite", "2025.1",
            "本产品的整改考核规则（与「整改」页的综合得分相同）",
            "the product's rectification rule (the Rectification page's score)",
            {"area": {"close_rate": 0.25, "on_time_rate": 0.35, "rework_rate": 0.15, "overdue_share": 0.25},
             "department": {"close_rate": 0.25, "on_time_rate": 0.35, "rework_rate": 0.15, "overdue_share": 0.25},
             "inspector": {"valid_report_rate": 0.5, "missed_rate": 0.5}},
            caps=OVERDUE_CAPS),
    Profile("gbt30428.4", "GB/T 30428.4 绩效评价（参考实现）", "GB/T 30428.4 evaluation (reference implementation)",
            "2024", "CJ/T 292（现 GB/T 30428.4）绩效评价在一个开源城市管理平台中的实现（区域、部门、岗位三类公式）；"
            "按期结案率权重原文为 10%（合计仅 70%），此处按 40%",
            "CJ/T 292 (now GB/T 30428.4) as implemented in an open-source city-management platform (area, department "
            "and position formulas); its code weighs the on-time rate at 10 % (summing to 70 %), read here as 40 %",
            {"area": {"public_share": 0.10, "reported": 0.20, "close_rate": 0.30, "on_time_rate": 0.40},
             "department": {"due": 0.10, "dispose_rate": 0.30, "on_time_dispose_rate": 0.30, "rework_rate": 0.30},
             "inspector": {"valid_report_rate": 0.40, "missed_rate": 0.20, "on_time_verify_rate": 0.20,
                           "on_time_check_rate": 0.20}}),
)}
DEFAULT_PROFILE: Final = "gridwatch"


class EvaluationConfigError(ValueError):
    """``evaluation.toml`` is not valid; the message is one line naming the file and the value."""


@dataclass(frozen=True)
class Settings:
    """A workspace's evaluation settings: its default profile and every profile it may choose."""

    default: str
    profiles: Mapping[str, Profile]

    @property
    def profile(self) -> Profile:
        """The workspace's default profile."""
        return self.profiles[self.default]


def _number(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise EvaluationConfigError(f"{where} must be a number, got {value!r}")
    return float(value)


def _targets(where: str, raw: object) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise EvaluationConfigError(f"{where} must be a table of indicator = percent")
    out = {}
    for key, value in raw.items():
        ind = INDICATORS.get(key)
        if ind is None:
            raise EvaluationConfigError(f"{where}: unknown indicator {key!r}; known: {', '.join(INDICATORS)}")
        if ind.kind != "rate":
            raise EvaluationConfigError(f"{where}.{key}: a count is held against its peers' median, not a target")
        number = _number(f"{where}.{key}", value)
        if not 0 <= number <= 100:
            raise EvaluationConfigError(f"{where}.{key} must be a percent between 0 and 100, got {number:g}")
        out[key] = number
    return out


def _weights(where: str, raw: object) -> dict[Subject, dict[str, float]]:
    if not isinstance(raw, Mapping):
        raise EvaluationConfigError(f"{where} must have tables area, department and/or inspector")
    out: dict[Subject, dict[str, float]] = {}
    for subject, table in raw.items():
        if subject not in SUBJECTS:
            raise EvaluationConfigError(f"{where}: unknown subject {subject!r}; known: {', '.join(SUBJECTS)}")
        if not isinstance(table, Mapping) or not table:
            raise EvaluationConfigError(f"{where}.{subject} must be a table of indicator = weight")
        weights = {}
        for key, value in table.items():
            if key not in INDICATORS:
                raise EvaluationConfigError(f"{where}.{subject}: unknown indicator {key!r}; known: "
                                            f"{', '.join(INDICATORS)}")
            weight = _number(f"{where}.{subject}.{key}", value)
            if not 0 <= weight <= 1:
                raise EvaluationConfigError(f"{where}.{subject}.{key} must be a weight between 0 and 1, got {weight:g}")
            weights[key] = weight
        total = sum(weights.values())
        if abs(total - 1) > 1e-6:
            raise EvaluationConfigError(f"{where}.{subject}: weights must sum to 1, they sum to {total:g}")
        out[subject] = weights
    return out


def parse_settings(text: str, *, name: str = SETTINGS_FILE) -> Settings:
    """Settings from the text of an ``evaluation.toml`` (see the module's docstring).

    Raises
    ------
    EvaluationConfigError
        One line naming the file and what is wrong.

    Examples
    --------
    >>> parse_settings('profile = "gbt30428.4"\\n[targets]\\nclose_rate = 95').profile.target("close_rate")
    95.0
    >>> try:
    ...     parse_settings('[targets]\\nclose_rate = 120')
    ... except EvaluationConfigError as err:
    ...     print(err)
    evaluation.toml: targets.close_rate must be a percent between 0 and 100, got 120
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise EvaluationConfigError(f"{name}: not valid TOML ({err})") from None
    known = {"profile", "targets", "profiles"}
    extra = sorted(set(raw) - known)
    try:
        if extra:
            raise EvaluationConfigError(f"unknown key {extra[0]!r}; known: {', '.join(sorted(known))}")
        targets = _targets("targets", raw.get("targets", {}))
        profiles = {k: replace(p, targets={**p.targets, **targets}) for k, p in PROFILES.items()}
        own = raw.get("profiles", {})
        if not isinstance(own, Mapping):
            raise EvaluationConfigError("profiles must be tables [profiles.<name>]")
        for key, spec in own.items():
            where = f"profiles.{key}"
            if not isinstance(spec, Mapping):
                raise EvaluationConfigError(f"{where} must be a table")
            base_key = spec.get("base", DEFAULT_PROFILE)
            if base_key not in profiles:
                raise EvaluationConfigError(f"{where}.base: unknown profile {base_key!r}; known: {', '.join(profiles)}")
            base = profiles[base_key]
            weights = {**base.weights, **_weights(f"{where}.weights", spec.get("weights", {}))}
            unknown = sorted(set(spec) - {"base", "title", "title_en", "version", "weights", "targets"})
            if unknown:
                raise EvaluationConfigError(f"{where}: unknown key {unknown[0]!r}")
            profiles[key] = replace(base, key=key, title_zh=str(spec.get("title", key)),
                                    title_en=str(spec.get("title_en", spec.get("title", key))),
                                    version=str(spec.get("version", "1")),
                                    source_zh=f"本单位设置文件 {name}（{where}，基于 {base.title_zh}）",
                                    source_en=f"this office's settings file {name} ({where}, based on {base.title_en})",
                                    weights=weights,
                                    targets={**base.targets, **_targets(f"{where}.targets", spec.get("targets", {}))})
        default = raw.get("profile", DEFAULT_PROFILE)
        if default not in profiles:
            raise EvaluationConfigError(f"profile: unknown profile {default!r}; known: {', '.join(profiles)}")
    except EvaluationConfigError as err:
        raise EvaluationConfigError(f"{name}: {err}") from None
    return Settings(default=str(default), profiles=profiles)


def shipped_settings() -> Settings:
    """The shipped profiles, the product's own the default (a workspace without a settings file)."""
    return Settings(default=DEFAULT_PROFILE, profiles=dict(PROFILES))


def load_settings(workspace: str | Path) -> Settings:
    """The workspace's settings from ``<workspace>/evaluation.toml``, or the shipped profiles if there is none.

    Raises
    ------
    EvaluationConfigError
        When the file exists and is not valid.
    """
    path = Path(workspace) / SETTINGS_FILE
    if not path.is_file():
        return shipped_settings()
    if path.stat().st_size > 256_000:  # a settings file is a few lines; a large one is not read into memory
        raise EvaluationConfigError(f"{SETTINGS_FILE}: larger than 256 kB, not a settings file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvaluationConfigError(f"{SETTINGS_FILE}: not UTF-8 text") from None
    return parse_settings(text)


def formula(profile: Profile, subject: Subject, lang: Literal["zh", "en"] = "zh",
            dropped: frozenset[str] = frozenset()) -> str:
    """The composite of ``subject`` under ``profile`` in words, written from its weights (so the printed rule
    is the rule that graded); indicators the ledger cannot give (``dropped``) are named as left out.

    Examples
    --------
    >>> rule, bands = formula(PROFILES["gbt30428.4"], "area").split("；")
    >>> rule
    '综合得分 = 0.10×监督举报率得分 + 0.20×立案数得分 + 0.30×结案率得分 + 0.40×按期结案率得分'
    >>> bands
    'A ≥ 90，B 75–90，C 60–75，D 40–60，E < 40'
    """
    zh = lang == "zh"
    weights = profile.weights[subject]
    terms = " + ".join(f"{w:.2f}{'×' if zh else ' × '}{INDICATORS[k].zh if zh else INDICATORS[k].en}"
                       f"{'得分' if zh else ' score'}" for k, w in weights.items() if k not in dropped)
    bands = grade_bands(profile.grades)
    sep = "，" if zh else ", "
    out = f"{'综合得分' if zh else 'Score'} = {terms}{'；' if zh else '; '}{sep.join(bands)}"
    if profile.caps and subject != "inspector":  # the backlog caps grade units with cases, not people
        caps = sorted(profile.caps)
        out += ("；超期占比 " + "，".join(f"≥ {s:.0f}% 最高 {c}" for s, c in caps) if zh else
                "; an overdue share of " + ", ".join(f"{s:.0f} % or more caps it at {c}" for s, c in caps))
    left = [INDICATORS[k].zh if zh else INDICATORS[k].en for k in weights if k in dropped]
    if left:
        out += (f"（台账无此信息、不计：{'、'.join(left)}；其余权重按比例放大）" if zh else
                f" (not in the ledger, left out: {', '.join(left)}; the other weights scaled up)")
    return out


def scoring_rule(lang: Literal["zh", "en"] = "zh") -> str:
    """How an indicator becomes a 0-100 score and a ratio to its target (the 计算说明's second line)."""
    if lang == "zh":
        return ("指标得分：比率类“越高越好”取比率本身，“越低越好”取 100 − 比率；数量类与同级单位中位数相比"
                "（越低越好：100 × 中位数 ÷ 本单位，最高 100）。达标指数：各指标 ÷ 目标值（越低越好取目标 ÷ 指标），"
                "上限 1.25，按权重平均；≥ 1 达标，0.9–1 接近，< 0.9 未达标。")
    return ("Indicator score: a rate where higher is better scores itself, one where lower is better 100 − itself; "
            "a count is held against the median of its peers (lower is better: 100 × min(1, median ÷ own)). Index: "
            "each indicator ÷ its target (target ÷ indicator where lower is better), capped at 1.25, weighted; "
            "≥ 1 on target, 0.9–1 near, < 0.9 below.")
