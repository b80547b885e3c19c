"""The Ig dose plan: dose-determining weight, course total and its split.

Policy 2271 "Recommended dose": 1-2 g/kg, every 4 weeks at first, over 2-5 days; the course is
"rounded down to the nearest 10 g dose which can be administered using whole vials"; "the daily
dose may differ". The dose-determining weight follows national Ig policy practice for adults
(domain.md section 2). Every number is exact; every step is written out so a pharmacist can
check it by hand.

This module is the dose's one definition: the rules that check a regimen (for the calculator and
for the stored regimen alike), the numbers, the written working, and the plan's lines with their
wording. The command line, the overview, the dose calculator and the letter only lay out
`DosePlan.lines` (or `brief_lines`), `steps` and `notes`; none adds a number or a word of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import DosingRules
from mdtapp.domain.instruments import bmi as body_mass_index
from mdtapp.domain.model import ROUTES, SEXES
from mdtapp.domain.numbers import as_json_number, exact, plain, show

BASES = ("ideal", "adjusted", "actual")
_BASIS_WEIGHT = {
    "ideal": "ideal body weight",
    "adjusted": "adjusted weight",
    "actual": "actual weight",
}


@dataclass(frozen=True)
class DoseRequest:
    sex: str
    height_cm: float
    weight_kg: float
    g_per_kg: float
    days: int | None = None
    route: str = "iv"
    interval_weeks: int | None = None  # None: the policy's starting interval, said so
    vial_step_g: float | None = None  # None: the default vial step, said so
    ibw_basis: str | None = None  # female | male: required when sex is other or unknown
    override_weight_kg: float | None = None
    override_reason: str = ""
    sc_doses_per_period: int | None = None

    @property
    def dosing_weight_override_kg(self) -> float | None:
        """The override under its name in a stored regimen, so one set of rules checks both."""
        return self.override_weight_kg


@dataclass(frozen=True)
class PlanLine:
    """One line of a dose plan, worded once here and laid out by every output."""

    key: str  # stable: ideal_weight, adjusted_weight, ..., course_total, doses, interval
    label: str  # "Course total"
    value: str  # "120 g"
    # A few more words on the value ("rounded down to whole 10 g", the route, the split), for
    # outputs with room for them; the command line's table leaves them out and prints the
    # whole working below it instead.
    detail: str = ""
    decimal: bool = False  # a weight or BMI to one decimal place: tables align these


@dataclass(frozen=True)
class DosePlan:
    route: str
    ibw_formula: str  # female | male
    height_in: Fraction
    ideal_weight_kg: Fraction
    adjusted_weight_kg: Fraction
    actual_weight_kg: Fraction
    bmi: Fraction
    weight_basis: str  # ideal | adjusted | actual: what the rule chose
    rule: str  # why the rule chose it
    dosing_weight_kg: Fraction  # the weight used (the override when there is one)
    override_reason: str  # empty unless the MDT overrode the weight
    g_per_kg: Fraction
    exact_dose_g: Fraction
    course_total_g: Fraction
    rounding_unit_g: Fraction  # the course total is a whole number of these (forms/dosing.toml)
    doses_g: tuple[Fraction, ...]  # IV: one per day; SC: one per dose in the 4-week period
    days: int | None
    interval_weeks: int
    vial_step_g: Fraction
    sc_doses_per_period: int | None
    sc_period_weeks: int
    steps: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def split_text(self) -> str:
        return " + ".join(plain(d) for d in self.doses_g) + f" = {plain(self.course_total_g)} g"

    @property
    def interval_text(self) -> str:
        return f"every {self.interval_weeks} week{'s' if self.interval_weeks != 1 else ''}"

    @property
    def lines(self) -> tuple[PlanLine, ...]:
        """The plan as a table: every weight, the basis and why, the dose, total and split."""
        doses = ", ".join(plain(d) for d in self.doses_g)
        basis = self.weight_basis + (f" — {self.rule}" if self.rule else "")
        override = " (MDT override)" if self.overridden else ""
        route = "intravenous" if self.route == "iv" else "subcutaneous"
        if self.route == "iv":
            split = PlanLine("doses", "Daily doses", f"{doses} g over {self.days} days")
        else:
            split = PlanLine("doses", "SC doses", f"{doses} g per {self.sc_period_weeks} weeks")
        return (
            PlanLine("ideal_weight", "Ideal body weight", _kg(self.ideal_weight_kg), decimal=True),
            PlanLine(
                "adjusted_weight", "Adjusted weight", _kg(self.adjusted_weight_kg), decimal=True
            ),
            PlanLine("actual_weight", "Actual weight", _kg(self.actual_weight_kg), decimal=True),
            PlanLine("bmi", "BMI", f"{show(self.bmi)} kg/m²", decimal=True),
            PlanLine("weight_basis", "Weight basis", basis),
            PlanLine(
                "dosing_weight",
                "Dosing weight",
                _kg(self.dosing_weight_kg) + override,
                decimal=True,
            ),
            PlanLine("dose", "Dose", f"{plain(self.g_per_kg)} g/kg", route),
            PlanLine(
                "course_total",
                "Course total",
                f"{plain(self.course_total_g)} g",
                _rounded_down(self.rounding_unit_g),
            ),
            replace(split, detail=self.split_text),
            PlanLine("interval", "Interval", self.interval_text),
        )

    @property
    def brief_lines(self) -> tuple[PlanLine, ...]:
        """The same lines in fewer rows, for a letter: the weights on one row, the rule on its
        own, each detail beside its value (a letter has no room for the whole working)."""
        line = {x.key: x for x in self.lines}
        weights = " · ".join(
            f"{short} {line[key].value}"
            for key, short in (
                ("ideal_weight", "ideal"),
                ("adjusted_weight", "adjusted"),
                ("actual_weight", "actual"),
                ("bmi", "BMI"),
            )
        )
        dose, total, split = line["dose"], line["course_total"], line["doses"]
        out = [
            PlanLine(
                "dosing_weight",
                "Dose-determining weight",
                f"{self.weight_basis} weight {line['dosing_weight'].value}",
            ),
            PlanLine("weights", "Weights", weights),
            PlanLine("weight_basis", "Why this weight", self.rule),
            PlanLine("dose", "Dose", f"{dose.value}, {dose.detail}"),
            PlanLine("course_total", "Course total", f"{total.value} ({total.detail})"),
            PlanLine(
                "doses",
                "Given as" if self.route == "iv" else split.label,
                (f"{self.days} days: " if self.route == "iv" else "") + split.detail,
            ),
            line["interval"],
        ]
        if self.overridden:
            out.append(PlanLine("override_reason", "Override reason", self.override_reason))
        return tuple(out)

    @property
    def summary(self) -> str:
        doses = ", ".join(plain(d) for d in self.doses_g)
        if self.route == "iv":
            return (
                f"{plain(self.course_total_g)} g IV over {self.days} days ({doses} g), "
                f"{self.interval_text}"
            )
        return (
            f"{plain(self.course_total_g)} g SC per {self.sc_period_weeks} weeks as "
            f"{len(self.doses_g)} doses ({doses} g)"
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "route": self.route,
            "ibw_formula": self.ibw_formula,
            "ideal_weight_kg": as_json_number(self.ideal_weight_kg, 1),
            "adjusted_weight_kg": as_json_number(self.adjusted_weight_kg, 1),
            "actual_weight_kg": as_json_number(self.actual_weight_kg, 1),
            "bmi": as_json_number(self.bmi, 1),
            "weight_basis": self.weight_basis,
            "rule": self.rule,
            "dosing_weight_kg": as_json_number(self.dosing_weight_kg, 1),
            "dosing_weight_overridden": self.overridden,
            "override_reason": self.override_reason or None,
            "g_per_kg": as_json_number(self.g_per_kg, 2),
            "exact_dose_g": as_json_number(self.exact_dose_g, 2),
            "course_total_g": as_json_number(self.course_total_g, 1),
            "vial_step_g": as_json_number(self.vial_step_g, 1),
            "interval_weeks": self.interval_weeks,
        }
        if self.route == "iv":
            out["days"] = self.days
            out["daily_doses_g"] = [as_json_number(d, 1) for d in self.doses_g]
        else:
            out["sc_period_weeks"] = self.sc_period_weeks
            out["sc_doses_per_period"] = self.sc_doses_per_period
            out["sc_doses_g"] = [as_json_number(d, 1) for d in self.doses_g]
        out["steps"] = list(self.steps)
        out["notes"] = list(self.notes)
        return out


def _kg(value: Fraction) -> str:
    return f"{show(value)} kg"


def _rounded_down(unit: Fraction) -> str:
    # policy 2271: the course is rounded DOWN to whole vials (the unit is in forms/dosing.toml)
    return f"rounded down to whole {plain(unit)} g"


# ---------------------------------------------------------------- the rules for a regimen


class RegimenFields(Protocol):
    """What a stored regimen (model.Regimen) and a dose request share: one set of rules checks
    both. The fields are named as in the interchange file."""

    @property
    def weight_kg(self) -> float: ...
    @property
    def g_per_kg(self) -> float: ...
    @property
    def route(self) -> str: ...
    @property
    def days(self) -> int | None: ...
    @property
    def interval_weeks(self) -> int | None: ...
    @property
    def vial_step_g(self) -> float | None: ...
    @property
    def ibw_basis(self) -> str | None: ...
    @property
    def dosing_weight_override_kg(self) -> float | None: ...
    @property
    def override_reason(self) -> str: ...
    @property
    def sc_doses_per_period(self) -> int | None: ...


def allowed(rules: DosingRules) -> dict[str, str]:
    """What each dose field accepts, worded once for every message ("must be " + this) and
    for the command's help; the numbers come from forms/dosing.toml."""
    return dict(_allowed(rules))


