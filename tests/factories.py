"""Small builders for records in tests: every field explicit, nothing random."""

from __future__ import annotations

from datetime import date

from mdtapp.domain.forms import forms
from mdtapp.domain.model import Assessment, Nutrition, OrganStatus, Papules


def mrss_all(score: int | None, **overrides: int | None) -> dict[str, int | None]:
    scores: dict[str, int | None] = dict.fromkeys(forms().mrss.area_keys, score)
    scores.update(overrides)
    return scores


def mrss_summing_to(total: int) -> dict[str, int | None]:
    """20 areas adding up to `total` (0-60), filled from the first area."""
    scores: dict[str, int | None] = {}
    left = total
    for key in forms().mrss.area_keys:
        scores[key] = min(3, left)
        left -= scores[key] or 0
    assert left == 0
    return scores


def assessment(
    on: date,
    *,
    mrss: int | dict[str, int | None] | None = 30,
    itch: int | None = 60,
    ptga: int | None = 60,
    phga: int | None = 60,
    papules: int | None = 40,
    site: str = "left forearm",
    systemic: dict[str, OrganStatus] | None = None,
    dermatoneuro: bool | None = False,
    hrqol_worse: bool | None = False,
    examiner: str = "Dr B Derm",
    weight: float | None = 70.0,
) -> Assessment:
    if isinstance(mrss, int):
        scores = mrss_summing_to(mrss)
    elif mrss is None:
        scores = mrss_all(None)
    else:
        scores = mrss
    organs = {o: OrganStatus(False, False) for o in forms().systemic.organ_keys}
    organs.update(systemic or {})
    return Assessment(
        date=on,
        examiner=examiner,
        mrss=scores,
        itch_vas_mm=itch,
        patient_global_vas_mm=ptga,
        physician_global_vas_mm=phga,
        papules=None if papules is None else Papules(papules, site),
        systemic=organs,
        dermatoneuro_syndrome=dermatoneuro,
        hrqol_worse=hrqol_worse,
        nutrition=Nutrition(
            weight_kg=weight,
            weight_3_6_months_ago_kg=weight,
            acutely_ill_no_intake_5_days=False,
            dysphagia=False,
        ),
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    """A real, small image (an import decodes every photo it is given)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, format=fmt)
    return out.getvalue()
