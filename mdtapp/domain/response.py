"""Response and the four stopping criteria of policy 2271, as decision support.

Response (versus baseline, the last assessment on or before the first infusion): any of mRSS down
by the MCID, itch / patient global / physician global VAS down by the MCID, papules down by the
percentage. Stop flags compare with the previous assessment (domain.md section 5). Only like is
compared with like: a partial mRSS is never set against a complete one, papule counts only over
the same site, and a count of 0 gives no percentage. Each flag carries the numbers that raised it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from mdtapp.domain.dates import add_months, format_date
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_comparable, mrss_total
from mdtapp.domain.model import Assessment
from mdtapp.domain.numbers import as_json_number, show

MINUS = "−"


def signed(value: Fraction | int, unit: str = "") -> str:
    v = Fraction(value)
    text = show(abs(v), 0) if v.denominator == 1 else show(abs(v), 1)
    sign = "+" if v > 0 else MINUS if v < 0 else "±"
    return f"{sign}{text}{unit}"


def same_site(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


@dataclass(frozen=True)
class Comparison:
    measure: str  # mrss | itch_vas_mm | patient_global_vas_mm | physician_global_vas_mm | papules
    label: str
    before: int | None
    after: int | None
    delta: Fraction | None  # after - before: points, mm, or per cent for papules
    unit: str  # "", " mm", " %"
    comparable: bool
    why_not: str

    @property
    def change_text(self) -> str:
        if not self.comparable or self.delta is None:
            return "not compared"
        return signed(self.delta, self.unit)


@dataclass(frozen=True)
class Evidence:
    measure: str
    text: str
    before: Any = None
    after: Any = None
    change: Fraction | None = None
    threshold: Fraction | None = None
    versus: str | None = None  # baseline | previous
    versus_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "text": self.text,
            "before": self.before,
            "after": self.after,
            "change": None if self.change is None else as_json_number(self.change, 1),
            "threshold": None if self.threshold is None else as_json_number(self.threshold, 1),
            "versus": self.versus,
            "versus_date": None if self.versus_date is None else self.versus_date.isoformat(),
        }


@dataclass(frozen=True)
class FlagResult:
    key: str
    label: str
    raised: bool
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "flag": self.key,
            "label": self.label,
            "evidence": [e.text for e in self.evidence],
            "numbers": [e.to_json() for e in self.evidence],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Evaluation:
    date: date
    on_treatment: bool
    first_infusion: date | None
    baseline_date: date | None
    previous_date: date | None
    response: bool | None
    response_evidence: tuple[Evidence, ...]
    versus_baseline: tuple[Comparison, ...]
    versus_previous: tuple[Comparison, ...]
    flags: tuple[FlagResult, ...]
    notes: tuple[str, ...]

    @property
    def raised(self) -> tuple[FlagResult, ...]:
        return tuple(f for f in self.flags if f.raised)

    @property
    def response_text(self) -> str:
        if self.response is None:
            return "Response not assessable" if self.on_treatment else "Before treatment"
        return "Response" if self.response else "No response"


def compare(before: Assessment, after: Assessment, forms: Forms) -> tuple[Comparison, ...]:
    """Every measure of `after` set against `before`, like with like."""
    out: list[Comparison] = []
    when = format_date(before.date)
    b, a = mrss_total(before.mrss, forms.mrss), mrss_total(after.mrss, forms.mrss)
    label = forms.mrss.short_title
    if not a.any_assessed or not b.any_assessed:
        missing = when if not b.any_assessed else format_date(after.date)
        out.append(
            Comparison(
                "mrss",
                label,
                b.total if b.any_assessed else None,
                a.total if a.any_assessed else None,
                None,
                "",
                False,
                f"{label} not recorded on {missing}",
            )
        )
    elif not mrss_comparable(a, b):
        out.append(
            Comparison(
                "mrss",
                label,
                b.total,
                a.total,
                None,
                "",
                False,
                f"{label} not compared: {a.text} now vs {b.text} on {when} "
                "(different areas assessed)",
            )
        )
    else:
        out.append(
            Comparison("mrss", label, b.total, a.total, Fraction(a.total - b.total), "", True, "")
        )
    for scale in forms.vas.scales:
        x, y = getattr(before, scale.key), getattr(after, scale.key)
        if x is None or y is None:
            missing = when if x is None else format_date(after.date)
            out.append(
                Comparison(
                    scale.key,
                    scale.label,
                    x,
                    y,
                    None,
                    " mm",
                    False,
                    f"{scale.label} not recorded on {missing}",
                )
            )
        else:
            out.append(Comparison(scale.key, scale.label, x, y, Fraction(y - x), " mm", True, ""))
    p, q = before.papules, after.papules
    if p is None or q is None:
        missing = when if p is None else format_date(after.date)
        out.append(
            Comparison(
                "papules",
                "Papule count",
                p.count if p else None,
                q.count if q else None,
                None,
                " %",
                False,
                f"Papule count not recorded on {missing}",
            )
        )
    elif not same_site(p.site, q.site):
        out.append(
            Comparison(
                "papules",
                "Papule count",
                p.count,
                q.count,
                None,
                " %",
                False,
                f"Papules not compared: counted over {q.site!r} now but {p.site!r} on {when}",
            )
        )
    elif p.count == 0:
        out.append(
            Comparison(
                "papules",
                "Papule count",
                p.count,
                q.count,
                None,
                " %",
                False,
                f"Papules not compared as a percentage: the count on {when} was 0 (now {q.count})",
            )
        )
    else:
        pct = Fraction(q.count - p.count, p.count) * 100
        out.append(Comparison("papules", "Papule count", p.count, q.count, pct, " %", True, ""))
    return tuple(out)


def _by(comparisons: tuple[Comparison, ...], measure: str) -> Comparison:
    return next(c for c in comparisons if c.measure == measure)


def _evidence(
    c: Comparison, threshold: Fraction, versus: str, versus_date: date, meaning: str
) -> Evidence:
    if c.measure == "papules":
        numbers = f"{c.before} → {c.after} ({signed(c.delta or 0, ' %')})"
    else:
        numbers = f"{c.before} → {c.after}{c.unit} ({signed(c.delta or 0, c.unit)})"
    text = (
        f"{c.label} {numbers} vs {versus} {format_date(versus_date)}; {meaning} "
        f"{signed(threshold, c.unit)}"
    )
    return Evidence(c.measure, text, c.before, c.after, c.delta, threshold, versus, versus_date)


def evaluate(
    assessments: Sequence[Assessment],
    *,
    first_infusion: date | None,
    forms: Forms,
    at: date | None = None,
) -> Evaluation:
    """Response and stop flags for the assessment dated `at` (default: the latest)."""
    history = sorted(assessments, key=lambda x: x.date)
    if not history:
        raise ValueError("no assessments to evaluate")
    index = (
        len(history) - 1
        if at is None
        else next((i for i, x in enumerate(history) if x.date == at), -1)
    )
    if index < 0:
        raise ValueError(f"no assessment dated {at}")
    current = history[index]
    previous = history[index - 1] if index > 0 else None
    baseline = None
    if first_infusion is not None:
        baseline = next((x for x in reversed(history) if x.date <= first_infusion), None)
    on_treatment = first_infusion is not None and current.date > first_infusion
    rules = forms.response
    notes: list[str] = []
    mrss_mcid, vas_mcid = Fraction(rules.mrss_points), Fraction(rules.vas_mm)
    pap_mcid = Fraction(rules.papules_percent)

    versus_baseline: tuple[Comparison, ...] = ()
    response: bool | None = None
    response_evidence: list[Evidence] = []
    if baseline is not None and on_treatment:
        versus_baseline = compare(baseline, current, forms)
        for c in versus_baseline:
            if not c.comparable or c.delta is None:
                notes.append(c.why_not)
                continue
            limit = (
                pap_mcid
                if c.measure == "papules"
                else (mrss_mcid if c.measure == "mrss" else vas_mcid)
            )
            if c.delta <= -limit:
                response_evidence.append(
                    _evidence(c, -limit, "baseline", baseline.date, "response is a change of")
                )
        comparable = [c for c in versus_baseline if c.comparable]
        response = bool(response_evidence) if comparable else None
        if not comparable:
            notes.append("Nothing could be compared with the baseline assessment")
    elif on_treatment:
        notes.append(
            "No baseline: no assessment on or before the first infusion "
            f"({format_date(first_infusion)})"
        )

    versus_previous = compare(previous, current, forms) if previous is not None else ()
    flags: list[FlagResult] = []

    def flag(key: str, evidence: list[Evidence], flag_notes: list[str] | None = None) -> None:
        definition = rules.flag(key)
        flags.append(
            FlagResult(
                key,
                definition.label,
                bool(evidence) and on_treatment,
                tuple(evidence) if on_treatment else (),
                tuple(flag_notes or ()),
            )
        )

    if not on_treatment:
        notes.append("Before treatment: stopping criteria apply once immunoglobulin has started")

    # 1. worsening disease activity (vs previous)
    activity: list[Evidence] = []
    quality: list[Evidence] = []
    if previous is not None:
        for c in versus_previous:
            if not c.comparable or c.delta is None:
                continue
            if c.measure == "mrss" and c.delta >= mrss_mcid:
                activity.append(
                    _evidence(c, mrss_mcid, "previous", previous.date, "worsening is a change of")
                )
            elif c.measure in ("itch_vas_mm", "physician_global_vas_mm") and c.delta >= vas_mcid:
                activity.append(
                    _evidence(c, vas_mcid, "previous", previous.date, "worsening is a change of")
                )
            elif c.measure == "papules" and c.delta >= pap_mcid:
                activity.append(
                    _evidence(c, pap_mcid, "previous", previous.date, "worsening is a change of")
                )
            elif c.measure == "patient_global_vas_mm" and c.delta >= vas_mcid:
                quality.append(
                    _evidence(c, vas_mcid, "previous", previous.date, "worsening is a change of")
                )
    if current.dermatoneuro_syndrome and not (previous and previous.dermatoneuro_syndrome):
        was = (
            "not present"
            if previous and previous.dermatoneuro_syndrome is False
            else ("not recorded")
        )
        since = f" on {format_date(previous.date)}" if previous else ""
        activity.append(
            Evidence(
                "dermatoneuro_syndrome",
                f"Dermatoneuro syndrome newly present (was {was}{since})",
                previous.dermatoneuro_syndrome if previous else None,
                True,
                versus="previous" if previous else None,
                versus_date=previous.date if previous else None,
            )
        )
    flag("worsening_disease_activity", activity)

    # 2. worsening extracutaneous manifestations
    extra: list[Evidence] = []
    extra_notes: list[str] = []
    for organ in forms.systemic.organs:
        now = current.systemic.get(organ.key)
        before = previous.systemic.get(organ.key) if previous else None
        if now is None:
            continue
        if now.progressed:
            extra.append(
                Evidence(
                    f"systemic.{organ.key}",
                    f"{organ.label}: evidence of progression recorded",
                    None,
                    True,
                )
            )
        if now.involved and previous is not None and not (before and before.involved):
            was = "not involved" if before and before.involved is False else "not recorded"
            extra.append(
                Evidence(
                    f"systemic.{organ.key}",
                    f"{organ.label}: newly involved (was {was} on {format_date(previous.date)})",
                    before.involved if before else None,
                    True,
                    versus="previous",
                    versus_date=previous.date,
                )
            )
        elif now.involved and previous is None:
            extra_notes.append(f"{organ.label} involved; no previous assessment to compare")
    flag("worsening_extracutaneous", extra, extra_notes)

    # 3. worsening health-related quality of life
    if current.hrqol_worse:
        quality.insert(
            0,
            Evidence("hrqol_worse", "Health-related quality of life recorded as worse", None, True),
        )
    flag("worsening_quality_of_life", quality)

    # 4. no response after at least 6 months of therapy
    months = rules.no_response_after_months
    no_response: list[Evidence] = []
    no_response_notes: list[str] = []
    if on_treatment and first_infusion is not None:
        due = add_months(first_infusion, months)
        if current.date >= due and response is not True:
            if response is None:
                why = "no measure could be compared with baseline"
            else:
                why = "no response criterion met vs baseline"
                no_response_notes.extend(
                    f"{c.label} {c.before} → {c.after}{c.unit if c.measure != 'papules' else ''} "
                    f"({c.change_text})"
                    for c in versus_baseline
                    if c.comparable
                )
            no_response.append(
                Evidence(
                    "months_on_treatment",
                    f"{months}+ months since first infusion {format_date(first_infusion)} "
                    f"(assessed {format_date(current.date)}); {why}",
                    first_infusion.isoformat(),
                    current.date.isoformat(),
                    versus="baseline",
                    versus_date=baseline.date if baseline else None,
                )
            )
    flag("no_response_after_6_months", no_response, no_response_notes)

    return Evaluation(
        date=current.date,
        on_treatment=on_treatment,
        first_infusion=first_infusion,
        baseline_date=baseline.date if baseline else None,
        previous_date=previous.date if previous else None,
        response=response,
        response_evidence=tuple(response_evidence),
        versus_baseline=versus_baseline,
        versus_previous=versus_previous,
        flags=tuple(flags),
        notes=tuple(dict.fromkeys(notes)),
    )