@lru_cache(maxsize=8)
def _allowed(rules: DosingRules) -> tuple[tuple[str, str], ...]:
    """`allowed`, worded once per set of rules (every dose plan checks its request against it:
    the audit return plans thousands)."""

    def span(lo: object, hi: object, unit: str) -> str:
        return f"{plain(exact(str(lo)))}-{plain(exact(str(hi)))} {unit}"

    weight = span(rules.weight_kg_min, rules.weight_kg_max, "kg")
    sc_choices = ", ".join(map(str, rules.sc_doses_per_period_choices))
    return tuple(
        {
            "sex": f"one of {', '.join(SEXES)}",
            "height_cm": span(rules.height_cm_min, rules.height_cm_max, "cm"),
            "weight_kg": weight,
            "g_per_kg": span(rules.g_per_kg_min, rules.g_per_kg_max, "g/kg"),
            "route": " or ".join(ROUTES),
            "days": span(rules.days_min, rules.days_max, "days"),
            "sc_doses_per_period": f"one of {sc_choices} doses per {rules.sc_period_weeks} weeks",
            "interval_weeks": span(rules.interval_min_weeks, rules.interval_max_weeks, "weeks"),
            "vial_step_g": f"one of {', '.join(plain(s) for s in rules.allowed_vial_steps_g)} g",
            "ibw_basis": "female or male",
            "dosing_weight_override_kg": weight,
        }.items()
    )


