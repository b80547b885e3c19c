"""Scores of the Appendix 1 instruments: mRSS total, VAS display and bands, BMI and MUST."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from mdtapp.domain.forms import Band, MrssDefinition, MustRules, VasDefinition
from mdtapp.domain.numbers import exact, show

if TYPE_CHECKING:
    from mdtapp.domain.model import Assessment

# ---------------------------------------------------------------- mRSS


@dataclass(frozen=True)
class MrssTotal:
    total: int
    assessed: tuple[str, ...]
    not_assessed: tuple[str, ...]
    max_score: int  # per area

    @property
    def areas_assessed(self) -> int:
        return len(self.assessed)

    @property
    def max_possible(self) -> int:
        return self.areas_assessed * self.max_score

    @property
    def complete(self) -> bool:
        return not self.not_assessed

    @property
    def any_assessed(self) -> bool:
        return bool(self.assessed)

    @property
    def text(self) -> str:
        """'38 / 60', or '35 / 57 — 1 area not assessed', or 'not assessed'."""
        if not self.assessed:
            return "not assessed"
        base = f"{self.total} / {self.max_possible}"
        if self.complete:
            return base
        n = len(self.not_assessed)
        return f"{base} — {n} area{'s' if n != 1 else ''} not assessed"


def mrss_total(scores: Mapping[str, int | None], definition: MrssDefinition) -> MrssTotal:
    assessed = tuple(k for k in definition.area_keys if scores.get(k) is not None)
    missing = tuple(k for k in definition.area_keys if scores.get(k) is None)
    return MrssTotal(
        total=sum(int(scores[k] or 0) for k in assessed),
        assessed=assessed,
        not_assessed=missing,
        max_score=definition.max_score,
    )


def mrss_comparable(a: MrssTotal, b: MrssTotal) -> bool:
    """Like with like: the same areas assessed in both (a partial is never set against a full)."""
    return a.any_assessed and set(a.assessed) == set(b.assessed)


# ---------------------------------------------------------------- VAS


def vas_cm(mm: int | None) -> str:
    """Millimetres as centimetres with one decimal: 45 -> '4.5 cm'."""
    if mm is None:
        return "not recorded"
    return f"{mm // 10}.{mm % 10} cm"


def band_for(value: int, bands: tuple[Band, ...]) -> str:
    for band in bands:
        if band.low <= value <= band.high:
            return band.label
    raise ValueError(f"{value} is outside every band")


def itch_band(mm: int | None, definition: VasDefinition) -> str | None:
    return None if mm is None else band_for(mm, definition.itch_bands)


# ---------------------------------------------------------------- BMI and MUST


def bmi(height_cm: float | Fraction, weight_kg: float | Fraction) -> Fraction:
    """Body mass index, exact: weight / (height in m)^2."""
    metres = exact(height_cm) / 100
    return exact(weight_kg) / (metres * metres)


@dataclass(frozen=True)
class MustResult:
    bmi: Fraction | None
    bmi_score: int | None
    weight_loss_percent: Fraction | None
    weight_loss_score: int | None
    acute_score: int | None
    total: int | None
    risk: str | None
    steps: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def text(self) -> str:
        if self.total is None:
            return "MUST incomplete: " + ", ".join(self.missing) + " not recorded"
        return f"MUST {self.total} ({self.risk} risk)"


def must_score(
    *,
    height_cm: float | None,
    weight_kg: float | None,
    weight_3_6_months_ago_kg: float | None,
    acutely_ill_no_intake_5_days: bool | None,
    rules: MustRules,
) -> MustResult:
    """BAPEN MUST steps 1-3. A missing item leaves the total empty: it is never assumed 0."""
    steps: list[str] = []
    missing: list[str] = []
    body_mass: Fraction | None = None
    bmi_score: int | None = None
    if height_cm and weight_kg:
        body_mass = bmi(height_cm, weight_kg)
        hi, lo = Fraction(rules.bmi_score_0_above), Fraction(rules.bmi_score_2_below)
        if body_mass > hi:
            bmi_score, why = 0, f"over {show(hi)}"
        elif body_mass >= lo:
            bmi_score, why = 1, f"{show(lo)}-{show(hi)}"
        else:
            bmi_score, why = 2, f"under {show(lo)}"
        shown = show(body_mass, near=hi if abs(body_mass - hi) < abs(body_mass - lo) else lo)
        steps.append(f"BMI {shown} kg/m² ({why}) scores {bmi_score}")
    else:
        missing.append("height" if not height_cm else "weight")
    loss_pct: Fraction | None = None
    loss_score: int | None = None
    if weight_kg and weight_3_6_months_ago_kg:
        before = exact(weight_3_6_months_ago_kg)
        loss_pct = (before - exact(weight_kg)) / before * 100
        one = Fraction(rules.weight_loss_score_1_from_percent)
        two = Fraction(rules.weight_loss_score_2_above_percent)
        if loss_pct > two:
            loss_score = 2
        elif loss_pct >= one:
            loss_score = 1
        else:
            loss_score = 0
        if loss_pct > 0:
            near = two if abs(loss_pct - two) < abs(loss_pct - one) else one
            steps.append(
                f"Unplanned weight loss {show(loss_pct, near=near)} % in 3-6 months "
                f"scores {loss_score}"
            )
        else:
            steps.append(f"No weight loss in 3-6 months ({show(-loss_pct)} % gain) scores 0")
    else:
        missing.append("weight 3-6 months ago")
    acute: int | None = None
    if acutely_ill_no_intake_5_days is None:
        missing.append("acute illness with no intake for over 5 days")
    else:
        acute = rules.acute_disease_score if acutely_ill_no_intake_5_days else 0
        answer = "yes" if acutely_ill_no_intake_5_days else "no"
        steps.append(f"Acutely ill with no intake for over 5 days: {answer} scores {acute}")
    total: int | None = None
    risk: str | None = None
    if bmi_score is not None and loss_score is not None and acute is not None:
        total = bmi_score + loss_score + acute
        risk = band_for(min(total, rules.risk_bands[-1].high), rules.risk_bands)
        steps.append(f"Total {total}: {risk} risk of malnutrition")
    return MustResult(
        body_mass, bmi_score, loss_pct, loss_score, acute, total, risk, tuple(steps), tuple(missing)
    )


def must_for(a: Assessment, height_cm: float | None, rules: MustRules) -> MustResult:
    """MUST for an assessment, from the measures forms/must.toml names as its inputs."""
    weight, before, ill = (
        a.value(rules.weight_measure),
        a.value(rules.weight_before_measure),
        a.value(rules.acutely_ill_measure),
    )
    return must_score(
        height_cm=height_cm,
        weight_kg=weight if isinstance(weight, (int, float)) else None,
        weight_3_6_months_ago_kg=before if isinstance(before, (int, float)) else None,
        acutely_ill_no_intake_5_days=ill if isinstance(ill, bool) else None,
        rules=rules,
    )
