"""Each measure of an assessment, described once (forms/assessment.toml).

A `Measure` says what a value is: key, label, question, section, where it is shown. Its subclass
is its type, and holds what only that type has (a VAS's anchors, a number's unit and range) and
the code for that type: reading the value from an assessment, whether it was recorded, its
checks. The store, the reports and the UI loop over these descriptions with one piece of code
per type, never one per measure, so a new measure of a known type is a change to forms/ only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from mdtapp.domain.errors import FieldError

if TYPE_CHECKING:
    from mdtapp.domain.forms import Band, Forms
    from mdtapp.domain.model import Assessment, OrganStatus, Papules, PhotoRef

OUTPUTS = ("editor", "form", "letter", "letter_summary", "summary", "trend")
EDITOR_COLUMNS = ("header", "left", "right", "wide")


@dataclass(frozen=True)
class Section:
    """A group of measures on screen (a card) and on paper (a heading)."""

    key: str
    title: str
    form_title: str
    editor_column: str  # header | left | right | wide
    form_page: int  # 1: with the mRSS grid; 2: the following pages


@dataclass(frozen=True)
class Measure:
    key: str  # "itch_vas_mm"; "nutrition.weight_kg" sits inside the nutrition object
    label: str
    question: str
    short_label: str
    section: str
    outputs: frozenset[str]
    required: bool
    examiner_dependent: bool

    type: ClassVar[str] = ""

    @property
    def group(self) -> str | None:
        """The object a grouped measure sits in ("nutrition"), or None."""
        return self.key.split(".")[0] if "." in self.key else None

    @property
    def name(self) -> str:
        """The key within its group: "weight_kg"."""
        return self.key.split(".")[-1]

    def shown_in(self, output: str) -> bool:
        return output in self.outputs

    def value(self, a: Assessment) -> object:
        return a.value(self.key)

    def recorded(self, a: Assessment) -> bool:
        """Whether the assessment holds a value for this measure ("not recorded" is not 0)."""
        return self.value(a) is not None

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        """Add a FieldError, named by the measure's key, for each problem with its value."""


@dataclass(frozen=True)
class DateMeasure(Measure):
    type: ClassVar[str] = "date"

    def day(self, a: Assessment) -> date | None:
        value = self.value(a)
        return value if isinstance(value, date) else None

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _not_future

        _not_future(errors, self.key, self.day(a), today)


@dataclass(frozen=True)
class TextMeasure(Measure):
    max_length: int
    multiline: bool  # free text (notes) may hold new lines; otherwise one line (examiner)
    type: ClassVar[str] = "text"

    def text(self, a: Assessment) -> str:
        value = self.value(a)
        return value if isinstance(value, str) else ""

    def recorded(self, a: Assessment) -> bool:
        return bool(self.text(a).strip())

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _text

        value: Any = self.value(a)
        text = "" if value is None else value
        _text(
            errors,
            self.key,
            text,
            required=self.required,
            limit=self.max_length,
            free_text=self.multiline,
        )


@dataclass(frozen=True)
class MrssGridMeasure(Measure):
    """The areas of forms/mrss.toml, each scored min_score-max_score or not assessed (None)."""

    type: ClassVar[str] = "mrss_grid"

    def scores(self, a: Assessment) -> Mapping[str, int | None]:
        value = self.value(a)
        return value if isinstance(value, Mapping) else {}

    def recorded(self, a: Assessment) -> bool:
        return any(v is not None for v in self.scores(a).values())

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _whole

        m = forms.mrss
        scores = self.scores(a)
        for key, score in scores.items():
            if key not in m.area_keys:
                errors.append(FieldError(f"{self.key}.{key}", "is not an mRSS area"))
            elif score is not None:
                _whole(errors, f"{self.key}.{key}", score, m.min_score, m.max_score)
        for key in m.area_keys:
            if key not in scores:
                errors.append(
                    FieldError(f"{self.key}.{key}", "is missing (use null for not assessed)")
                )


@dataclass(frozen=True)
class VasMeasure(Measure):
    """A visual analogue scale: whole millimetres on vas.toml's line, with optional bands."""

    source: str
    anchor_low: str
    anchor_high: str
    bands: tuple[Band, ...]  # empty: not banded
    type: ClassVar[str] = "vas_mm"

    @property
    def banded(self) -> bool:
        return bool(self.bands)

    def mm(self, a: Assessment) -> int | None:
        value = self.value(a)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def recorded(self, a: Assessment) -> bool:
        return self.value(a) is not None

    def band(self, mm: int | None) -> str | None:
        if mm is None or not self.bands:
            return None
        return next((b.label for b in self.bands if b.low <= mm <= b.high), None)

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _whole

        value: Any = self.value(a)
        _whole(errors, self.key, value, forms.vas.min_mm, forms.vas.max_mm, "mm")


