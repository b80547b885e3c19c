"""One input per measure type: the editor builds an assessment's fields from forms/assessment.toml
with these, never one hand-made field per measure.

Each input gives the card it sits in its rows (a label and a widget, or a widget across the card),
reads and sets its measure's domain value, says what is wrong with what was typed (naming the
field as the store would), keeps text that is not yet a value (for drafts), and takes part in the
keyboard order. What is shown beside a value (history, the previous marks) is set from outside:
comparing is the controller's job.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.bodymap import body_map
from mdtapp.domain.errors import FieldError
from mdtapp.domain.forms import Forms
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    DateMeasure,
    Measure,
    MrssGridMeasure,
    NumberMeasure,
    OrganTableMeasure,
    PhotosMeasure,
    TextMeasure,
    VasMeasure,
    YesNoMeasure,
)
from mdtapp.domain.model import OrganStatus, Papules, PhotoRef
from mdtapp.ui.widgets.body_map import BodyMapView
from mdtapp.ui.widgets.fields import DateField
from mdtapp.ui.widgets.mrss_grid import NOT_ASSESSED, MrssGrid
from mdtapp.ui.widgets.number_field import WholeNumberField
from mdtapp.ui.widgets.vas import VasInput
from mdtapp.ui.widgets.yes_no import YesNo

Row = tuple[str, QWidget]  # a label ("" : the widget spans the card) and its widget


def object_name(key: str) -> str:
    """'nutrition.weight_kg' -> 'nutritionWeightKg': widgets are found by their measure."""
    first, *rest = key.replace(".", "_").split("_")
    return first + "".join(part.capitalize() for part in rest)


def muted(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class MeasureInput(QObject):
    """What every input does; each type overrides what it has."""

    changed = Signal()

    def __init__(self, measure: Measure, forms: Forms):
        super().__init__()
        self.measure = measure
        self.forms = forms

    def rows(self) -> list[Row]:
        return []

    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        """Show a stored value (None: not recorded)."""

    def problems(self) -> list[FieldError]:
        """What was typed that is not a value (the domain checks the values themselves)."""
        return []

    def as_typed(self) -> dict[str, str]:
        """Text that is not (yet) a value, by field: kept in drafts so nothing typed is lost."""
        return {}

    def restore_typed(self, typed: dict[str, str]) -> None:
        """Put back text kept by `as_typed`."""

    def set_read_only(self, read_only: bool) -> None:
        """Editable only while the shown version may be changed."""

    def focus_chain(self) -> list[QWidget]:
        return []

    def targets(self) -> dict[str, QWidget]:
        """The widget to mark for each field name an error may carry."""
        return {}


class DateInput(MeasureInput):
    measure: DateMeasure

    def __init__(self, measure: DateMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.field = DateField(object_name(measure.key), measure.question)
        self.field.date_changed.connect(self.changed)

    def rows(self) -> list[Row]:
        return [(self.measure.label, self.field)]

    def value(self) -> date | None:
        return self.field.value()

    def set_value(self, value: Any) -> None:
        self.field.set_value(value if isinstance(value, date) else None)

    def problems(self) -> list[FieldError]:
        problem = self.field.problem(required=self.measure.required, label=self.measure.label)
        return [FieldError(self.measure.key, problem)] if problem else []

    def as_typed(self) -> dict[str, str]:
        text = self.field.text().strip()
        return {self.measure.key: text} if text and self.value() is None else {}

    def restore_typed(self, typed: dict[str, str]) -> None:
        if self.measure.key in typed:
            self.field.setText(typed[self.measure.key])

    def set_read_only(self, read_only: bool) -> None:
        self.field.setReadOnly(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.field]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.field}


class TextInput(MeasureInput):
    """One line, or a box for a text alone in its section (notes)."""

    measure: TextMeasure

    def __init__(self, measure: TextMeasure, forms: Forms, *, box: bool):
        super().__init__(measure, forms)
        self.line: QLineEdit | None = None
        self.box: QPlainTextEdit | None = None
        if box:
            self.box = QPlainTextEdit()
            self.box.setTabChangesFocus(True)
            self.box.setFixedHeight(60)
            self.box.textChanged.connect(self.changed)
            widget: QWidget = self.box
        else:
            self.line = QLineEdit()
            self.line.setPlaceholderText(measure.question)
            self.line.textChanged.connect(self.changed)
            widget = self.line
        widget.setObjectName(object_name(measure.key))
        widget.setAccessibleName(measure.question)
        self.widget = widget

    def rows(self) -> list[Row]:
        return [("" if self.box else self.measure.label, self.widget)]

    def text(self) -> str:
        return self.box.toPlainText() if self.box else self.line.text() if self.line else ""

    def value(self) -> str:
        return self.text().strip()

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if self.box:
            self.box.setPlainText(text)
        elif self.line:
            self.line.setText(text)

    def set_read_only(self, read_only: bool) -> None:
        if self.box:
            self.box.setReadOnly(read_only)
        elif self.line:
            self.line.setReadOnly(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.widget]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.widget}


class GridInput(MeasureInput):
    """The mRSS grid beside its body map, the running total, last time's and baseline's."""

    measure: MrssGridMeasure

    def __init__(self, measure: MrssGridMeasure, forms: Forms):
        super().__init__(measure, forms)
        mrss = forms.mrss
        self.grid = MrssGrid(mrss)
        self.body = BodyMapView(body_map(mrss), {a.key: a.label for a in mrss.areas})
        self.total = QLabel()
        self.total.setObjectName(f"{object_name(measure.key)}Total")
        self.total.setAccessibleName(f"{mrss.short_title} total")
        self.total.setProperty("role", "total")  # large and bold: the style sheet, with the zoom
        self.history = muted(name=f"{object_name(measure.key)}History")
        self.legend = muted(
            f"Type {mrss.score_range} for the highlighted area · N not assessed · ⌫ back · "
            f"▸ marks last time's score · * {mrss.added_note}"
        )
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.grid)
        row.addWidget(self.body)
        self.grid.changed.connect(self.changed)
        self.grid.current_changed.connect(self.body.set_current)
        self.body.area_clicked.connect(self._on_body_area_clicked)

    def rows(self) -> list[Row]:
        return [("", self.widget), ("", self.total), ("", self.history), ("", self.legend)]

    def value(self) -> dict[str, int | None]:
        return self.grid.domain_scores()

    def set_value(self, value: Any) -> None:
        scores = value if isinstance(value, dict) else {}
        any_scored = any(v is not None for v in scores.values())
        self.grid.set_values(
            {
                k: (v if v is not None else (NOT_ASSESSED if any_scored else None))
                for k, v in scores.items()
            }
        )

    def not_scored(self) -> list[str]:
        return self.grid.blanks()

    def leave_unscored(self, keys: tuple[str, ...]) -> None:
        """Areas a draft had not scored yet (not the same as not assessed)."""
        values = self.grid.values()
        self.grid.set_values({k: (None if k in keys else v) for k, v in values.items()})

    def problems(self) -> list[FieldError]:
        blanks = self.grid.blanks()
        if not blanks or len(blanks) == len(self.grid.order):
            return []
        mrss = self.forms.mrss
        names = ", ".join(mrss.area(k).label for k in blanks[:4])
        more = f" and {len(blanks) - 4} more" if len(blanks) > 4 else ""
        return [
            FieldError(
                self.measure.key,
                f"{len(blanks)} area{'s have' if len(blanks) > 1 else ' has'} no score "
                f"({names}{more}): type {mrss.min_score}-{mrss.max_score}, or N for not assessed",
            )
        ]

    def set_read_only(self, read_only: bool) -> None:
        self.grid.set_read_only(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.grid]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.grid}

    def _on_body_area_clicked(self, key: str) -> None:
        self.grid.set_current(key)
        self.grid.setFocus()


class ScaleInput(MeasureInput):
    """A visual analogue scale (the VasInput widget: line, millimetres, reading, history)."""

    measure: VasMeasure

    def __init__(self, measure: VasMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.vas = VasInput(measure, forms.vas, object_name(measure.key.removesuffix("_mm")))
        self.vas.changed.connect(self.changed)

    def rows(self) -> list[Row]:
        return [("", self.vas)]

    def value(self) -> int | None:
        return self.vas.value()

    def set_value(self, value: Any) -> None:
        self.vas.set_value(value if isinstance(value, int) else None)

    def problems(self) -> list[FieldError]:
        problem = self.vas.problem()
        return [FieldError(self.measure.key, problem)] if problem else []

    def as_typed(self) -> dict[str, str]:
        # what was typed but is not a value (150 for a 0-100 scale) is kept as typed
        return {self.measure.key: self.vas.mm.text()} if self.vas.problem() else {}

    def restore_typed(self, typed: dict[str, str]) -> None:
        if self.measure.key in typed:
            self.vas.mm.setText(typed[self.measure.key])

    def set_read_only(self, read_only: bool) -> None:
        self.vas.set_read_only(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.vas.mm]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.vas}


class CountInput(MeasureInput):
    """A count over a named site; the site offers the patient's earlier sites."""

    measure: CountAtSiteMeasure

    def __init__(self, measure: CountAtSiteMeasure, forms: Forms):
        super().__init__(measure, forms)
        name = object_name(measure.summary_name)
        # what is typed is what is kept: a letter or a number over the range is said, in
        # red, and saves nothing (a spin box ignored letters without a word)
        self.count = WholeNumberField(measure.label, 0, measure.max_count)
        self.count.setObjectName(f"{name}Count")
        self.count.setPlaceholderText("— not counted")
        self.site = QComboBox()
        self.site.setEditable(True)
        self.site.setObjectName(f"{name}Site")
        self.site.setAccessibleName(f"{measure.question}: {measure.site_label.lower()}")
        line = self.site.lineEdit()
        if line is not None:
            line.setPlaceholderText(measure.site_hint)
        self.warning = QLabel()
        self.warning.setObjectName(f"{name}SiteWarning")
        self.warning.setProperty("role", "warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.history = muted(name=f"{name}History")
        # the count made on the photo of the site: the 2 x 2 cm square and a mark per papule
        self.photo_button = QPushButton("Count on photo…")
        self.photo_button.setObjectName(f"{name}CountOnPhoto")
        self.photo_button.setToolTip(
            "Count on this assessment's photo of the site: set the scale, place the square, "
            "click each papule, then 'Use this count'"
        )
        self.photo_note = muted(name=f"{name}PhotoCount")
        self.photo_note.hide()
        self.count_row = QWidget()
        row = QHBoxLayout(self.count_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.count, 1)
        row.addWidget(self.photo_button)
        self.count.value_changed.connect(self.changed)
        self.site.currentTextChanged.connect(self.changed)

    def rows(self) -> list[Row]:
        return [
            (self.measure.label, self.count_row),
            (self.measure.site_label, self.site),
            ("", self.warning),
            ("", self.photo_note),
            ("", self.history),
        ]

    def site_text(self) -> str:
        return self.site.currentText().strip()

    def value(self) -> Papules | None:
        count = self.count.value()
        return None if count is None else Papules(count, self.site_text())

    def set_value(self, value: Any) -> None:
        self.count.set_value(value.count if isinstance(value, Papules) else None)
        if isinstance(value, Papules):
            self.site.setCurrentText(value.site)

    def set_sites(self, sites: list[str], default: str) -> None:
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItems(sites)
        self.site.setCurrentText(default)
        self.site.blockSignals(False)

    def problems(self) -> list[FieldError]:
        if self.count.problem():
            return [FieldError(f"{self.measure.key}.count", self.count.problem())]
        if self.count.value() is not None and not self.site_text():
            return [
                FieldError(
                    f"{self.measure.key}.site", f"is required: name the {self.measure.site_hint}"
                )
            ]
        return []

    def as_typed(self) -> dict[str, str]:
        # a site named before a count: kept, as the count would be
        typed = {}
        if self.count.value() is None and self.site_text():
            typed[f"{self.measure.key}.site"] = self.site_text()
        if self.count.problem():  # a count that is not one yet is kept as typed
            typed[f"{self.measure.key}.count"] = self.count.text()
        return typed

    def restore_typed(self, typed: dict[str, str]) -> None:
        site = typed.get(f"{self.measure.key}.site")
        if site:
            self.site.setCurrentText(site)
        count = typed.get(f"{self.measure.key}.count")
        if count:
            self.count.setText(count)

    def set_read_only(self, read_only: bool) -> None:
        self.count.setReadOnly(read_only)
        self.site.setEnabled(not read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.count, self.site, self.photo_button]

    def targets(self) -> dict[str, QWidget]:
        return {
            self.measure.key: self.count,
            f"{self.measure.key}.count": self.count,
            f"{self.measure.key}.site": self.site,
        }


class OrganInput(MeasureInput):
    """Each organ of forms/systemic.toml: evidence of involvement and of progression."""

    measure: OrganTableMeasure

    def __init__(self, measure: OrganTableMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.table = QWidget()
        self.table.setObjectName(f"{object_name(measure.key)}Table")
        self.table.setAccessibleName(f"{measure.label} table")
        grid = QGridLayout(self.table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("<b>Organ</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Involved</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Progressed</b>"), 0, 2)
        self.pairs: dict[str, tuple[YesNo, YesNo]] = {}
        for r, organ in enumerate(forms.systemic.organs, start=1):
            involved = YesNo(f"{organ.label}: evidence of involvement", f"{organ.key}Involved")
            progressed = YesNo(f"{organ.label}: evidence of progression", f"{organ.key}Progressed")
            grid.addWidget(QLabel(organ.label), r, 0)
            grid.addWidget(involved, r, 1)
            grid.addWidget(progressed, r, 2)
            self.pairs[organ.key] = (involved, progressed)
            involved.changed.connect(self.changed)
            progressed.changed.connect(self.changed)
        self.note = muted(forms.systemic.note)

    def rows(self) -> list[Row]:
        return [("", self.table), ("", self.note)]

    def value(self) -> dict[str, OrganStatus]:
        return {key: OrganStatus(i.value(), p.value()) for key, (i, p) in self.pairs.items()}

    def set_value(self, value: Any) -> None:
        statuses = value if isinstance(value, dict) else {}
        for key, (involved, progressed) in self.pairs.items():
            status = statuses.get(key, OrganStatus())
            involved.set_value(status.involved)
            progressed.set_value(status.progressed)

    def set_read_only(self, read_only: bool) -> None:
        for involved, progressed in self.pairs.values():
            involved.set_read_only(read_only)
            progressed.set_read_only(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [w for pair in self.pairs.values() for w in pair]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.table}


class AnswerInput(MeasureInput):
    measure: YesNoMeasure

    def __init__(self, measure: YesNoMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.answer = YesNo(measure.question, object_name(measure.key))
        self.answer.changed.connect(self.changed)

    def rows(self) -> list[Row]:
        return [(self.measure.label, self.answer)]

    def value(self) -> bool | None:
        return self.answer.value()

    def set_value(self, value: Any) -> None:
        self.answer.set_value(value if isinstance(value, bool) else None)

    def set_read_only(self, read_only: bool) -> None:
        self.answer.set_read_only(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.answer]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.answer}


class NumberInput(MeasureInput):
    """A decimal number as people type it (a comma is a decimal point)."""

    measure: NumberMeasure

    def __init__(self, measure: NumberMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.line = QLineEdit()
        self.line.setObjectName(object_name(measure.key))
        self.line.setAccessibleName(f"{measure.label} in {measure.unit}")
        self.line.textChanged.connect(self.changed)

    def rows(self) -> list[Row]:
        return [(f"{self.measure.label} ({self.measure.unit})", self.line)]

    def _parsed(self) -> float | None:
        text = self.line.text().strip().replace(",", ".")
        return float(text) if text else None

    def value(self) -> float | None:
        try:
            return self._parsed()
        except ValueError:
            return None

    def set_value(self, value: Any) -> None:
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        self.line.setText(f"{value:g}" if is_number else "")

    def problems(self) -> list[FieldError]:
        try:
            self._parsed()
        except ValueError:
            return [
                FieldError(
                    self.measure.key,
                    f"must be a number in {self.measure.unit}; got “{self.line.text().strip()}”",
                )
            ]
        return []

    def as_typed(self) -> dict[str, str]:
        return {self.measure.key: self.line.text()} if self.problems() else {}

    def restore_typed(self, typed: dict[str, str]) -> None:
        if self.measure.key in typed:
            self.line.setText(typed[self.measure.key])

    def set_read_only(self, read_only: bool) -> None:
        self.line.setReadOnly(read_only)

    def focus_chain(self) -> list[QWidget]:
        return [self.line]

    def targets(self) -> dict[str, QWidget]:
        return {self.measure.key: self.line}


class PhotosHeld(MeasureInput):
    """Photos are added in the Photos tab; the editor keeps them with the assessment."""

    measure: PhotosMeasure

    def __init__(self, measure: PhotosMeasure, forms: Forms):
        super().__init__(measure, forms)
        self.photos: tuple[PhotoRef, ...] = ()

    def value(self) -> tuple[PhotoRef, ...]:
        return self.photos

    def set_value(self, value: Any) -> None:
        self.photos = value if isinstance(value, tuple) else ()


def input_for(measure: Measure, forms: Forms, *, alone: bool) -> MeasureInput:
    """The input for a measure, by its type. `alone`: the only measure of its section."""
    if isinstance(measure, DateMeasure):
        return DateInput(measure, forms)
    if isinstance(measure, TextMeasure):
        return TextInput(measure, forms, box=alone)
    if isinstance(measure, MrssGridMeasure):
        return GridInput(measure, forms)
    if isinstance(measure, VasMeasure):
        return ScaleInput(measure, forms)
    if isinstance(measure, CountAtSiteMeasure):
        return CountInput(measure, forms)
    if isinstance(measure, OrganTableMeasure):
        return OrganInput(measure, forms)
    if isinstance(measure, YesNoMeasure):
        return AnswerInput(measure, forms)
    if isinstance(measure, NumberMeasure):
        return NumberInput(measure, forms)
    if isinstance(measure, PhotosMeasure):
        return PhotosHeld(measure, forms)
    raise TypeError(f"no input for a {measure.type} measure")


def section_widget(inputs: list[MeasureInput]) -> QWidget:
    """The inputs of one section as label / field rows (a wide widget spans both)."""
    holder = QWidget()
    outer = QVBoxLayout(holder)
    outer.setContentsMargins(0, 0, 0, 0)
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    outer.addLayout(grid)
    r = 0
    for measure_input in inputs:
        for label, widget in measure_input.rows():
            if label:
                grid.addWidget(QLabel(label), r, 0)
                grid.addWidget(widget, r, 1)
            else:
                grid.addWidget(widget, r, 0, 1, 2)
            r += 1
    grid.setColumnStretch(1, 1)
    return holder
