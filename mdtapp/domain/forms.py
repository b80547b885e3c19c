"""The instruments and thresholds, read from the TOML files in forms/ and validated.

One definition serves the editor, the PDF and the checks. A malformed file is refused at start-up
with an error naming the file and the key, never half-loaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class FormsError(ValueError):
    """A forms/ file is missing, unreadable or has a bad value."""


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class MrssArea:
    key: str
    label: str  # "Right fingers", "Face"
    row_label: str  # "Fingers"
    side: str | None  # "right", "left" or None for a single midline area
    added: bool  # one of the three scleromyxedema additions (back, ears, neck)


@dataclass(frozen=True)
class MrssRow:
    label: str
    right: str | None
    left: str | None
    single: str | None
    added: bool

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.right, self.left, self.single) if k)


@dataclass(frozen=True)
class MrssDefinition:
    title: str
    short_title: str
    min_score: int
    max_score: int
    key_labels: tuple[tuple[int, str], ...]
    rows: tuple[MrssRow, ...]
    areas: tuple[MrssArea, ...]

    @property
    def area_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.areas)

    @property
    def max_total(self) -> int:
        return len(self.areas) * self.max_score

    def area(self, key: str) -> MrssArea:
        for a in self.areas:
            if a.key == key:
                return a
        raise KeyError(key)


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class VasScale:
    key: str
    label: str
    question: str
    source: str
    anchor_low: str
    anchor_high: str
    banded: bool


@dataclass(frozen=True)
class VasDefinition:
    min_mm: int
    max_mm: int
    line_length_mm: int
    scales: tuple[VasScale, ...]
    itch_bands: tuple[Band, ...]

    def scale(self, key: str) -> VasScale:
        for s in self.scales:
            if s.key == key:
                return s
        raise KeyError(key)


@dataclass(frozen=True)
class SystemicDefinition:
    note: str
    organs: tuple[Choice, ...]

    @property
    def organ_keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.organs)


@dataclass(frozen=True)
class MustRules:
    bmi_score_0_above: Decimal
    bmi_score_2_below: Decimal
    weight_loss_score_1_from_percent: Decimal
    weight_loss_score_2_above_percent: Decimal
    acute_disease_score: int
    risk_bands: tuple[Band, ...]


@dataclass(frozen=True)
class DosingRules:
    ibw_base_male_kg: Decimal
    ibw_base_female_kg: Decimal
    ibw_kg_per_inch: Decimal
    ibw_base_height_in: Decimal
    cm_per_inch: Decimal
    adjusted_if_bmi_over: Decimal
    adjusted_if_actual_over_ibw_factor: Decimal
    adjusted_weight_factor: Decimal
    short_stature_obese_if_bmi_over: Decimal
    short_stature_basis_if_not_obese: str  # ideal | adjusted | actual
    height_cm_min: Decimal
    height_cm_max: Decimal
    weight_kg_min: Decimal
    weight_kg_max: Decimal
    round_down_to_g: Decimal
    default_vial_step_g: Decimal
    allowed_vial_steps_g: tuple[Decimal, ...]
    g_per_kg_min: Decimal
    g_per_kg_max: Decimal
    g_per_kg_usual_start: Decimal
    g_per_kg_start_range_low: Decimal
    days_min: int
    days_max: int
    interval_starting_weeks: int
    interval_min_weeks: int
    interval_max_weeks: int
    interval_note_above_weeks: int
    sc_period_weeks: int
    sc_doses_per_period_choices: tuple[int, ...]


@dataclass(frozen=True)
class ScheduleRules:
    milestones_months: tuple[int, ...]
    met_window_days: int


@dataclass(frozen=True)
class FlagDefinition:
    key: str
    label: str
    policy: str


@dataclass(frozen=True)
class ResponseRules:
    mrss_points: int
    vas_mm: int
    papules_percent: Decimal
    no_response_after_months: int
    flags: tuple[FlagDefinition, ...]

    def flag(self, key: str) -> FlagDefinition:
        for f in self.flags:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    needs_biopsy: bool


@dataclass(frozen=True)
class EligibilityRules:
    adult_age_years: int
    paediatric_policy: str
    criteria_required: int
    criteria: tuple[Criterion, ...]
    contraindication_choices: tuple[str, ...]
    panel_statuses: tuple[Choice, ...]

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)


@dataclass(frozen=True)
class Forms:
    version: str
    policy: str
    source_dir: Path
    mrss: MrssDefinition
    vas: VasDefinition
    systemic: SystemicDefinition
    must: MustRules
    dosing: DosingRules
    schedule: ScheduleRules
    response: ResponseRules
    eligibility: EligibilityRules
    decisions: tuple[Choice, ...]

    def decision_label(self, key: str) -> str:
        for d in self.decisions:
            if d.key == key:
                return d.label
        return key


FLAG_KEYS = (
    "worsening_disease_activity",
    "worsening_extracutaneous",
    "worsening_quality_of_life",
    "no_response_after_6_months",
)


# ---------------------------------------------------------------- reading


class _Table:
    """Typed access to one TOML table; every error names the file and key path."""

    def __init__(self, file: str, path: str, data: Any):
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            self._fail("", "expected a table")
        self.data: dict[str, Any] = data

    def _where(self, key: str) -> str:
        return ".".join(p for p in (self.path, key) if p) or "(top level)"

    def _fail(self, key: str, message: str) -> None:
        raise FormsError(f"forms/{self.file}: {self._where(key)}: {message}")

    def _get(self, key: str) -> Any:
        if key not in self.data:
            self._fail(key, "missing")
        return self.data[key]

    def str(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.data:
            return default
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            self._fail(key, f"expected a non-empty string, got {value!r}")
        return str(value)

    def key(self, key: str) -> str:
        value = self.str(key)
        if not _KEY.match(value):
            self._fail(key, f"expected a lower_snake_case key, got {value!r}")
        return value

    def opt_key(self, key: str) -> str | None:
        return self.key(key) if key in self.data else None

    def bool(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self._fail(key, f"expected true or false, got {value!r}")
        return bool(value)

    def int(self, key: str, lo: int, hi: int) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self._fail(key, f"expected a whole number {lo}-{hi}, got {value!r}")
        return int(value)

    def dec(self, key: str, lo: str, hi: str) -> Decimal:
        return self._dec_value(key, self._get(key), lo, hi)

    def _dec_value(self, key: str, value: Any, lo: str, hi: str) -> Decimal:
        # numbers are written as strings so that 2.3 means exactly 2.3
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._fail(key, f"expected a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self._fail(key, f"expected a number, got {value!r}")
        if not number.is_finite() or not Decimal(lo) <= number <= Decimal(hi):
            self._fail(key, f"expected a number {lo}-{hi}, got {value!r}")
        return number

    def dec_list(self, key: str, lo: str, hi: str) -> tuple[Decimal, ...]:
        values = self.list(key)
        return tuple(self._dec_value(f"{key}[{i}]", v, lo, hi) for i, v in enumerate(values))

    def int_list(self, key: str, lo: int, hi: int) -> tuple[int, ...]:
        values = self.list(key)
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                self._fail(f"{key}[{i}]", f"expected a whole number {lo}-{hi}, got {v!r}")
            out.append(int(v))
        return tuple(out)

    def str_list(self, key: str) -> tuple[str, ...]:
        values = self.list(key)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                self._fail(f"{key}[{i}]", f"expected a non-empty string, got {v!r}")
        return tuple(values)

    def list(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            self._fail(key, "expected a non-empty list")
        return list(value)

    def table(self, key: str) -> _Table:
        return _Table(self.file, self._where(key), self._get(key))

    def tables(self, key: str) -> list[_Table]:
        return [
            _Table(self.file, f"{self._where(key)}[{i}]", item)
            for i, item in enumerate(self.list(key))
        ]


def _read(directory: Path, name: str) -> _Table:
    path = directory / name
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise FormsError(f"forms/{name}: file not found in {directory}") from None
    except tomllib.TOMLDecodeError as e:
        raise FormsError(f"forms/{name}: not valid TOML: {e}") from None
    return _Table(name, "", data)


def _unique(file: str, what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            raise FormsError(f"forms/{file}: {what} {k!r} is defined twice")
        seen.add(k)


def _bands(
    file: str, what: str, tables: list[_Table], lo: int, hi: int, low_key: str, high_key: str
) -> tuple[Band, ...]:
    bands = tuple(
        Band(t.str("label"), t.int(low_key, lo, hi), t.int(high_key, lo, hi)) for t in tables
    )
    expected = lo
    for band in bands:
        # bands must tile the range exactly: no gap, no overlap, in order
        if band.low != expected or band.high < band.low:
            raise FormsError(
                f"forms/{file}: {what} {band.label!r} starts at {band.low}, expected {expected}"
                " (bands must cover the range in order without gaps or overlaps)"
            )
        expected = band.high + 1
    if expected != hi + 1:
        raise FormsError(f"forms/{file}: {what} must end at {hi}, ends at {expected - 1}")
    return bands


def _load_mrss(t: _Table) -> MrssDefinition:
    lo = t.int("min_score", 0, 0)
    hi = t.int("max_score", 1, 10)
    key_labels = tuple((k.int("score", lo, hi), k.str("label")) for k in t.tables("key"))
    if [s for s, _ in key_labels] != list(range(lo, hi + 1)):
        raise FormsError(f"forms/mrss.toml: key: one label per score {lo}-{hi}, in order")
    rows: list[MrssRow] = []
    areas: list[MrssArea] = []
    for r in t.tables("row"):
        label = r.str("label")
        single = r.opt_key("single")
        right = r.opt_key("right")
        left = r.opt_key("left")
        if single and (right or left) or not single and not (right and left):
            r._fail("", "a row has either 'single' or both 'right' and 'left'")
        added = r.bool("added", False)
        rows.append(MrssRow(label, right, left, single, added))
        if single:
            areas.append(MrssArea(single, label, label, None, added))
        else:
            assert right and left
            areas.append(MrssArea(right, f"Right {label.lower()}", label, "right", added))
            areas.append(MrssArea(left, f"Left {label.lower()}", label, "left", added))
    _unique("mrss.toml", "area", [a.key for a in areas])
    return MrssDefinition(
        title=t.str("title"),
        short_title=t.str("short_title"),
        min_score=lo,
        max_score=hi,
        key_labels=key_labels,
        rows=tuple(rows),
        areas=tuple(areas),
    )


def _load_vas(t: _Table) -> VasDefinition:
    lo = t.int("min_mm", 0, 0)
    hi = t.int("max_mm", 1, 1000)
    scales = tuple(
        VasScale(
            key=s.key("key"),
            label=s.str("label"),
            question=s.str("question"),
            source=s.str("source"),
            anchor_low=s.str("anchor_low"),
            anchor_high=s.str("anchor_high"),
            banded=s.bool("banded", False),
        )
        for s in t.tables("scale")
    )
    _unique("vas.toml", "scale", [s.key for s in scales])
    return VasDefinition(
        min_mm=lo,
        max_mm=hi,
        line_length_mm=t.int("line_length_mm", 10, 1000),
        scales=scales,
        itch_bands=_bands(
            "vas.toml", "itch_band", t.tables("itch_band"), lo, hi, "from_mm", "to_mm"
        ),
    )


def _load_systemic(t: _Table) -> SystemicDefinition:
    organs = tuple(Choice(o.key("key"), o.str("label")) for o in t.tables("organ"))
    _unique("systemic.toml", "organ", [o.key for o in organs])
    return SystemicDefinition(note=t.str("note"), organs=organs)


def _load_must(t: _Table) -> MustRules:
    rules = MustRules(
        bmi_score_0_above=t.dec("bmi_score_0_above", "10", "40"),
        bmi_score_2_below=t.dec("bmi_score_2_below", "10", "40"),
        weight_loss_score_1_from_percent=t.dec("weight_loss_score_1_from_percent", "0", "100"),
        weight_loss_score_2_above_percent=t.dec("weight_loss_score_2_above_percent", "0", "100"),
        acute_disease_score=t.int("acute_disease_score", 0, 10),
        risk_bands=_bands("must.toml", "risk", t.tables("risk"), 0, 6, "from_score", "to_score"),
    )
    if rules.bmi_score_2_below > rules.bmi_score_0_above:
        raise FormsError("forms/must.toml: bmi_score_2_below must not exceed bmi_score_0_above")
    if rules.weight_loss_score_1_from_percent > rules.weight_loss_score_2_above_percent:
        raise FormsError("forms/must.toml: weight-loss thresholds are in the wrong order")
    return rules


def _load_dosing(t: _Table) -> DosingRules:
    w, c, i, s = t.table("weight"), t.table("course"), t.table("interval"), t.table("subcutaneous")
    steps = c.dec_list("allowed_vial_steps_g", "0.5", "50")
    rules = DosingRules(
        ibw_base_male_kg=w.dec("ibw_base_male_kg", "1", "200"),
        ibw_base_female_kg=w.dec("ibw_base_female_kg", "1", "200"),
        ibw_kg_per_inch=w.dec("ibw_kg_per_inch", "0", "10"),
        ibw_base_height_in=w.dec("ibw_base_height_in", "0", "100"),
        cm_per_inch=w.dec("cm_per_inch", "2.54", "2.54"),
        adjusted_if_bmi_over=w.dec("adjusted_if_bmi_over", "10", "60"),
        adjusted_if_actual_over_ibw_factor=w.dec("adjusted_if_actual_over_ibw_factor", "1", "3"),
        adjusted_weight_factor=w.dec("adjusted_weight_factor", "0", "1"),
        short_stature_obese_if_bmi_over=w.dec("short_stature_obese_if_bmi_over", "10", "60"),
        short_stature_basis_if_not_obese=w.key("short_stature_basis_if_not_obese"),
        height_cm_min=w.dec("height_cm_min", "50", "300"),
        height_cm_max=w.dec("height_cm_max", "50", "300"),
        weight_kg_min=w.dec("weight_kg_min", "1", "500"),
        weight_kg_max=w.dec("weight_kg_max", "1", "500"),
        round_down_to_g=c.dec("round_down_to_g", "1", "100"),
        default_vial_step_g=c.dec("default_vial_step_g", "0.5", "50"),
        allowed_vial_steps_g=steps,
        g_per_kg_min=c.dec("g_per_kg_min", "0.01", "5"),
        g_per_kg_max=c.dec("g_per_kg_max", "0.01", "5"),
        g_per_kg_usual_start=c.dec("g_per_kg_usual_start", "0.01", "5"),
        g_per_kg_start_range_low=c.dec("g_per_kg_start_range_low", "0.01", "5"),
        days_min=c.int("days_min", 1, 10),
        days_max=c.int("days_max", 1, 10),
        interval_starting_weeks=i.int("starting_weeks", 1, 52),
        interval_min_weeks=i.int("min_weeks", 1, 52),
        interval_max_weeks=i.int("max_weeks", 1, 52),
        interval_note_above_weeks=i.int("note_above_weeks", 1, 52),
        sc_period_weeks=s.int("period_weeks", 1, 52),
        sc_doses_per_period_choices=s.int_list("doses_per_period_choices", 1, 28),
    )
    if rules.short_stature_basis_if_not_obese not in ("ideal", "adjusted", "actual"):
        raise FormsError(
            "forms/dosing.toml: weight.short_stature_basis_if_not_obese must be ideal, "
            f"adjusted or actual, got {rules.short_stature_basis_if_not_obese!r}"
        )
    if rules.default_vial_step_g not in steps:
        raise FormsError(
            "forms/dosing.toml: course.default_vial_step_g must be one of "
            "course.allowed_vial_steps_g"
        )
    for step in steps:
        if rules.round_down_to_g % step:
            raise FormsError(
                f"forms/dosing.toml: course.allowed_vial_steps_g: {step} g does not "
                f"divide the {rules.round_down_to_g} g rounding unit"
            )
    if rules.days_min > rules.days_max or rules.g_per_kg_min > rules.g_per_kg_max:
        raise FormsError("forms/dosing.toml: course: a minimum exceeds its maximum")
    if rules.height_cm_min >= rules.height_cm_max or rules.weight_kg_min >= rules.weight_kg_max:
        raise FormsError("forms/dosing.toml: weight: a minimum exceeds its maximum")
    return rules


def _load_schedule(t: _Table) -> ScheduleRules:
    months = t.int_list("milestones_months", 1, 120)
    if list(months) != sorted(set(months)):
        raise FormsError("forms/schedule.toml: milestones_months must be increasing")
    return ScheduleRules(months, t.int("met_window_days", 0, 90))


def _load_response(t: _Table) -> ResponseRules:
    flags_table = t.table("flag")
    flags = tuple(
        FlagDefinition(
            key, flags_table.table(key).str("label"), flags_table.table(key).str("policy")
        )
        for key in FLAG_KEYS
    )
    return ResponseRules(
        mrss_points=t.int("mrss_points", 1, 60),
        vas_mm=t.int("vas_mm", 1, 100),
        papules_percent=t.dec("papules_percent", "1", "100"),
        no_response_after_months=t.int("no_response_after_months", 1, 60),
        flags=flags,
    )


def _load_eligibility(t: _Table) -> EligibilityRules:
    criteria = tuple(
        Criterion(c.key("key"), c.str("label"), c.bool("needs_biopsy", False))
        for c in t.tables("criterion")
    )
    _unique("eligibility.toml", "criterion", [c.key for c in criteria])
    statuses = tuple(Choice(p.key("key"), p.str("label")) for p in t.tables("panel_status"))
    return EligibilityRules(
        adult_age_years=t.int("adult_age_years", 16, 21),
        paediatric_policy=t.str("paediatric_policy"),
        criteria_required=t.int("criteria_required", 1, len(criteria)),
        criteria=criteria,
        contraindication_choices=t.str_list("contraindication_choices"),
        panel_statuses=statuses,
    )


def load_forms(directory: Path) -> Forms:
    """Read and validate every forms/ file in `directory`; raise FormsError naming the problem."""
    index = _read(directory, "index.toml")
    decisions = tuple(
        Choice(d.key("key"), d.str("label"))
        for d in _read(directory, "decisions.toml").tables("decision")
    )
    _unique("decisions.toml", "decision", [d.key for d in decisions])
    return Forms(
        version=index.str("version"),
        policy=index.str("policy"),
        source_dir=directory,
        mrss=_load_mrss(_read(directory, "mrss.toml")),
        vas=_load_vas(_read(directory, "vas.toml")),
        systemic=_load_systemic(_read(directory, "systemic.toml")),
        must=_load_must(_read(directory, "must.toml")),
        dosing=_load_dosing(_read(directory, "dosing.toml")),
        schedule=_load_schedule(_read(directory, "schedule.toml")),
        response=_load_response(_read(directory, "response.toml")),
        eligibility=_load_eligibility(_read(directory, "eligibility.toml")),
        decisions=decisions,
    )


@lru_cache(maxsize=4)
def _cached(directory: Path) -> Forms:
    return load_forms(directory)


def forms() -> Forms:
    """The forms in use (shipped, or MDTAPP_FORMS_DIR), loaded once."""
    from mdtapp.paths import forms_dir

    return _cached(forms_dir().resolve())