@dataclass(frozen=True)
class CountAtSiteMeasure(Measure):
    """A whole-number count over a named site (papules over the same 2 x 2 cm square)."""

    site_label: str
    site_hint: str
    max_count: int
    summary_name: str  # "papule": papule_count and papule_site in `mdtapp summary --json`
    type: ClassVar[str] = "count_at_site"

    def count(self, a: Assessment) -> Papules | None:
        from mdtapp.domain.model import Papules

        value = self.value(a)
        return value if isinstance(value, Papules) else None

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _text, _whole

        value = self.count(a)
        if value is not None:
            _whole(errors, f"{self.key}.count", value.count, 0, self.max_count)
            _text(errors, f"{self.key}.site", value.site, required=True, limit=200)


@dataclass(frozen=True)
class OrganTableMeasure(Measure):
    """The organs of forms/systemic.toml, each with involvement and progression yes / no."""

    type: ClassVar[str] = "organ_table"

    def statuses(self, a: Assessment) -> Mapping[str, OrganStatus]:
        value = self.value(a)
        return value if isinstance(value, Mapping) else {}

    def recorded(self, a: Assessment) -> bool:
        return any(
            s.involved is not None or s.progressed is not None for s in self.statuses(a).values()
        )

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        organs = forms.systemic.organ_keys
        for key, status in self.statuses(a).items():
            if key not in organs:
                errors.append(FieldError(f"{self.key}.{key}", "is not a known organ system"))
            elif status.progressed and status.involved is False:
                errors.append(
                    FieldError(
                        f"{self.key}.{key}.progressed", "cannot be yes when involvement is no"
                    )
                )


@dataclass(frozen=True)
class YesNoMeasure(Measure):
    """Yes, no, or not recorded (None)."""

    subject: str  # "Dermatoneuro syndrome": what the answer is about, in evidence
    yes_means: str  # "present"
    no_means: str  # "not present"
    type: ClassVar[str] = "yes_no"

    def answer(self, a: Assessment) -> bool | None:
        value = self.value(a)
        return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class NumberMeasure(Measure):
    unit: str
    low: Decimal
    high: Decimal
    type: ClassVar[str] = "number"

    def number(self, a: Assessment) -> float | None:
        value = self.value(a)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value)

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _number

        value: Any = self.value(a)
        _number(errors, self.key, value, float(self.low), float(self.high), self.unit)


@dataclass(frozen=True)
class PhotosMeasure(Measure):
    type: ClassVar[str] = "photos"

    def photos(self, a: Assessment) -> tuple[PhotoRef, ...]:
        value = self.value(a)
        return value if isinstance(value, tuple) else ()

    def recorded(self, a: Assessment) -> bool:
        return bool(self.photos(a))

    def check(self, a: Assessment, forms: Forms, today: date, errors: list[FieldError]) -> None:
        from mdtapp.domain.model import _text
        from mdtapp.domain.papule_count import count_limit, photo_count_errors

        for i, photo in enumerate(self.photos(a)):
            _text(errors, f"{self.key}[{i}].view", photo.view, required=True, limit=100)
            if photo.count is not None:  # the marks stored with the photo
                errors += photo_count_errors(
                    photo.view,
                    photo.count,
                    forms.photos,
                    count_limit(forms),
                    f"{self.key}[{i}].count.",
                )


MEASURE_TYPES: dict[str, type[Measure]] = {
    t.type: t
    for t in (
        DateMeasure,
        TextMeasure,
        MrssGridMeasure,
        VasMeasure,
        CountAtSiteMeasure,
        OrganTableMeasure,
        YesNoMeasure,
        NumberMeasure,
        PhotosMeasure,
    )
}

M = TypeVar("M", bound=Measure)


@dataclass(frozen=True)
class AssessmentDefinition:
    """Every measure of an assessment, in order, and the sections they are shown in."""

    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]

    def measure(self, key: str) -> Measure:
        for m in self.measures:
            if m.key == key:
                return m
        raise KeyError(key)

    def of_type(self, kind: type[M]) -> tuple[M, ...]:
        return tuple(m for m in self.measures if isinstance(m, kind))

    def shown_in(self, output: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.shown_in(output))

    def in_section(self, section: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.section == section)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def date(self) -> DateMeasure:
        return self.of_type(DateMeasure)[0]

    @property
    def examiner(self) -> TextMeasure:
        return next(m for m in self.of_type(TextMeasure) if m.key == "examiner")

    @property
    def mrss(self) -> MrssGridMeasure:
        return self.of_type(MrssGridMeasure)[0]


def check_assessment(a: Assessment, forms: Forms, today: date) -> list[FieldError]:
    """Each measure's checks, and any value the forms do not describe."""
    errors: list[FieldError] = []
    definition = forms.assessment
    for measure in definition.measures:
        measure.check(a, forms, today, errors)
    known = {m.key for m in definition.measures}
    for key in a.other_measures:
        if key not in known:
            errors.append(FieldError(key, "is not a measure in forms/assessment.toml"))
    return errors
