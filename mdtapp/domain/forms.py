"""The instruments and thresholds, read from the TOML files in forms/ and validated.

One definition serves the editor, the PDF and the checks. A malformed file is refused at start-up
with an error naming the file and the key, never half-loaded.
"""

from __future__ import annotations

import builtins
import re
import tomllib
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mdtapp.domain.measures import (
    EDITOR_COLUMNS,
    MEASURE_TYPES,
    OUTPUTS,
    AssessmentDefinition,
    CountAtSiteMeasure,
    DateMeasure,
    Measure,
    MrssGridMeasure,
    NumberMeasure,
    OrganTableMeasure,
    PhotosMeasure,
    Section,
    TextMeasure,
    VasMeasure,
    YesNoMeasure,
)

if TYPE_CHECKING:
    from mdtapp.domain.meeting import MeetingRules
    from mdtapp.domain.photo_rules import PhotoRules

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_MEASURE_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


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
    added: bool  # one of the areas added for scleromyxedema (mrss.toml: back, ears, neck)


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
    name: str  # "Modified Rodnan skin score"
    short_title: str
    min_score: int
    max_score: int
    key_labels: tuple[tuple[int, str], ...]
    rows: tuple[MrssRow, ...]
    areas: tuple[MrssArea, ...]
    added_note: str  # "added for scleromyxedema": the rows marked added, printed with a *
    added_source: str

    @property
    def title(self) -> str:
        """'Modified Rodnan skin score (20 areas)': the count follows the areas defined."""
        return f"{self.name} ({len(self.areas)} areas)"

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(range(self.min_score, self.max_score + 1))

    @property
    def score_range(self) -> str:
        """'0–3', as a key or a prompt says it."""
        return f"{self.min_score}–{self.max_score}"

    @property
    def key_text(self) -> str:
        """'0 no thickening; 1 mild thickening; ...' from the key in forms/mrss.toml."""
        return "; ".join(f"{score} {label.lower()}" for score, label in self.key_labels)

    @property
    def added_rows(self) -> tuple[MrssRow, ...]:
        return tuple(r for r in self.rows if r.added)

    @property
    def added_text(self) -> str:
        """'added for scleromyxedema (back, ears, neck)'."""
        names = ", ".join(r.label.lower() for r in self.added_rows)
        return f"{self.added_note} ({names})"

    @cached_property
    def area_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.areas)  # once: every mRSS total reads it

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
class VasDefinition:
    min_mm: int
    max_mm: int
    line_length_mm: int
    band_sets: tuple[tuple[str, tuple[Band, ...]], ...]  # ("itch_band", bands), from vas.toml
    scales: tuple[VasMeasure, ...] = ()  # the vas_mm measures of assessment.toml, in order

    @property
    def itch_bands(self) -> tuple[Band, ...]:
        return dict(self.band_sets)["itch_band"]

    def scale(self, key: str) -> VasMeasure:
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
    # the assessment's measures MUST is scored from (forms/must.toml [inputs])
    weight_measure: str = "nutrition.weight_kg"
    weight_before_measure: str = "nutrition.weight_3_6_months_ago_kg"
    acutely_ill_measure: str = "nutrition.acutely_ill_no_intake_5_days"


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
    short: str = ""  # a few words, for a list's column; the label where none is given

    @property
    def short_label(self) -> str:
        return self.short or self.label


RESPONSE = "response"
CHANGES: dict[str, tuple[str, ...]] = {
    # the ways a measure of each type can feed a criterion
    "mrss_grid": ("down", "up"),
    "vas_mm": ("down", "up"),
    "count_at_site": ("down", "up"),
    "yes_no": ("yes", "newly_yes"),
    "organ_table": ("progressed", "newly_involved"),
}
THRESHOLDS = ("mrss_points", "vas_mm", "papules_percent")