def _got(value: object) -> str:
    """The value as typed: 900 not 900.0; text quoted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return plain(exact(value))
    return repr(value)


def _number(
    errors: list[FieldError],
    name: str,
    value: object,
    lo: object,
    hi: object,
    allowed_text: str,
    *,
    required: bool,
    required_for: str = "",
) -> None:
    if value is None:
        if required:
            errors.append(FieldError(name, f"is required{required_for} ({allowed_text})"))
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors.append(FieldError(name, f"must be a number {allowed_text}; got {value!r}"))
    elif not exact(str(lo)) <= exact(value) <= exact(str(hi)):
        errors.append(FieldError(name, f"must be {allowed_text}; got {_got(value)}"))


def _whole(
    errors: list[FieldError],
    name: str,
    value: object,
    lo: int,
    hi: int,
    allowed_text: str,
    *,
    required: bool,
    required_for: str = "",
) -> None:
    if value is None:
        if required:
            errors.append(FieldError(name, f"is required{required_for} ({allowed_text})"))
    elif isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(name, f"must be a whole number {allowed_text}; got {value!r}"))
    elif not lo <= value <= hi:
        errors.append(FieldError(name, f"must be {allowed_text}; got {value}"))


def regimen_problems(
    r: RegimenFields, rules: DosingRules, *, interval_required: bool
) -> list[FieldError]:
    """Every problem with a regimen's fields, each naming the field and what it accepts.

    The one set of rules for the stored regimen (model.validate_regimen: the interval is
    stored, so required) and the dose calculator (plan_dose: no interval means the policy's
    starting interval, said so). The route's own fields are required (days for IV, doses per
    period for SC); the other route's field is checked only when given."""
    errors: list[FieldError] = []
    text = allowed(rules)
    _number(
        errors,
        "weight_kg",
        r.weight_kg,
        rules.weight_kg_min,
        rules.weight_kg_max,
        text["weight_kg"],
        required=True,
    )
    _number(
        errors,
        "g_per_kg",
        r.g_per_kg,
        rules.g_per_kg_min,
        rules.g_per_kg_max,
        text["g_per_kg"],
        required=True,
    )
    if r.route not in ROUTES:
        errors.append(FieldError("route", f"must be {text['route']}; got {r.route!r}"))
    _whole(
        errors,
        "days",
        r.days,
        rules.days_min,
        rules.days_max,
        text["days"],
        required=r.route == "iv",
        required_for=" for IV",
    )
    if r.sc_doses_per_period is not None:
        _choice(
            errors,
            "sc_doses_per_period",
            r.sc_doses_per_period,
            [Fraction(c) for c in rules.sc_doses_per_period_choices],
            text["sc_doses_per_period"],
            whole=True,
        )
    elif r.route == "sc":
        errors.append(
            FieldError("sc_doses_per_period", f"is required for SC ({text['sc_doses_per_period']})")
        )
    _whole(
        errors,
        "interval_weeks",
        r.interval_weeks,
        rules.interval_min_weeks,
        rules.interval_max_weeks,
        text["interval_weeks"],
        required=interval_required,
    )
    if r.vial_step_g is not None:
        _choice(
            errors,
            "vial_step_g",
            r.vial_step_g,
            [Fraction(s) for s in rules.allowed_vial_steps_g],
            text["vial_step_g"],
            whole=False,
        )
    if r.ibw_basis is not None and r.ibw_basis not in ("female", "male"):
        errors.append(FieldError("ibw_basis", f"must be {text['ibw_basis']}; got {r.ibw_basis!r}"))
    if r.dosing_weight_override_kg is not None:
        _number(
            errors,
            "dosing_weight_override_kg",
            r.dosing_weight_override_kg,
            rules.weight_kg_min,
            rules.weight_kg_max,
            text["dosing_weight_override_kg"],
            required=True,
        )
        if not isinstance(r.override_reason, str) or not r.override_reason.strip():
            errors.append(
                FieldError("override_reason", "is required when the dosing weight is overridden")
            )
    return errors


