"""Response and the four stopping criteria of policy 2271, as decision support.

Which measure feeds which criterion, and how, is data (forms/response.toml `feeds`); this module
has one piece of code per way of feeding. Response is judged against the baseline: the latest
assessment dated on or before the first infusion. The stop flags compare each measure with the
most recent earlier assessment that recorded it (domain.md section 5), so a VAS left blank last
time cannot hide a rise since the time before, and the evidence names the date compared with.
Only like is compared with like: an mRSS only over the same areas, papule counts only over the
same site, and a count of 0 gives no percentage. A flag is judged only on what was recorded: an
empty form is "not yet assessable", never "met". Each flag carries the numbers that raised it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from mdtapp.domain.dates import add_months, format_date
from mdtapp.domain.forms import RESPONSE, Feed, Forms
from mdtapp.domain.instruments import MrssTotal, mrss_comparable, mrss_total
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    Measure,
    MrssGridMeasure,
    OrganTableMeasure,
    VasMeasure,
    YesNoMeasure,
)
from mdtapp.domain.model import Assessment
from mdtapp.domain.numbers import as_json_number, show

MINUS = "−"
BASELINE_RULE = "the latest assessment dated on or before the first infusion"

# the measure types that are compared as numbers, and the unit of their values
COMPARED = (MrssGridMeasure, VasMeasure, CountAtSiteMeasure)


def baseline_of(
    assessments: Iterable[Assessment], first_infusion: date | None
) -> Assessment | None:
    """The baseline (domain.md section 5): the latest assessment dated on or before the first
    infusion, so a score taken on the morning of the first infusion is the baseline."""
    if first_infusion is None:
        return None
    before = [a for a in assessments if a.date <= first_infusion]
    return max(before, key=lambda a: a.date) if before else None


def baseline_for(
    assessments: Iterable[Assessment], first_infusion: date | None, at: date
) -> Assessment | None:
    """The baseline the assessment dated `at` is set against: None when that assessment is
    itself the baseline, or earlier."""
    base = baseline_of(assessments, first_infusion)
    return base if base is not None and base.date < at else None


def signed(value: Fraction | int, unit: str = "") -> str:
    v = Fraction(value)
    text = show(abs(v), 0) if v.denominator == 1 else show(abs(v), 1)
    sign = "+" if v > 0 else MINUS if v < 0 else "±"
    return f"{sign}{text}{unit}"


def same_site(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def same_person(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


@dataclass(frozen=True)
class Comparison:
    measure: str  # the measure's key: mrss | itch_vas_mm | ... | papules
    label: str
    before: int | None
    after: int | None
    delta: Fraction | None  # after - before: points, mm, or per cent for a count
    unit: str  # of the change: "", " mm", " %"
    comparable: bool
    why_not: str
    before_date: date | None = None  # the assessment this one was compared with
    note: str = ""  # said beside the numbers: the examiners differ
    value_unit: str = ""  # of before and after: "" or " mm"

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
    note: str = ""

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
            "note": self.note or None,
        }


@dataclass(frozen=True)
class FlagResult:
    key: str
    label: str
    raised: bool
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = ()
    assessable: bool = True  # False: nothing it is judged on was recorded at this assessment

    @property
    def status(self) -> str:
        if self.raised:
            return "met"
        return "not met" if self.assessable else "not yet assessable"

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
    first_infusion: datetime.date | None
    baseline_date: datetime.date | None
    previous_date: datetime.date | None
    response: bool | None
    response_evidence: tuple[Evidence, ...]
    versus_baseline: tuple[Comparison, ...]
    versus_previous: tuple[Comparison, ...]
    flags: tuple[FlagResult, ...]
    notes: tuple[str, ...]
    assessable: bool = True  # False: no measure that response is judged on was recorded

    @property
    def raised(self) -> tuple[FlagResult, ...]:
        return tuple(f for f in self.flags if f.raised)

    @property
    def not_yet_assessable(self) -> tuple[FlagResult, ...]:
        return tuple(f for f in self.flags if self.on_treatment and not f.assessable)

    @property
    def response_text(self) -> str:
        if self.response is None:
            if not self.on_treatment:
                return "Before treatment"
            return "Response not assessable" if self.assessable else "Not yet assessable"
        return "Response" if self.response else "No response"


# ---------------------------------------------------------------- comparisons


def _examiners(measure: Measure, before: Assessment, after: Assessment) -> str:
    """mRSS varies between examiners: a comparison across two says so (a note, not a block)."""
    if not measure.examiner_dependent or same_person(before.examiner, after.examiner):
        return ""
    return (
        f"examiners differ: {before.examiner} on {format_date(before.date)}, "
        f"{after.examiner} on {format_date(after.date)}"
    )


def _why_missing(label: str, now: Assessment, earlier: Sequence[Assessment], last: object) -> str:
    """Why a measure was not compared: nothing earlier recorded it, or this assessment did not."""
    if last is None:
        if len(earlier) == 1:
            return f"{label} not recorded on {format_date(earlier[0].date)}"
        return f"{label} not recorded at any earlier assessment"
    return f"{label} not recorded on {format_date(now.date)}"


def _compare_grid(
    m: MrssGridMeasure, earlier: Sequence[Assessment], now: Assessment, forms: Forms
) -> Comparison:
    label = forms.mrss.short_title

    def total(a: Assessment) -> MrssTotal:
        return mrss_total(m.scores(a), forms.mrss)

    a = total(now)
    # newest first, read only as far as needed (a save evaluates the latest of many assessments)
    recorded = (x for x in earlier if total(x).any_assessed)
    last = next(recorded, None)
    if not a.any_assessed or last is None:
        return Comparison(
            m.key,
            label,
            total(last).total if last else None,
            a.total if a.any_assessed else None,
            None,
            "",
            False,
            _why_missing(label, now, earlier, last),
            last.date if last else None,
        )
    # like with like: the most recent earlier score over the same areas
    same = (
        last
        if mrss_comparable(a, total(last))
        else next((x for x in recorded if mrss_comparable(a, total(x))), None)
    )
    if same is None:
        b = total(last)
        return Comparison(
            m.key,
            label,
            b.total,
            a.total,
            None,
            "",
            False,
            f"{label} not compared: {a.text} now vs {b.text} on {format_date(last.date)} "
            "(different areas assessed)",
            last.date,
        )
    before = total(same).total
    return Comparison(
        m.key,
        label,
        before,
        a.total,
        Fraction(a.total - before),
        "",
        True,
        "",
        same.date,
        _examiners(m, same, now),
    )


def _compare_vas(m: VasMeasure, earlier: Sequence[Assessment], now: Assessment) -> Comparison:
    y = m.mm(now)
    last = next((x for x in earlier if m.mm(x) is not None), None)
    x = m.mm(last) if last else None
    if y is None or last is None or x is None:
        why = _why_missing(m.label, now, earlier, last)
        return Comparison(
            m.key, m.label, x, y, None, " mm", False, why, last.date if last else None, "", " mm"
        )
    delta = Fraction(y - x)
    note = _examiners(m, last, now)
    return Comparison(m.key, m.label, x, y, delta, " mm", True, "", last.date, note, " mm")


def _compare_count(
    m: CountAtSiteMeasure, earlier: Sequence[Assessment], now: Assessment
) -> Comparison:
    label = m.question  # "Papule count"
    name = m.short_label.capitalize()  # "Papules"
    q = m.count(now)
    counted = [(x, c) for x in earlier if (c := m.count(x)) is not None]
    last, p = counted[0] if counted else (None, None)
    if q is None or last is None or p is None:
        return Comparison(
            m.key,
            label,
            p.count if p else None,
            q.count if q else None,
            None,
            " %",
            False,
            _why_missing(label, now, earlier, last),
            last.date if last else None,
        )
    # like with like: the most recent earlier count over the same site
    same = next(((x, c) for x, c in counted if same_site(c.site, q.site)), None)
    if same is None:
        return Comparison(
            m.key,
            label,
            p.count,
            q.count,
            None,
            " %",
            False,
            f"{name} not compared: counted over {q.site!r} now but {p.site!r} on "
            f"{format_date(last.date)}",
            last.date,
        )
    when, base = same
    if base.count == 0:
        return Comparison(
            m.key,
            label,
            base.count,
            q.count,
            None,
            " %",
            False,
            f"{name} not compared as a percentage: the count on {format_date(when.date)} was 0 "
            f"(now {q.count})",
            when.date,
        )
    pct = Fraction(q.count - base.count, base.count) * 100
    note = _examiners(m, when, now)
    return Comparison(m.key, label, base.count, q.count, pct, " %", True, "", when.date, note)


def _comparisons(
    earlier: Sequence[Assessment], now: Assessment, forms: Forms
) -> tuple[Comparison, ...]:
    """Each compared measure of `now` against the most recent of `earlier` (newest first) that
    recorded it, like with like."""
    out: list[Comparison] = []
    for m in forms.assessment.measures:
        if isinstance(m, MrssGridMeasure):
            out.append(_compare_grid(m, earlier, now, forms))
        elif isinstance(m, VasMeasure):
            out.append(_compare_vas(m, earlier, now))
        elif isinstance(m, CountAtSiteMeasure):
            out.append(_compare_count(m, earlier, now))
    return tuple(out)


def compare(before: Assessment, after: Assessment, forms: Forms) -> tuple[Comparison, ...]:
    """Every compared measure of `after` set against `before` (the baseline), like with like."""
    return _comparisons([before], after, forms)


def compare_with_previous(
    history: Sequence[Assessment], after: Assessment, forms: Forms
) -> tuple[Comparison, ...]:
    """Every compared measure of `after` against the most recent earlier assessment in
    `history` that recorded it (domain.md section 5: "previous" is read per measure)."""
    earlier = sorted((a for a in history if a.date < after.date), key=lambda a: a.date)
    return _comparisons(earlier[::-1], after, forms) if earlier else ()


# ---------------------------------------------------------------- the feeds


def _evidence(c: Comparison, threshold: Fraction, versus: str, meaning: str) -> Evidence:
    numbers = f"{c.before} → {c.after}{c.value_unit} ({signed(c.delta or 0, c.unit)})"
    text = (
        f"{c.label} {numbers} vs {versus} {format_date(c.before_date)}; {meaning} "
        f"{signed(threshold, c.unit)}"
    ) + (f"; {c.note}" if c.note else "")
    return Evidence(
        c.measure, text, c.before, c.after, c.delta, threshold, versus, c.before_date, c.note
    )


def _by_change(feed: Feed, comparisons: dict[str, Comparison]) -> Evidence | None:
    c = comparisons.get(feed.measure)
    if c is None or not c.comparable or c.delta is None or feed.threshold is None:
        return None
    limit = Fraction(feed.threshold)
    versus = feed.versus or ""
    if feed.change == "down" and c.delta <= -limit:
        return _evidence(c, -limit, versus, "response is a change of")
    if feed.change == "up" and c.delta >= limit:
        meaning = "worsening is a change of" if feed.criterion != RESPONSE else "change of"
        return _evidence(c, limit, versus, meaning)
    return None


def _was(earlier: Sequence[Assessment]) -> str:
    """How a yes/no or an organ stood before, when no earlier assessment recorded it."""
    if not earlier:
        return "was not recorded"
    if len(earlier) == 1:
        return f"was not recorded on {format_date(earlier[0].date)}"
    return "was not recorded at any earlier assessment"


def _by_answer(
    feed: Feed, m: YesNoMeasure, now: Assessment, earlier: Sequence[Assessment]
) -> Evidence | None:
    if m.answer(now) is not True:
        return None
    if feed.change == "yes":
        return Evidence(m.key, f"{m.subject} recorded as {m.yes_means}", None, True)
    # newly yes: not yes at the most recent earlier assessment that recorded it
    last = next((x for x in earlier if m.answer(x) is not None), None)
    if last is not None and m.answer(last):
        return None
    was = f"was {m.no_means} on {format_date(last.date)}" if last else _was(earlier)
    return Evidence(
        m.key,
        f"{m.subject} newly {m.yes_means} ({was})",
        False if last else None,
        True,
        versus="previous" if earlier else None,
        versus_date=last.date if last else (earlier[0].date if earlier else None),
    )


def _by_organ(
    feeds: Sequence[Feed],
    m: OrganTableMeasure,
    now: Assessment,
    earlier: Sequence[Assessment],
    forms: Forms,
) -> tuple[list[Evidence], list[str]]:
    """Per organ, in the order of forms/systemic.toml: progression, then new involvement."""
    evidence: list[Evidence] = []
    notes: list[str] = []
    changes = [f.change for f in feeds]
    for organ in forms.systemic.organs:
        status = m.statuses(now).get(organ.key)
        if status is None:
            continue
        for change in changes:
            if change == "progressed" and status.progressed:
                evidence.append(
                    Evidence(
                        f"{m.key}.{organ.key}",
                        f"{organ.label}: evidence of progression recorded",
                        None,
                        True,
                    )
                )
            elif change == "newly_involved" and status.involved:
                if not earlier:
                    notes.append(f"{organ.label} involved; no previous assessment to compare")
                    continue
                # not involved at the most recent earlier assessment that recorded it
                last = next(
                    (
                        x
                        for x in earlier
                        if (s := m.statuses(x).get(organ.key)) is not None
                        and s.involved is not None
                    ),
                    None,
                )
                before = m.statuses(last).get(organ.key) if last else None
                if before is not None and before.involved:
                    continue
                was = f"was not involved on {format_date(last.date)}" if last else _was(earlier)
                evidence.append(
                    Evidence(
                        f"{m.key}.{organ.key}",
                        f"{organ.label}: newly involved ({was})",
                        before.involved if before else None,
                        True,
                        versus="previous",
                        versus_date=last.date if last else earlier[0].date,
                    )
                )
    return evidence, notes


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
    earlier = history[:index][::-1]  # newest first
    previous = earlier[0] if earlier else None
    baseline = baseline_of(history, first_infusion)
    on_treatment = first_infusion is not None and current.date > first_infusion
    rules = forms.response
    definition = forms.assessment
    notes: list[str] = []

    def recorded(feeds: Iterable[Feed]) -> bool:
        return any(definition.measure(f.measure).recorded(current) for f in feeds)

    # response, versus baseline; judged only on what was recorded
    response_feeds = rules.feeding(RESPONSE)
    assessable = recorded(response_feeds)
    versus_baseline: tuple[Comparison, ...] = ()
    response: bool | None = None
    response_evidence: list[Evidence] = []
    if baseline is not None and on_treatment:
        versus_baseline = compare(baseline, current, forms)
        by_key = {c.measure: c for c in versus_baseline}
        notes.extend(c.why_not for c in versus_baseline if not c.comparable)
        for feed in response_feeds:
            found = _by_change(feed, by_key)
            if found is not None:
                response_evidence.append(found)
        fed = {f.measure for f in response_feeds}
        comparable = [c for c in versus_baseline if c.comparable and c.measure in fed]
        response = bool(response_evidence) if comparable else None
        if not assessable:
            notes.append("Not yet assessable: no response measure recorded at this assessment")
        elif not comparable:
            notes.append("Nothing could be compared with the baseline assessment")
    elif on_treatment:
        notes.append(
            f"No baseline: no assessment on or before the first infusion "
            f"({format_date(first_infusion)})"
        )

    versus_previous = compare_with_previous(history, current, forms)
    by_previous = {c.measure: c for c in versus_previous}
    if not on_treatment:
        notes.append("Before treatment: stopping criteria apply once immunoglobulin has started")

    flags: list[FlagResult] = []
    for definition_flag in rules.flags[:-1]:
        feeds = rules.feeding(definition_flag.key)
        evidence: list[Evidence] = []
        flag_notes: list[str] = []
        done: set[str] = set()
        for feed in feeds:
            m = definition.measure(feed.measure)
            if isinstance(m, OrganTableMeasure):
                if m.key not in done:
                    done.add(m.key)
                    same = [f for f in feeds if f.measure == m.key]
                    organs, said = _by_organ(same, m, current, earlier, forms)
                    evidence += organs
                    flag_notes += said
            elif isinstance(m, YesNoMeasure):
                answer = _by_answer(feed, m, current, earlier)
                if answer is not None:
                    evidence.append(answer)
            else:
                change = _by_change(feed, by_previous)
                if change is not None:
                    evidence.append(change)
        flags.append(
            FlagResult(
                definition_flag.key,
                definition_flag.label,
                bool(evidence) and on_treatment,
                tuple(evidence) if on_treatment else (),
                tuple(flag_notes),
                recorded(feeds),
            )
        )

    # no response after at least N months of therapy: derived from response
    last_flag = rules.flags[-1]
    months = rules.no_response_after_months
    no_response: list[Evidence] = []
    no_response_notes: list[str] = []
    if on_treatment and first_infusion is not None and assessable:
        due = add_months(first_infusion, months)
        if current.date >= due and response is not True:
            if response is None:
                why = "no measure could be compared with baseline"
            else:
                why = "no response criterion met vs baseline"
                no_response_notes.extend(
                    f"{c.label} {c.before} → {c.after}{c.value_unit} ({c.change_text})"
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
    flags.append(
        FlagResult(
            last_flag.key,
            last_flag.label,
            bool(no_response),
            tuple(no_response),
            tuple(no_response_notes),
            assessable,
        )
    )

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
        assessable=assessable,
    )
