"""Treatment: the dose plan calculator, the regimen history and the infusion log."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.dates import format_date
from mdtapp.domain.dosing import plan_dose
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import Infusion, Regimen, validate_infusion, validate_regimen
from mdtapp.domain.numbers import plain
from mdtapp.domain.record import dose_request
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import PatientFile
from mdtapp.ui.models.records import RecordTableModel
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.views.overview import dose_plan_html
from mdtapp.ui.widgets.fields import DateField, mark_errors
from mdtapp.ui.widgets.tables import record_table

# Each field as this form names it, for its row and for every message about it; the domain
# names fields as the interchange file does. Sex and height are the patient's own details.
_LABELS = {
    "from": "Starts",
    "weight_kg": "Actual weight (kg)",
    "g_per_kg": "g/kg",
    "route": "Route",
    "days": "Days (IV)",
    "sc_doses_per_period": "SC doses",
    "interval_weeks": "Interval",
    "vial_step_g": "Vial step",
    "ibw_basis": "IBW formula",
    "dosing_weight_override_kg": "Override weight (kg)",
    "override_reason": "Override reason",
    "sex": "Sex (patient's details)",
    "height_cm": "Height (patient's details)",
}


def _named(errors: Iterable[FieldError]) -> list[str]:
    # the start date's own message already names it ("Starts is required (e.g. 07/03/1971, ...)")
    return [
        e.message if e.field == "from" else f"{_LABELS.get(e.field, e.field)}: {e.message}"
        for e in errors
    ]


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    return float(text)


class TreatmentView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.forms = session.forms
        self.file: PatientFile | None = None
        self.setObjectName("treatment")
        rules = self.forms.dosing
        outer = QHBoxLayout(self)

        calc_card, calc = card("Dose plan calculator", "doseCalculator")
        form = self.form = QFormLayout()
        self.from_date = DateField("regimenFrom", "Regimen starts")
        self.weight = QLineEdit()
        self.weight.setObjectName("doseWeightKg")
        self.weight.setAccessibleName("Actual weight in kg")
        self.g_per_kg = QLineEdit(plain(rules.g_per_kg_usual_start))
        self.g_per_kg.setObjectName("doseGPerKg")
        self.g_per_kg.setAccessibleName("Dose in grams per kg")
        self.route = QComboBox()
        self.route.setObjectName("doseRoute")
        self.route.addItem("Intravenous (IV)", "iv")
        self.route.addItem("Subcutaneous (SC)", "sc")
        self.days = QSpinBox()
        self.days.setObjectName("doseDays")
        self.days.setRange(rules.days_min, rules.days_max)
        self.days.setValue(rules.days_max)
        self.days.setSuffix(" days")
        self.sc_doses = QComboBox()
        self.sc_doses.setObjectName("doseScDoses")
        for n in rules.sc_doses_per_period_choices:
            self.sc_doses.addItem(
                f"{n} dose{'s' if n > 1 else ''} per {rules.sc_period_weeks} weeks", n
            )
        self.interval = QSpinBox()
        self.interval.setObjectName("doseInterval")
        self.interval.setRange(rules.interval_min_weeks, rules.interval_max_weeks)
        self.interval.setValue(rules.interval_starting_weeks)
        self.interval.setSuffix(" weeks")
        self.step = QComboBox()
        self.step.setObjectName("doseVialStep")
        for s in rules.allowed_vial_steps_g:
            self.step.addItem(f"{plain(s)} g", float(s))
        self.step.setCurrentIndex(self.step.findData(float(rules.default_vial_step_g)))
        self.basis = QComboBox()
        self.basis.setObjectName("doseIbwBasis")
        self.basis.addItem("— choose (sex not recorded as female or male) —", None)
        self.basis.addItem("Female formula", "female")
        self.basis.addItem("Male formula", "male")
        self.override = QLineEdit()
        self.override.setObjectName("doseOverrideKg")
        self.override.setPlaceholderText("only if the MDT overrides the weight")
        self.override_reason = QLineEdit()
        self.override_reason.setObjectName("doseOverrideReason")
        self.override_reason.setPlaceholderText("required with an override")
        for key, widget in (
            ("from", self.from_date),
            ("weight_kg", self.weight),
            ("g_per_kg", self.g_per_kg),
            ("route", self.route),
            ("days", self.days),
            ("sc_doses_per_period", self.sc_doses),
            ("interval_weeks", self.interval),
            ("vial_step_g", self.step),
            ("ibw_basis", self.basis),
            ("dosing_weight_override_kg", self.override),
            ("override_reason", self.override_reason),
        ):
            form.addRow(_LABELS[key], widget)
        calc.addLayout(form)
        self.plan = QLabel()
        self.plan.setObjectName("dosePlanResult")
        self.plan.setWordWrap(True)
        calc.addWidget(self.plan)
        self.steps = QLabel()
        self.steps.setObjectName("dosePlanSteps")
        self.steps.setWordWrap(True)
        self.steps.setProperty("role", "muted")
        calc.addWidget(self.steps)
        self.regimen_errors = QLabel()
        self.regimen_errors.setProperty("role", "error")
        self.regimen_errors.setWordWrap(True)
        calc.addWidget(self.regimen_errors)
        self.save_regimen_button = QPushButton("Save as the regimen from this date")
        self.save_regimen_button.setObjectName("saveRegimen")
        self.save_regimen_button.setProperty("role", "primary")
        calc.addWidget(self.save_regimen_button)
        calc.addStretch(1)
        outer.addWidget(calc_card, 5)

        right = QVBoxLayout()
        reg_card, reg = card("Regimens")
        self.regimens = RecordTableModel(
            [
                ("From", lambda s: format_date(s.value.from_date)),
                ("g/kg", lambda s: f"{s.value.g_per_kg:g}"),
                ("Route", lambda s: s.value.route.upper()),
                ("Days / SC doses", lambda s: str(s.value.days or s.value.sc_doses_per_period)),
                ("Every", lambda s: f"{s.value.interval_weeks} wk"),
                (
                    "Weight",
                    lambda s: (
                        f"{s.value.weight_kg:g} kg"
                        + (
                            f" (override {s.value.dosing_weight_override_kg:g} kg)"
                            if s.value.dosing_weight_override_kg
                            else ""
                        )
                    ),
                ),
            ]
        )
        reg.addWidget(record_table(self.regimens, "regimenHistory", "Regimen history"))
        right.addWidget(reg_card, 1)
        inf_card, inf = card("Infusions given (with batch numbers)")
        self.infusions = RecordTableModel(
            [
                ("Date", lambda s: format_date(s.value.date)),
                ("Grams", lambda s: f"{s.value.grams:g}"),
                ("Product", lambda s: s.value.product),
                ("Batch", lambda s: s.value.batch),
                ("Route", lambda s: s.value.route.upper()),
                ("Reaction", lambda s: s.value.reaction or "none"),
            ]
        )
        add = QHBoxLayout()
        self.inf_date = DateField("infusionDate", "Infusion date")
        self.inf_grams = QLineEdit()
        self.inf_grams.setObjectName("infusionGrams")
        self.inf_grams.setPlaceholderText("g")
        self.inf_grams.setMaximumWidth(60)
        self.inf_product = QLineEdit()
        self.inf_product.setObjectName("infusionProduct")
        self.inf_product.setPlaceholderText("product")
        self.inf_batch = QLineEdit()
        self.inf_batch.setObjectName("infusionBatch")
        self.inf_batch.setPlaceholderText("batch number")
        self.inf_route = QComboBox()
        self.inf_route.setObjectName("infusionRoute")
        self.inf_route.addItem("IV", "iv")
        self.inf_route.addItem("SC", "sc")
        self.inf_reaction = QLineEdit()
        self.inf_reaction.setObjectName("infusionReaction")
        self.inf_reaction.setPlaceholderText("reaction (blank if none)")
        self.save_infusion_button = QPushButton("Record infusion")
        self.save_infusion_button.setObjectName("saveInfusion")
        for w in (
            self.inf_date,
            self.inf_grams,
            self.inf_product,
            self.inf_batch,
            self.inf_route,
            self.inf_reaction,
            self.save_infusion_button,
        ):
            add.addWidget(w)
        inf.addLayout(add)
        self.infusion_errors = QLabel()
        self.infusion_errors.setProperty("role", "error")
        self.infusion_errors.setWordWrap(True)
        inf.addWidget(self.infusion_errors)
        inf.addWidget(record_table(self.infusions, "infusionLog", "Infusion log"), 1)
        right.addWidget(inf_card, 2)
        outer.addLayout(right, 6)

        for w in (self.weight, self.g_per_kg, self.override, self.override_reason):
            w.textChanged.connect(self._refresh)
        for c in (self.route, self.sc_doses, self.step, self.basis):
            c.currentIndexChanged.connect(self._refresh)
        for spin in (self.days, self.interval):
            spin.valueChanged.connect(self._refresh)
        self.save_regimen_button.clicked.connect(self.save_regimen)
        self.save_infusion_button.clicked.connect(self.save_infusion)

    def show_file(self, file: PatientFile) -> None:
        self.file = file
        self.regimens.set_rows(list(reversed(file.regimens)))
        self.infusions.set_rows(list(reversed(file.infusions)))
        current = file.record.regimen_on()
        today = self.session.today()
        self.from_date.set_value(today)
        if current is not None:
            self.weight.setText(f"{current.weight_kg:g}")
            self.g_per_kg.setText(f"{current.g_per_kg:g}")
            self.route.setCurrentIndex(self.route.findData(current.route))
            if current.days:
                self.days.setValue(current.days)
            self.interval.setValue(current.interval_weeks)
            if current.vial_step_g:
                self.step.setCurrentIndex(self.step.findData(current.vial_step_g))
            if current.sc_doses_per_period:
                self.sc_doses.setCurrentIndex(self.sc_doses.findData(current.sc_doses_per_period))
            self.basis.setCurrentIndex(max(0, self.basis.findData(current.ibw_basis)))
            self.override.setText(
                f"{current.dosing_weight_override_kg:g}"
                if current.dosing_weight_override_kg
                else ""
            )
            self.override_reason.setText(current.override_reason)
        last = file.infusions[-1].value if file.infusions else None
        self.inf_date.set_value(today)
        self.inf_product.setText(last.product if last else "")
        self.inf_route.setCurrentIndex(self.inf_route.findData(last.route if last else "iv"))
        self.inf_batch.clear()
        self.inf_grams.clear()
        self.inf_reaction.clear()
        self.form.setRowVisible(self.basis, file.patient.value.sex not in ("female", "male"))
        self._refresh()

    def regimen(self) -> tuple[Regimen | None, list[FieldError]]:
        errors: list[FieldError] = []
        values: dict[str, float | None] = {}
        for name, widget in (
            ("weight_kg", self.weight),
            ("g_per_kg", self.g_per_kg),
            ("dosing_weight_override_kg", self.override),
        ):
            try:
                values[name] = _number(widget.text())
            except ValueError:
                values[name] = None
                errors.append(FieldError(name, f"must be a number; got {widget.text()!r}"))
        start = self.from_date.value()
        if start is None:
            errors.append(
                FieldError("from", self.from_date.problem(required=True, label=_LABELS["from"]))
            )
        route = self.route.currentData()
        regimen = Regimen(
            from_date=start or self.session.today(),  # not kept without a start date
            g_per_kg=values["g_per_kg"],  # type: ignore[arg-type]  # None: the rules say so
            days=self.days.value() if route == "iv" else None,
            interval_weeks=self.interval.value(),
            route=route,
            weight_kg=values["weight_kg"],  # type: ignore[arg-type]
            dosing_weight_override_kg=values["dosing_weight_override_kg"],
            override_reason=self.override_reason.text().strip(),
            vial_step_g=self.step.currentData(),
            ibw_basis=self.basis.currentData(),
            sc_doses_per_period=self.sc_doses.currentData() if route == "sc" else None,
        )
        # one set of rules for the regimen, whatever this form checked itself (unparsed numbers)
        unparsed = {e.field for e in errors}
        errors += [e for e in validate_regimen(regimen, self.forms) if e.field not in unparsed]
        if unparsed or start is None or None in (values["weight_kg"], values["g_per_kg"]):
            return None, errors  # no plan from a half-read form
        return regimen, errors

    def _refresh(self, *_: object) -> None:
        if self.file is None:
            return
        sc = self.route.currentData() == "sc"
        self.days.setEnabled(not sc)
        self.sc_doses.setEnabled(sc)
        patient = self.file.patient.value
        regimen, errors = self.regimen()
        if patient.height_cm is None:
            self.plan.setText(
                "<b style='color:#d5281b'>No height recorded for this patient: "
                "add it in the patient's details to plan a dose.</b>"
            )
            self.steps.setText("")
            return
        if regimen is None:
            self.plan.setText("<b>Enter the weight and dose to see the plan.</b>")
            self.steps.setText("<br>".join(escape(m) for m in _named(errors)))
            return
        try:
            plan = plan_dose(dose_request(patient, regimen), self.forms.dosing)
        except ValidationError as e:
            self.plan.setText(
                "<b style='color:#d5281b'>Cannot plan this dose:</b><br>"
                + "<br>".join(escape(m) for m in _named(e.errors))
            )
            self.steps.setText("")
            return
        self.plan.setText(dose_plan_html(plan))
        self.steps.setText(
            "<b>How it was reached</b><br>"
            + "<br>".join(f"{i}. {escape(s)}" for i, s in enumerate(plan.steps, 1))
        )

    def save_regimen(self) -> bool:
        if self.file is None:
            return False
        regimen, errors = self.regimen()
        widgets = {
            "weight_kg": self.weight,
            "g_per_kg": self.g_per_kg,
            "dosing_weight_override_kg": self.override,
            "override_reason": self.override_reason,
            "from": self.from_date,
        }
        mark_errors(widgets, errors)
        if errors or regimen is None:
            self.regimen_errors.setText("Not saved: " + "; ".join(_named(errors)))
            return False
        try:
            self.session.store.save("regimens", self.file.uid, regimen)
        except ValidationError as e:
            self.regimen_errors.setText("Not saved: " + "; ".join(_named(e.errors)))
            return False
        except StoreError as e:
            self.regimen_errors.setText(f"Not saved: {e}")
            return False
        self.regimen_errors.setText("")
        self.session.notify_saved(self.file.uid)
        return True

    def save_infusion(self) -> bool:
        if self.file is None:
            return False
        errors: list[FieldError] = []
        try:
            grams = _number(self.inf_grams.text())
        except ValueError:
            grams = None
            errors.append(FieldError("grams", f"must be a number; got {self.inf_grams.text()!r}"))
        on = self.inf_date.value()
        if on is None:
            errors.append(FieldError("date", self.inf_date.problem(required=True, label="Date")))
        infusion = Infusion(
            on or self.session.today(),
            grams or 0.0,
            self.inf_product.text().strip(),
            self.inf_batch.text().strip(),
            self.inf_route.currentData(),
            self.inf_reaction.text().strip(),
        )
        if grams is None and not errors:
            errors.append(FieldError("grams", "is required"))
        seen = {e.field for e in errors}
        errors += [
            e for e in validate_infusion(infusion, self.session.today()) if e.field not in seen
        ]
        widgets = {
            "date": self.inf_date,
            "grams": self.inf_grams,
            "product": self.inf_product,
            "batch": self.inf_batch,
        }
        mark_errors(widgets, errors)
        if errors:
            self.infusion_errors.setText("Not recorded: " + "; ".join(str(e) for e in errors))
            return False
        try:
            self.session.store.save("infusions", self.file.uid, infusion)
        except (ValidationError, StoreError) as e:
            self.infusion_errors.setText(f"Not recorded: {e}")
            return False
        self.infusion_errors.setText("")
        self.session.notify_saved(self.file.uid)
        return True