def _choice(
    errors: list[FieldError],
    name: str,
    value: object,
    choices: list[Fraction],
    allowed_text: str,
    *,
    whole: bool,
) -> None:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (isinstance(value, int) or not whole)
        and math.isfinite(value)
        and exact(value) in choices
    )
    if not ok:
        errors.append(FieldError(name, f"must be {allowed_text}; got {_got(value)}"))


def _check(request: DoseRequest, rules: DosingRules) -> list[FieldError]:
    """The request's problems: the patient's sex and height, then the regimen's own rules."""
    errors: list[FieldError] = []
    text = allowed(rules)
    if request.sex not in SEXES:
        errors.append(FieldError("sex", f"must be {text['sex']}; got {request.sex!r}"))
    elif request.sex in ("other", "unknown") and request.ibw_basis is None:
        errors.append(
            FieldError(
                "ibw_basis",
                f"sex is recorded as {request.sex}: choose the ideal-weight formula "
                "(female or male); it is never guessed",
            )
        )
    _number(
        errors,
        "height_cm",
        request.height_cm,
        rules.height_cm_min,
        rules.height_cm_max,
        text["height_cm"],
        required=True,
    )
    return errors + regimen_problems(request, rules, interval_required=False)


# ---------------------------------------------------------------- the numbers


def split_course(total: Fraction, parts: int, step: Fraction) -> tuple[Fraction, ...]:
    """Multiples of `step`, as even as possible, larger first: 130 g / 5 -> 30, 25, 25, 25, 25."""
    units = total / step
    if units.denominator != 1:
        raise ValueError(f"{plain(total)} g is not a whole number of {plain(step)} g steps")
    base, extra = divmod(int(units), parts)
    return tuple([(base + 1) * step] * extra + [base * step] * (parts - extra))


@dataclass(frozen=True)
class _Basis:
    """Which weight the rule chose, and every test that chose it (the rule, once)."""

    basis: str  # ideal | adjusted | actual
    under_5_ft: bool  # shorter than the Devine formula's base height
    obese: bool  # BMI over the short-stature limit (asked only under 5 ft)
    bmi_over: bool  # BMI over the adjusted-weight limit
    weight_over: bool  # actual weight more than the factor above ideal