@dataclass(frozen=True)
class Feed:
    """One way a measure feeds response or a stopping criterion (forms/response.toml)."""

    measure: str
    criterion: str  # "response" or a flag key
    versus: str | None  # baseline | previous | None (judged on this assessment alone)
    change: str  # down | up | yes | newly_yes | progressed | newly_involved
    by: str | None  # the threshold's name: mrss_points, vas_mm, papules_percent
    threshold: Decimal | None


@dataclass(frozen=True)
class ResponseRules:
    mrss_points: int
    vas_mm: int
    papules_percent: Decimal
    no_response_after_months: int
    flags: tuple[FlagDefinition, ...]
    feeds: tuple[Feed, ...] = ()

    def feeding(self, criterion: str) -> tuple[Feed, ...]:
        return tuple(f for f in self.feeds if f.criterion == criterion)

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
    photos: PhotoRules  # photos.toml: the views, the counting square, the ruler, photo bounds
    eligibility: EligibilityRules
    decisions: tuple[Choice, ...]
    assessment: AssessmentDefinition
    meeting: MeetingRules  # meeting.toml: attendee roles, the quorum, agenda states

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

    def __init__(self, file: builtins.str, path: builtins.str, data: Any):
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            self._fail("", "expected a table")
        self.data: dict[builtins.str, Any] = data

    def _where(self, key: builtins.str) -> builtins.str:
        return ".".join(p for p in (self.path, key) if p) or "(top level)"

    def _fail(self, key: builtins.str, message: builtins.str) -> NoReturn:
        raise FormsError(f"forms/{self.file}: {self._where(key)}: {message}")

    def _get(self, key: builtins.str) -> Any:
        if key not in self.data:
            self._fail(key, "missing")
        return self.data[key]

    def str(self, key: builtins.str, default: builtins.str | None = None) -> builtins.str:
        if default is not None and key not in self.data:
            return default
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            self._fail(key, f"expected a non-empty string, got {value!r}")
        return str(value)

    def key(self, key: builtins.str) -> builtins.str:
        value = self.str(key)
        if not _KEY.match(value):
            self._fail(key, f"expected a lower_snake_case key, got {value!r}")
        return value

    def opt_key(self, key: builtins.str) -> builtins.str | None:
        return self.key(key) if key in self.data else None

    def bool(self, key: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self._fail(key, f"expected true or false, got {value!r}")
        return bool(value)

    def int(self, key: builtins.str, lo: builtins.int, hi: builtins.int) -> builtins.int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self._fail(key, f"expected a whole number {lo}-{hi}, got {value!r}")
        return int(value)

    def dec(self, key: builtins.str, lo: builtins.str, hi: builtins.str) -> Decimal:
        return self._dec_value(key, self._get(key), lo, hi)

    def _dec_value(
        self, key: builtins.str, value: Any, lo: builtins.str, hi: builtins.str
    ) -> Decimal:
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

    def dec_list(
        self, key: builtins.str, lo: builtins.str, hi: builtins.str
    ) -> tuple[Decimal, ...]:
        values = self.list(key)
        return tuple(self._dec_value(f"{key}[{i}]", v, lo, hi) for i, v in enumerate(values))

    def int_list(
        self, key: builtins.str, lo: builtins.int, hi: builtins.int
    ) -> tuple[builtins.int, ...]:
        values = self.list(key)
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                self._fail(f"{key}[{i}]", f"expected a whole number {lo}-{hi}, got {v!r}")
            out.append(int(v))
        return tuple(out)

    def str_list(self, key: builtins.str) -> tuple[builtins.str, ...]:
        values = self.list(key)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                self._fail(f"{key}[{i}]", f"expected a non-empty string, got {v!r}")
        return tuple(values)

    def list(self, key: builtins.str) -> builtins.list[Any]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            self._fail(key, "expected a non-empty list")
        return list(value)

    def table(self, key: builtins.str) -> _Table:
        return _Table(self.file, self._where(key), self._get(key))

    def tables(self, key: builtins.str) -> builtins.list[_Table]:
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
        name=t.str("name"),
        short_title=t.str("short_title"),
        min_score=lo,
        max_score=hi,
        key_labels=key_labels,
        rows=tuple(rows),
        areas=tuple(areas),
        added_note=t.str("added_note"),
        added_source=t.str("added_source"),
    )


