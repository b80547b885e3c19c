"""The Ig dose plan: dose-determining weight, course total and its split.

Policy 2271 "Recommended dose": 1-2 g/kg, every 4 weeks at first, over 2-5 days; the course is
"rounded down to the nearest 10 g dose which can be administered using whole vials"; "the daily
dose may differ". The dose-determining weight follows national Ig policy practice for adults
(domain.md section 2). Every number is exact; every step is written out so a pharmacist can
check it by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import DosingRules
from mdtapp.domain.instruments import bmi as body_mass_index
from mdtapp.domain.model import ROUTES, SEXES
from mdtapp.domain.numbers import as_json_number, exact, plain, show

BASES = ("ideal", "adjusted", "actual")


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
    def summary(self) -> str:
        if self.route == "iv":
            return (
                f"{plain(self.course_total_g)} g IV over {self.days} days "
                f"({', '.join(plain(d) for d in self.doses_g)} g), every "
                f"{self.interval_weeks} weeks"
            )
        return (
            f"{plain(self.course_total_g)} g SC per {self.sc_period_weeks} weeks as "
            f"{len(self.doses_g)} doses ({', '.join(plain(d) for d in self.doses_g)} g)"
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


def _check(request: DoseRequest, rules: DosingRules) -> list[FieldError]:
    errors: list[FieldError] = []

    def number(name: str, value: float | None, lo: Fraction, hi: Fraction, unit: str) -> None:
        if value is None or isinstance(value, bool):
            errors.append(FieldError(name, f"is required ({plain(lo)}-{plain(hi)} {unit})"))
            return
        try:
            v = exact(value)
        except (ValueError, ArithmeticError, TypeError):
            errors.append(FieldError(name, f"must be a number; got {value!r}"))
            return
        if not lo <= v <= hi:
            errors.append(
                FieldError(name, f"must be {plain(lo)}-{plain(hi)} {unit}; got {value:g}")
            )

    if request.sex not in SEXES:
        errors.append(FieldError("sex", f"must be one of {', '.join(SEXES)}; got {request.sex!r}"))
    if request.ibw_basis is not None and request.ibw_basis not in ("female", "male"):
        errors.append(FieldError("ibw_basis", f"must be female or male; got {request.ibw_basis!r}"))
    elif request.sex in ("other", "unknown") and request.ibw_basis is None:
        errors.append(
            FieldError(
                "ibw_basis",
                f"sex is recorded as {request.sex}: choose the ideal-weight formula "
                "(female or male); it is never guessed",
            )
        )
    number(
        "height_cm",
        request.height_cm,
        Fraction(rules.height_cm_min),
        Fraction(rules.height_cm_max),
        "cm",
    )
    number(
        "weight_kg",
        request.weight_kg,
        Fraction(rules.weight_kg_min),
        Fraction(rules.weight_kg_max),
        "kg",
    )
    number(
        "g_per_kg",
        request.g_per_kg,
        Fraction(rules.g_per_kg_min),
        Fraction(rules.g_per_kg_max),
        "g/kg",
    )
    if request.route not in ROUTES:
        errors.append(FieldError("route", f"must be iv or sc; got {request.route!r}"))
    days_ok = (
        isinstance(request.days, int)
        and not isinstance(request.days, bool)
        and rules.days_min <= request.days <= rules.days_max
    )
    if request.route == "iv" and not days_ok:
        errors.append(
            FieldError(
                "days", f"must be {rules.days_min}-{rules.days_max} days; got {request.days!r}"
            )
        )
    sc_choices = rules.sc_doses_per_period_choices
    if request.route == "sc" and request.sc_doses_per_period not in sc_choices:
        choices = ", ".join(map(str, rules.sc_doses_per_period_choices))
        errors.append(
            FieldError(
                "sc_doses_per_period",
                f"must be one of {choices} doses per {rules.sc_period_weeks} weeks; "
                f"got {request.sc_doses_per_period!r}",
            )
        )
    if request.interval_weeks is not None and (
        isinstance(request.interval_weeks, bool)
        or not isinstance(request.interval_weeks, int)
        or not rules.interval_min_weeks <= request.interval_weeks <= rules.interval_max_weeks
    ):
        errors.append(
            FieldError(
                "interval_weeks",
                f"must be {rules.interval_min_weeks}-{rules.interval_max_weeks} "
                f"weeks; got {request.interval_weeks!r}",
            )
        )
    if request.vial_step_g is not None:
        allowed = [Fraction(s) for s in rules.allowed_vial_steps_g]
        try:
            ok = exact(request.vial_step_g) in allowed
        except (ValueError, ArithmeticError, TypeError):
            ok = False
        if not ok:
            errors.append(
                FieldError(
                    "vial_step_g",
                    f"must be one of {', '.join(plain(s) for s in allowed)} g; "
                    f"got {request.vial_step_g!r}",
                )
            )
    if request.override_weight_kg is not None:
        number(
            "override_weight_kg",
            request.override_weight_kg,
            Fraction(rules.weight_kg_min),
            Fraction(rules.weight_kg_max),
            "kg",
        )
        if not request.override_reason.strip():
            errors.append(
                FieldError("override_reason", "is required when the dosing weight is overridden")
            )
    return errors


def split_course(total: Fraction, parts: int, step: Fraction) -> tuple[Fraction, ...]:
    """Multiples of `step`, as even as possible, larger first: 130 g / 5 -> 30, 25, 25, 25, 25."""
    units = total / step
    if units.denominator != 1:
        raise ValueError(f"{plain(total)} g is not a whole number of {plain(step)} g steps")
    base, extra = divmod(int(units), parts)
    return tuple([(base + 1) * step] * extra + [base * step] * (parts - extra))


def _weight_basis(
    ideal: Fraction, actual: Fraction, body_mass: Fraction, rules: DosingRules
) -> tuple[str, bool, bool]:
    """The dose-determining weight's basis, and the two tests that can choose adjusted weight
    (BMI over the limit; actual weight more than the factor above ideal): the rule, once."""
    bmi_over = body_mass > Fraction(rules.adjusted_if_bmi_over)
    weight_over = actual > ideal * Fraction(rules.adjusted_if_actual_over_ibw_factor)
    if actual < ideal:
        return "actual", bmi_over, weight_over
    return ("adjusted" if bmi_over or weight_over else "ideal"), bmi_over, weight_over


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

    # Devine ideal body weight
    inches = height / Fraction(rules.cm_per_inch)
    base = Fraction(rules.ibw_base_female_kg if formula == "female" else rules.ibw_base_male_kg)
    per_inch = Fraction(rules.ibw_kg_per_inch)
    five_feet = Fraction(rules.ibw_base_height_in)
    ideal = base + per_inch * (inches - five_feet)
    body_mass = body_mass_index(height, actual)
    adjusted = ideal + Fraction(rules.adjusted_weight_factor) * (actual - ideal)
    basis, _, _ = _weight_basis(ideal, actual, body_mass, rules)
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
    assert parts is not None
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


def _explained(plan: DosePlan, request: DoseRequest, rules: DosingRules) -> DosePlan:
    """The plan with its working written out, step by step, from the numbers plan_dose chose."""
    notes: list[str] = []
    steps: list[str] = []
    formula, inches, ideal = plan.ibw_formula, plan.height_in, plan.ideal_weight_kg
    actual, body_mass, g_per_kg = plan.actual_weight_kg, plan.bmi, plan.g_per_kg
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
    if inches < five_feet:
        notes.append(
            f"Height is under 5 ft ({plain(rules.ibw_base_height_in)} in): the Devine "
            f"formula is extended below 5 ft ({plain(per_inch)} kg less per inch); "
            "check the basis."
        )
    bmi_limit = Fraction(rules.adjusted_if_bmi_over)
    steps.append(
        f"BMI = {plain(actual)} kg / ({show(height / 100, 2)} m)² = "
        f"{show(body_mass, near=bmi_limit)} kg/m²"
    )
    factor = Fraction(rules.adjusted_if_actual_over_ibw_factor)
    adj_factor = Fraction(rules.adjusted_weight_factor)
    over_ibw = ideal * factor
    percent_over = plain((factor - 1) * 100)
    basis, bmi_over, weight_over = _weight_basis(ideal, actual, body_mass, rules)
    if basis == "actual":
        rule = (
            f"Actual weight {plain(actual)} kg is below ideal body weight "
            f"{show(ideal, near=actual)} kg: use actual weight"
        )
    elif basis == "adjusted":
        reasons = []
        if bmi_over:
            reasons.append(f"BMI {show(body_mass, near=bmi_limit)} is over {plain(bmi_limit)}")
        if weight_over:
            reasons.append(
                f"actual weight {plain(actual)} kg is more than {percent_over} % above ideal "
                f"({plain(factor)} × {show(ideal)} = {show(over_ibw, near=actual)} kg)"
            )
        rule = " and ".join(reasons)
        rule = rule[0].upper() + rule[1:] + ": use adjusted weight"
    else:
        rule = (
            f"Actual weight {plain(actual)} kg is not below ideal and not more than "
            f"{percent_over} % above it ({plain(factor)} × {show(ideal)} = "
            f"{show(over_ibw, near=actual)} kg), and BMI "
            f"{show(body_mass, near=bmi_limit)} is not over {plain(bmi_limit)}: "
            "use ideal body weight"
        )
    steps.append(rule)
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

    unit = Fraction(rules.round_down_to_g)
    total = plan.course_total_g
    next_unit = total + unit
    weight_text = show(dosing_weight, near=next_unit / g_per_kg)
    dose_line = (
        f"Course dose = {plain(g_per_kg)} g/kg × {weight_text} kg = "
        f"{show(plan.exact_dose_g, near=next_unit)} g → rounded down to whole "
        f"{plain(unit)} g: {plain(total)} g"
    )
    if request.route == "sc":
        dose_line = dose_line.replace("Course dose", f"SC dose per {rules.sc_period_weeks} weeks")
    steps.append(dose_line)

    step = plan.vial_step_g
    step_note = "" if request.vial_step_g is not None else " (default)"
    parts = len(plan.doses_g)
    split = " + ".join(plain(d) for d in plan.doses_g) + f" = {plain(total)} g"
    if request.route == "iv":
        steps.append(
            f"Split over {parts} days in {plain(step)} g vial steps{step_note}, larger "
            f"days first: {split}"
        )
    else:
        steps.append(
            f"Split into {parts} SC doses per {rules.sc_period_weeks} weeks in "
            f"{plain(step)} g steps{step_note}: {split}"
        )

    interval = plan.interval_weeks
    if request.route == "sc":
        steps.append(f"One SC dose every {interval} week{'s' if interval != 1 else ''}")
    elif request.interval_weeks is None:
        steps.append(f"Interval not given: the policy's starting interval, every {interval} weeks")
    else:
        steps.append(f"Every {interval} weeks")

    if g_per_kg < Fraction(rules.g_per_kg_start_range_low):
        notes.append(
            f"{plain(g_per_kg)} g/kg is below the policy's starting range "
            f"({plain(rules.g_per_kg_start_range_low)}-{plain(rules.g_per_kg_max)} g/kg):"
            " a reduced dose."
        )
    if request.route == "iv" and interval > rules.interval_note_above_weeks:
        notes.append(
            f"Interval of {interval} weeks is longer than the "
            f"{rules.interval_note_above_weeks} weeks of the original policy text; after "
            "engagement the policy allows the maximum interval at which response is "
            "maintained."
        )
    return replace(plan, rule=rule, steps=tuple(steps), notes=tuple(notes))