def _weight_basis(
    inches: Fraction, ideal: Fraction, actual: Fraction, body_mass: Fraction, rules: DosingRules
) -> _Basis:
    under_5_ft = inches < Fraction(rules.ibw_base_height_in)
    obese = body_mass > Fraction(rules.short_stature_obese_if_bmi_over)
    bmi_over = body_mass > Fraction(rules.adjusted_if_bmi_over)
    weight_over = actual > ideal * Fraction(rules.adjusted_if_actual_over_ibw_factor)
    if under_5_ft and not obese:
        # domain.md section 2: the Devine formula is not meant for this height
        basis = rules.short_stature_basis_if_not_obese
    elif actual < ideal:
        basis = "actual"
    else:
        basis = "adjusted" if bmi_over or weight_over else "ideal"
    return _Basis(basis, under_5_ft, obese, bmi_over, weight_over)


def plan_dose(request: DoseRequest, rules: DosingRules, *, explain: bool = True) -> DosePlan:
    """The dose plan, or ValidationError listing every bad field (nothing is guessed).

    Every number is computed here, once. `explain=False` leaves out the written steps, the rule
    and the notes (the yearly audit return needs the numbers for thousands of patients, and
    writing out each working is most of the time); the numbers are the same either way."""
    errors = _check(request, rules)
    if errors:
        raise ValidationError(errors)

    height = exact(request.height_cm)
    actual = exact(request.weight_kg)
    g_per_kg = exact(request.g_per_kg)
    formula = request.ibw_basis or request.sex

    # Devine ideal body weight (continued below 5 ft; the basis rule decides whether it is used)
    inches = height / Fraction(rules.cm_per_inch)
    base = Fraction(rules.ibw_base_female_kg if formula == "female" else rules.ibw_base_male_kg)
    per_inch = Fraction(rules.ibw_kg_per_inch)
    five_feet = Fraction(rules.ibw_base_height_in)
    ideal = base + per_inch * (inches - five_feet)
    body_mass = body_mass_index(height, actual)
    adjusted = ideal + Fraction(rules.adjusted_weight_factor) * (actual - ideal)
    basis = _weight_basis(inches, ideal, actual, body_mass, rules).basis
    rule_weight = {"ideal": ideal, "adjusted": adjusted, "actual": actual}[basis]
    if request.override_weight_kg is not None:
        dosing_weight = exact(request.override_weight_kg)
        override_reason = request.override_reason.strip()
    else:
        dosing_weight = rule_weight
        override_reason = ""

    unit = Fraction(rules.round_down_to_g)
    exact_dose = g_per_kg * dosing_weight
    # policy 2271: round DOWN to whole 10 g (whole vials; part vials never used in adults)
    total = unit * math.floor(exact_dose / unit)
    next_unit = total + unit
    if total <= 0:
        weight_text = show(dosing_weight, near=next_unit / g_per_kg)
        raise ValidationError(
            [
                FieldError(
                    "g_per_kg",
                    f"{plain(g_per_kg)} g/kg × {weight_text} kg = {show(exact_dose)} g rounds "
                    f"down to 0 g; check the dose and weight",
                )
            ]
        )

    step = (
        exact(request.vial_step_g)
        if request.vial_step_g is not None
        else Fraction(rules.default_vial_step_g)
    )
    parts = request.days if request.route == "iv" else request.sc_doses_per_period
    assert parts is not None  # required for the route: checked above
    doses = split_course(total, parts, step)
    if doses[-1] <= 0:
        most = int(total / step)
        what = "days" if request.route == "iv" else "doses"
        raise ValidationError(
            [
                FieldError(
                    "days" if request.route == "iv" else "sc_doses_per_period",
                    f"{plain(total)} g cannot be split into {parts} {what} of whole "
                    f"{plain(step)} g vial steps; use at most {most} {what}",
                )
            ]
        )

    if request.route == "sc":
        interval = (
            rules.sc_period_weeks // parts
            if rules.sc_period_weeks % parts == 0
            else (request.interval_weeks or rules.interval_starting_weeks)
        )
    elif request.interval_weeks is None:
        interval = rules.interval_starting_weeks
    else:
        interval = request.interval_weeks

    plan = DosePlan(
        route=request.route,
        ibw_formula=formula,
        height_in=inches,
        ideal_weight_kg=ideal,
        adjusted_weight_kg=adjusted,
        actual_weight_kg=actual,
        bmi=body_mass,
        weight_basis=basis,
        rule="",
        dosing_weight_kg=dosing_weight,
        override_reason=override_reason,
        g_per_kg=g_per_kg,
        exact_dose_g=exact_dose,
        course_total_g=total,
        rounding_unit_g=unit,
        doses_g=doses,
        days=request.days if request.route == "iv" else None,
        interval_weeks=interval,
        vial_step_g=step,
        sc_doses_per_period=request.sc_doses_per_period if request.route == "sc" else None,
        sc_period_weeks=rules.sc_period_weeks,
        steps=(),
        notes=(),
    )
    return _explained(plan, request, rules) if explain else plan