def _load_vas(t: _Table) -> VasDefinition:
    lo = t.int("min_mm", 0, 0)
    hi = t.int("max_mm", 1, 1000)
    # every array named *_band is a set of bands a scale may use (assessment.toml `bands`)
    band_sets = tuple(
        (name, _bands("vas.toml", name, t.tables(name), lo, hi, "from_mm", "to_mm"))
        for name in t.data
        if name.endswith("_band")
    )
    return VasDefinition(
        min_mm=lo,
        max_mm=hi,
        line_length_mm=t.int("line_length_mm", 10, 1000),
        band_sets=band_sets,
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
        weight_measure=t.table("inputs").str("weight_kg"),
        weight_before_measure=t.table("inputs").str("weight_3_6_months_ago_kg"),
        acutely_ill_measure=t.table("inputs").str("acutely_ill_no_intake_5_days"),
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


def _load_response(t: _Table, assessment: AssessmentDefinition) -> ResponseRules:
    flags_table = t.table("flag")
    flags = tuple(
        FlagDefinition(
            key,
            flags_table.table(key).str("label"),
            flags_table.table(key).str("policy"),
            flags_table.table(key).str("short", flags_table.table(key).str("label")),
        )
        for key in FLAG_KEYS
    )
    thresholds = {
        "mrss_points": Decimal(t.int("mrss_points", 1, 60)),
        "vas_mm": Decimal(t.int("vas_mm", 1, 100)),
        "papules_percent": t.dec("papules_percent", "1", "100"),
    }
    measures = {m.key: m for m in assessment.measures}
    criteria = (RESPONSE, *FLAG_KEYS[:-1])  # the last flag is derived from response
    feeds: list[Feed] = []
    for f in t.tables("feeds"):
        key = f.str("measure")
        if key not in measures:
            f._fail("measure", f"{key!r} is not a measure in assessment.toml")
        measure = measures[key]
        criterion = f.key("criterion")
        if criterion not in criteria:
            f._fail("criterion", f"expected one of {', '.join(criteria)}, got {criterion!r}")
        change = f.key("change")
        allowed = CHANGES.get(measure.type, ())
        if change not in allowed:
            f._fail(
                "change",
                f"a {measure.type} measure feeds by {' or '.join(allowed) or 'nothing'}, "
                f"got {change!r}",
            )
        versus = f.opt_key("versus")
        # yes and progressed are judged on this assessment alone
        needs = "baseline" if criterion == RESPONSE else "previous"
        needs_versus = None if change in ("yes", "progressed") else needs
        if versus != needs_versus:
            f._fail("versus", f"expected {needs_versus or 'none'} here, got {versus!r}")
        by = f.opt_key("by") if change in ("down", "up") else None
        if change in ("down", "up") and by not in thresholds:
            f._fail("by", f"expected one of {', '.join(THRESHOLDS)}, got {by!r}")
        feeds.append(
            Feed(key, criterion, versus, change, by, thresholds[by] if by is not None else None)
        )
    return ResponseRules(
        mrss_points=int(thresholds["mrss_points"]),
        vas_mm=int(thresholds["vas_mm"]),
        papules_percent=thresholds["papules_percent"],
        no_response_after_months=t.int("no_response_after_months", 1, 60),
        flags=flags,
        feeds=tuple(feeds),
    )


# the fields each type of measure may have in assessment.toml, beyond the common ones
_COMMON = {"key", "type", "label", "question", "short_label", "section", "outputs", "required"}
_FIELDS: dict[str, set[str]] = {
    "date": set(),
    "text": {"max_length", "multiline"},
    "mrss_grid": {"examiner_dependent"},
    "vas_mm": {"source", "anchor_low", "anchor_high", "bands", "examiner_dependent"},
    "count_at_site": {"site_label", "site_hint", "max_count", "summary_name"},
    "organ_table": set(),
    "yes_no": {"subject", "yes_means", "no_means"},
    "number": {"unit", "min", "max"},
    "photos": set(),
}


def _measure(m: _Table, sections: set[str], vas: VasDefinition) -> Measure:
    key = m.str("key")
    if not _MEASURE_KEY.match(key):
        m._fail("key", f"expected a lower_snake_case key or group.key, got {key!r}")
    kind = m.key("type")
    if kind not in MEASURE_TYPES:
        m._fail("type", f"expected one of {', '.join(MEASURE_TYPES)}, got {kind!r}")
    unknown = sorted(set(m.data) - _COMMON - _FIELDS[kind])
    if unknown:
        m._fail(unknown[0], f"not a field of a {kind} measure")
    section = m.key("section")
    if section not in sections:
        m._fail("section", f"{section!r} is not a [[section]] of assessment.toml")
    outputs = m.data.get("outputs", [])
    if not isinstance(outputs, list) or any(o not in OUTPUTS for o in outputs):
        m._fail("outputs", f"expected a list of {', '.join(OUTPUTS)}, got {outputs!r}")
    label = m.str("label")
    common: dict[str, Any] = {
        "key": key,
        "label": label,
        "question": m.str("question", label),
        "short_label": m.str("short_label", label),
        "section": section,
        "outputs": frozenset(outputs),
        "required": m.bool("required", False),
        "examiner_dependent": m.bool("examiner_dependent", False),
    }
    if kind == "date":
        return DateMeasure(**common)
    if kind == "text":
        return TextMeasure(
            **common,
            max_length=m.int("max_length", 1, 100000),
            multiline=m.bool("multiline", False),
        )
    if kind == "mrss_grid":
        return MrssGridMeasure(**common)
    if kind == "vas_mm":
        bands = m.opt_key("bands")
        sets = dict(vas.band_sets)
        if bands is not None and bands not in sets:
            m._fail("bands", f"{bands!r} is not a *_band list in vas.toml")
        return VasMeasure(
            **common,
            source=m.str("source"),
            anchor_low=m.str("anchor_low"),
            anchor_high=m.str("anchor_high"),
            bands=sets[bands] if bands is not None else (),
        )
    if kind == "count_at_site":
        return CountAtSiteMeasure(
            **common,
            site_label=m.str("site_label", "Site"),
            site_hint=m.str("site_hint", "site"),
            max_count=m.int("max_count", 1, 10**9),
            summary_name=m.key("summary_name") if "summary_name" in m.data else key,
        )
    if kind == "organ_table":
        return OrganTableMeasure(**common)
    if kind == "yes_no":
        return YesNoMeasure(
            **common,
            subject=m.str("subject", label),
            yes_means=m.str("yes_means", "yes"),
            no_means=m.str("no_means", "no"),
        )
    if kind == "number":
        low, high = m.dec("min", "-1000000", "1000000"), m.dec("max", "-1000000", "1000000")
        if low >= high:
            m._fail("max", f"must be more than min ({low}), got {high}")
        return NumberMeasure(**common, unit=m.str("unit"), low=low, high=high)
    return PhotosMeasure(**common)


def _load_assessment(t: _Table, vas: VasDefinition) -> AssessmentDefinition:
    sections = []
    for s in t.tables("section"):
        title = s.str("title")
        column = s.str("editor_column", "right")
        if column not in EDITOR_COLUMNS:
            s._fail("editor_column", f"expected one of {', '.join(EDITOR_COLUMNS)}")
        page = s.int("form_page", 1, 2) if "form_page" in s.data else 2
        sections.append(Section(s.key("key"), title, s.str("form_title", title), column, page))
    _unique("assessment.toml", "section", [s.key for s in sections])
    keys = {s.key for s in sections}
    measures = tuple(_measure(m, keys, vas) for m in t.tables("measure"))
    _unique("assessment.toml", "measure", [m.key for m in measures])
    # the record's identity and the policy's instrument: present, once, with these keys
    for kind, key in ((DateMeasure, "date"), (TextMeasure, "examiner"), (MrssGridMeasure, "")):
        found = [m for m in measures if isinstance(m, kind) and (not key or m.key == key)]
        if len(found) != 1:
            what = f"{kind.type} measure" + (f" keyed {key!r}" if key else "")
            raise FormsError(f"forms/assessment.toml: measure: expected exactly one {what}")
    groups = [
        m.key for m in measures if m.group is not None and m.group in {x.key for x in measures}
    ]
    if groups:
        raise FormsError(f"forms/assessment.toml: measure {groups[0]!r}: its group is a measure")
    return AssessmentDefinition(tuple(sections), measures)


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


def _load_meeting(t: _Table) -> MeetingRules:
    from mdtapp.domain.meeting import AgendaStatus, MeetingRole, MeetingRules, QuorumNeed

    account_roles = ("clinician", "pharmacist")
    roles = []
    for r in t.tables("role"):
        account = r.data.get("account_role")
        if account is not None and account not in account_roles:
            r._fail("account_role", f"expected one of {', '.join(account_roles)}, got {account!r}")
        roles.append(
            MeetingRole(r.key("key"), r.str("label"), r.data.get("specialty", "") or "", account)
        )
    _unique("meeting.toml", "role", [r.key for r in roles])
    q = t.table("quorum")
    needs = []
    for n in q.tables("requires"):
        role = n.key("role")
        if role not in {r.key for r in roles}:
            n._fail("role", f"{role!r} is not a [[role]] of meeting.toml")
        needs.append(QuorumNeed(role, n.int("at_least", 1, 20)))
    statuses = tuple(AgendaStatus(s.key("key"), s.str("label")) for s in t.tables("agenda_status"))
    _unique("meeting.toml", "agenda_status", [s.key for s in statuses])
    for required in ("to_discuss", "discussed", "deferred"):
        if required not in {s.key for s in statuses}:
            raise FormsError(f"forms/meeting.toml: agenda_status: {required!r} is missing")
    return MeetingRules(q.str("label"), tuple(needs), tuple(roles), statuses)


def load_forms(directory: Path) -> Forms:
    """Read and validate every forms/ file in `directory`; raise FormsError naming the problem."""
    from mdtapp.domain.photo_rules import load_photo_rules  # it reads with this module's tools

    index = _read(directory, "index.toml")
    decisions = tuple(
        Choice(d.key("key"), d.str("label"))
        for d in _read(directory, "decisions.toml").tables("decision")
    )
    _unique("decisions.toml", "decision", [d.key for d in decisions])
    vas = _load_vas(_read(directory, "vas.toml"))
    assessment = _load_assessment(_read(directory, "assessment.toml"), vas)
    must = _load_must(_read(directory, "must.toml"))
    for name in ("weight_measure", "weight_before_measure", "acutely_ill_measure"):
        if getattr(must, name) not in {m.key for m in assessment.measures}:
            raise FormsError(
                f"forms/must.toml: inputs: {getattr(must, name)!r} is not a measure in "
                "assessment.toml"
            )
    return Forms(
        version=index.str("version"),
        policy=index.str("policy"),
        source_dir=directory,
        mrss=_load_mrss(_read(directory, "mrss.toml")),
        vas=replace(vas, scales=assessment.of_type(VasMeasure)),
        systemic=_load_systemic(_read(directory, "systemic.toml")),
        must=must,
        dosing=_load_dosing(_read(directory, "dosing.toml")),
        schedule=_load_schedule(_read(directory, "schedule.toml")),
        response=_load_response(_read(directory, "response.toml"), assessment),
        photos=load_photo_rules(directory),
        eligibility=_load_eligibility(_read(directory, "eligibility.toml")),
        decisions=decisions,
        assessment=assessment,
        meeting=_load_meeting(_read(directory, "meeting.toml")),
    )


@lru_cache(maxsize=4)
def _cached(directory: Path) -> Forms:
    return load_forms(directory)


def forms() -> Forms:
    """The forms in use (shipped, or MDTAPP_FORMS_DIR), loaded once."""
    from mdtapp.paths import forms_dir

    return _cached(forms_dir().resolve())