# ---------------------------------------------------------------- the written working


def _basis_rule(plan: DosePlan, height: Fraction, rules: DosingRules) -> tuple[str, list[str]]:
    """Why the rule chose its weight, in one sentence, and any note it calls for."""
    ideal, actual, body_mass = plan.ideal_weight_kg, plan.actual_weight_kg, plan.bmi
    chosen = _weight_basis(plan.height_in, ideal, actual, body_mass, rules)
    bmi_limit = Fraction(rules.adjusted_if_bmi_over)
    factor = Fraction(rules.adjusted_if_actual_over_ibw_factor)
    over_ibw = ideal * factor
    percent_over = plain((factor - 1) * 100)
    if chosen.basis == "actual" and actual < ideal:
        usual = (
            f"actual weight {plain(actual)} kg is below ideal body weight "
            f"{show(ideal, near=actual)} kg: use actual weight"
        )
    elif chosen.bmi_over or chosen.weight_over:
        reasons = []
        if chosen.bmi_over:
            reasons.append(f"BMI {show(body_mass, near=bmi_limit)} is over {plain(bmi_limit)}")
        if chosen.weight_over:
            reasons.append(
                f"actual weight {plain(actual)} kg is more than {percent_over} % above ideal "
                f"({plain(factor)} × {show(ideal)} = {show(over_ibw, near=actual)} kg)"
            )
        usual = " and ".join(reasons) + ": use adjusted weight"
    else:
        usual = (
            f"actual weight {plain(actual)} kg is not below ideal and not more than "
            f"{percent_over} % above it ({plain(factor)} × {show(ideal)} = "
            f"{show(over_ibw, near=actual)} kg), and BMI "
            f"{show(body_mass, near=bmi_limit)} is not over {plain(bmi_limit)}: "
            "use ideal body weight"
        )
    if not chosen.under_5_ft:
        return usual[0].upper() + usual[1:], []

    # domain.md section 2 (the rule of Ontario's IG dose calculator; 2271 is silent)
    five_feet_cm = plain(Fraction(rules.ibw_base_height_in) * Fraction(rules.cm_per_inch))
    obese_limit = Fraction(rules.short_stature_obese_if_bmi_over)
    bmi_text = show(body_mass, near=obese_limit)
    short = (
        f"Height {plain(height)} cm is under 5 ft ({five_feet_cm} cm): the Devine formula is "
        "not meant for this height"
    )
    override = "the MDT may override the dosing weight with a reason"
    if not chosen.obese:
        weight = _BASIS_WEIGHT[chosen.basis]
        rule = (
            f"{short}, and BMI {bmi_text} is not over {plain(obese_limit)} (not obese): "
            f"use {weight}"
        )
        note = (
            f"Under 5 ft ({five_feet_cm} cm) and not obese: dosed on {weight}, not the Devine "
            f"ideal weight; {override}."
        )
    else:
        rule = (
            f"{short}, but BMI {bmi_text} is over {plain(obese_limit)} (obese), so the usual "
            f"rule applies, on the Devine line continued below 5 ft: {usual}"
        )
        note = (
            f"Under 5 ft ({five_feet_cm} cm) and obese: ideal weight from the Devine line "
            f"continued below 5 ft ({plain(rules.ibw_kg_per_inch)} kg less per inch); "
            f"{override}."
        )
    return rule, [note]


def _explained(plan: DosePlan, request: DoseRequest, rules: DosingRules) -> DosePlan:
    """The plan with its working written out, step by step, from the numbers plan_dose chose."""
    notes: list[str] = []
    steps: list[str] = []
    formula, inches, ideal = plan.ibw_formula, plan.height_in, plan.ideal_weight_kg
    actual, body_mass, g_per_kg = plan.actual_weight_kg, plan.bmi, plan.g_per_kg
    basis = plan.weight_basis
    height = exact(request.height_cm)
    if request.sex not in ("female", "male"):
        notes.append(
            f"Sex is recorded as {request.sex}: the {formula} ideal-weight formula was "
            "chosen by the user."
        )
    base = Fraction(rules.ibw_base_female_kg if formula == "female" else rules.ibw_base_male_kg)
    per_inch = Fraction(rules.ibw_kg_per_inch)
    five_feet = Fraction(rules.ibw_base_height_in)
    steps.append(
        f"Height {plain(height)} cm = {show(inches, 2)} in; ideal body weight (Devine, {formula}) "
        f"= {plain(base)} + {plain(per_inch)} × ({show(inches, 2)} − {plain(five_feet)}) "
        f"= {show(ideal)} kg"
    )
    bmi_limit = Fraction(rules.adjusted_if_bmi_over)
    steps.append(
        f"BMI = {plain(actual)} kg / ({show(height / 100, 2)} m)² = "
        f"{show(body_mass, near=bmi_limit)} kg/m²"
    )
    rule, basis_notes = _basis_rule(plan, height, rules)
    notes.extend(basis_notes)
    steps.append(rule)
    adj_factor = Fraction(rules.adjusted_weight_factor)
    steps.append(
        f"Adjusted weight = {show(ideal)} + {plain(adj_factor)} × ({plain(actual)} − "
        f"{show(ideal)}) = {show(plan.adjusted_weight_kg)} kg"
    )
    rule_weight = {"ideal": ideal, "adjusted": plan.adjusted_weight_kg, "actual": actual}[basis]

    dosing_weight = plan.dosing_weight_kg
    if request.override_weight_kg is not None:
        override_reason = plan.override_reason
        steps.append(
            f"Dosing weight overridden by the MDT: {plain(dosing_weight)} kg instead of "
            f"the {basis} weight {show(rule_weight)} kg (reason: {override_reason})"
        )
        notes.append(
            f"Dosing weight overridden: {plain(dosing_weight)} kg (rule gave "
            f"{show(rule_weight)} kg {basis}); reason: {override_reason}"
        )

    total = plan.course_total_g
    next_unit = total + plan.rounding_unit_g
    weight_text = show(dosing_weight, near=next_unit / g_per_kg)
    what = "Course dose" if request.route == "iv" else f"SC dose per {rules.sc_period_weeks} weeks"
    steps.append(
        f"{what} = {plain(g_per_kg)} g/kg × {weight_text} kg = "
        f"{show(plan.exact_dose_g, near=next_unit)} g → "
        f"{_rounded_down(plan.rounding_unit_g)}: {plain(total)} g"
    )

    step = plan.vial_step_g
    step_note = "" if request.vial_step_g is not None else " (default)"
    parts = len(plan.doses_g)
    if request.route == "iv":
        steps.append(
            f"Split over {parts} days in {plain(step)} g vial steps{step_note}, larger "
            f"days first: {plan.split_text}"
        )
    else:
        steps.append(
            f"Split into {parts} SC doses per {rules.sc_period_weeks} weeks in "
            f"{plain(step)} g steps{step_note}: {plan.split_text}"
        )

    interval = plan.interval_weeks
    if request.route == "sc":
        steps.append(f"One SC dose {plan.interval_text}")
    elif request.interval_weeks is None:
        steps.append(f"Interval not given: the policy's starting interval, {plan.interval_text}")
    else:
        steps.append(plan.interval_text.capitalize())

    if g_per_kg < Fraction(rules.g_per_kg_start_range_low):
        notes.append(
            f"{plain(g_per_kg)} g/kg is below the policy's starting range "
            f"({starting_range(rules)}): a reduced dose."
        )
    if request.route == "iv" and interval > rules.interval_note_above_weeks:
        notes.append(
            f"Interval of {interval} weeks is longer than the "
            f"{rules.interval_note_above_weeks} weeks of the original policy text; after "
            "engagement the policy allows the maximum interval at which response is "
            "maintained."
        )
    return replace(plan, rule=rule, steps=tuple(steps), notes=tuple(notes))


def starting_range(rules: DosingRules) -> str:
    """The policy's starting dose range, as the notes and the command's help say it."""
    return f"{plain(rules.g_per_kg_start_range_low)}-{plain(rules.g_per_kg_max)} g/kg"
