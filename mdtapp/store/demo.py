"""Synthetic demonstration patients: clearly fake, valid-checksum NHS numbers (999 test range).

Dates are relative to today, so the reviews dashboard always has something due, overdue and
flagged: a new referral being screened, a responder, a non-responder at the 6-month review
(due today), a patient with stop flags, and one overdue on subcutaneous Ig.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from mdtapp.domain.dates import add_months
from mdtapp.domain.dosing import plan_dose
from mdtapp.domain.model import (
    GP,
    Admission,
    Assessment,
    Decision,
    Eligibility,
    Infusion,
    LocalCentre,
    Nutrition,
    OrganStatus,
    Papules,
    Patient,
    PhotoRef,
    Regimen,
    SpecialtyAgreement,
)
from mdtapp.domain.nhs_number import check_digit
from mdtapp.domain.record import PatientRecord, dose_request
from mdtapp.store.repository import Store

DERM = "Dr D Derm (demo)"
RHEUM = "Dr R Rheum (demo)"
MDT = (DERM, RHEUM, "S Pharm, Ig pharmacist (demo)", "N Nurse, CNS (demo)")
GP_DEMO = GP("Dr P Practice (demo)", "Demo Medical Centre", "1 Example Street, Exampletown EX1 1AA")
CENTRE_DEMO = LocalCentre(
    "Exampletown General Hospital Infusion Unit (demo)", "Hospital Road, Exampletown EX9 9ZZ"
)


def demo_nhs_numbers() -> Iterator[str]:
    """Valid NHS numbers in the 999 test range, in a fixed order."""
    n = 100
    while True:
        first_nine = f"999{n:06d}"
        check = check_digit(first_nine)
        if check is not None:
            yield first_nine + str(check)
        n += 1


@dataclass(frozen=True)
class Scores:
    mrss: int
    itch: int
    ptga: int
    phga: int
    papules: int


def _mrss(total: int, areas: tuple[str, ...]) -> dict[str, int | None]:
    scores: dict[str, int | None] = {}
    # spread evenly so the body map looks like a real distribution, not one filled corner
    base, extra = divmod(total, len(areas))
    for i, key in enumerate(areas):
        scores[key] = min(3, base + (1 if i < extra else 0))
    return scores


def _assessment(
    on: date,
    s: Scores,
    site: str,
    areas: tuple[str, ...],
    *,
    examiner: str = DERM,
    weight: float = 70.0,
    weight_before: float | None = None,
    systemic: dict[str, OrganStatus] | None = None,
    hrqol_worse: bool = False,
    notes: str = "",
) -> Assessment:
    organs = {
        k: OrganStatus(False, False)
        for k in ("neurological", "cardiovascular", "renal", "gastrointestinal")
    }
    organs.update(systemic or {})
    return Assessment(
        date=on,
        examiner=examiner,
        mrss=_mrss(s.mrss, areas),
        itch_vas_mm=s.itch,
        patient_global_vas_mm=s.ptga,
        physician_global_vas_mm=s.phga,
        papules=Papules(s.papules, site),
        systemic=organs,
        dermatoneuro_syndrome=False,
        hrqol_worse=hrqol_worse,
        nutrition=Nutrition(weight, weight_before or weight, False, False),
        notes=notes,
    )


def _courses(
    patient: Patient, regimens: list[Regimen], until: date, product: str, batch_prefix: str
) -> list[Infusion]:
    """Every infusion from the first regimen's start to `until`, as the regimens prescribe."""
    from mdtapp.domain.forms import forms

    infusions: list[Infusion] = []
    batch = 1000
    last_start: date | None = None
    for i, regimen in enumerate(regimens):
        end = regimens[i + 1].from_date if i + 1 < len(regimens) else until + timedelta(days=1)
        plan = plan_dose(dose_request(patient, regimen), forms().dosing)
        step = timedelta(weeks=regimen.interval_weeks)
        each = step if regimen.route == "iv" else timedelta(weeks=1)
        # a new regimen starts with the next course due at its own interval: never a course on
        # top of the last one (a lengthened interval spaces the very next course)
        start = (
            regimen.from_date if last_start is None else max(regimen.from_date, last_start + each)
        )
        if i and regimen.route != regimens[i - 1].route and infusions:
            # a change of route starts a week after the last infusion (not mid-course)
            start = max(start, infusions[-1].date + timedelta(days=7))
        dose = 0
        while start < end and start <= until:
            batch += 1
            # IV: the whole split, one day after another; SC: one dose a week, in turn
            if regimen.route == "iv":
                given = [(start + timedelta(days=day), g) for day, g in enumerate(plan.doses_g)]
            else:
                given = [(start, plan.doses_g[dose % len(plan.doses_g)])]
                dose += 1
            for on, grams in given:
                if on <= until:
                    infusions.append(
                        Infusion(
                            on, float(grams), product, f"{batch_prefix}{batch:06d}", regimen.route
                        )
                    )
            last_start = start
            start += each
    return infusions


def demo_records(today: date) -> list[PatientRecord]:
    from mdtapp.domain.forms import forms

    areas = forms().mrss.area_keys
    numbers = demo_nhs_numbers()
    records = []

    # Ann: a new referral, screened last week; biopsy pending (histology unknown)
    seen = today - timedelta(days=7)
    ann = Patient(
        next(numbers),
        "Demo-Alder",
        "Ann",
        date(1968, 4, 12),
        "female",
        "DEMO0001",
        162.0,
        "2 Birch Road, Exampletown EX1 2BB",
        GP_DEMO,
        CENTRE_DEMO,
    )
    records.append(
        PatientRecord(
            patient=ann,
            eligibility=Eligibility(
                {
                    "papular_sclerodermoid_eruption": "yes",
                    "monoclonal_gammopathy": "yes",
                    "no_thyroid_disease": "yes",
                    "histological_triad": "unknown",
                },
                SpecialtyAgreement(RHEUM, seen),
                SpecialtyAgreement(DERM, seen),
                None,
                True,
                (),
                False,
                "",
                "pending",
            ),
            decisions=(
                Decision(
                    seen,
                    "start",
                    "Three of four Rongioletti criteria; biopsy pending. "
                    "Start IVIg 2 g/kg over 5 days, 4-weekly.",
                    MDT,
                    add_months(seen, 3),
                    (),
                    "Please check full blood count and renal function before each course.",
                    "Book 5-day infusion, 4-weekly.",
                    "Please tell us about any headache, rash or breathlessness.",
                ),
            ),
            regimens=(Regimen(today, 2.0, 5, 4, "iv", 78.0),),
            assessments=(
                _assessment(
                    seen,
                    Scores(34, 65, 62, 60, 48),
                    "left forearm",
                    areas,
                    weight=78.0,
                    notes="Baseline before Ig.",
                ),
            ),
        )
    )

    # Brian: a responder over 13 months; interval lengthened to 6 weeks at 12 months
    first = add_months(today, -13)
    brian = Patient(
        next(numbers),
        "Demo-Birch",
        "Brian",
        date(1961, 9, 3),
        "male",
        "DEMO0002",
        178.0,
        "3 Cedar Lane, Exampletown EX2 3CC",
        GP_DEMO,
        CENTRE_DEMO,
    )
    m3, m6, m12 = (add_months(first, m) for m in (3, 6, 12))
    brian_regimens = [Regimen(first, 2.0, 5, 4, "iv", 84.0), Regimen(m12, 2.0, 5, 6, "iv", 82.0)]
    brian_scores = [
        (first - timedelta(days=14), Scores(38, 72, 70, 68, 60)),
        (m3, Scores(31, 50, 52, 50, 41)),
        (m6, Scores(26, 35, 40, 38, 30)),
        (m12, Scores(20, 20, 25, 22, 15)),
    ]
    records.append(
        PatientRecord(
            patient=brian,
            eligibility=Eligibility(
                {
                    "papular_sclerodermoid_eruption": "yes",
                    "monoclonal_gammopathy": "yes",
                    "no_thyroid_disease": "yes",
                    "histological_triad": "yes",
                },
                SpecialtyAgreement(RHEUM, first - timedelta(days=14)),
                SpecialtyAgreement(DERM, first - timedelta(days=14)),
                first - timedelta(days=40),
                True,
                (),
                True,
                "DEMO-IG-000102",
                "approved",
            ),
            decisions=(
                Decision(
                    first - timedelta(days=14),
                    "start",
                    "All four criteria met. Start IVIg 2 g/kg over 5 days, 4-weekly.",
                    MDT,
                    m3,
                ),
                Decision(m3, "continue", "Responding: mRSS and itch improving.", MDT, m6),
                Decision(m6, "continue", "Continued response.", MDT, m12),
                Decision(
                    m12,
                    "lengthen_interval",
                    "Sustained response: lengthen to 6-weekly.",
                    MDT,
                    add_months(m12, 6),
                ),
            ),
            regimens=tuple(brian_regimens),
            infusions=tuple(_courses(brian, brian_regimens, today, "Privigen", "PRV")),
            assessments=tuple(
                _assessment(
                    d, s, "left forearm", areas, weight=84.0 - i, examiner=(DERM, RHEUM)[i % 2]
                )
                for i, (d, s) in enumerate(brian_scores)
            ),
        )
    )

    # Carol: the worked-example patient; no response at 3 months, 6-month review due today
    first = add_months(today, -6)
    carol = Patient(
        next(numbers),
        "Demo-Cedar",
        "Carol",
        date(1975, 1, 22),
        "female",
        "DEMO0003",
        165.0,
        "4 Elm Close, Exampletown EX3 4DD",
        GP_DEMO,
        CENTRE_DEMO,
    )
    carol_regimens = [Regimen(first, 2.0, 5, 4, "iv", 70.0)]
    records.append(
        PatientRecord(
            patient=carol,
            eligibility=Eligibility(
                {
                    "papular_sclerodermoid_eruption": "yes",
                    "monoclonal_gammopathy": "no",
                    "no_thyroid_disease": "yes",
                    "histological_triad": "yes",
                },
                SpecialtyAgreement(RHEUM, first - timedelta(days=7)),
                SpecialtyAgreement(DERM, first - timedelta(days=7)),
                first - timedelta(days=30),
                True,
                (),
                True,
                "DEMO-IG-000103",
                "approved",
            ),
            decisions=(
                Decision(
                    first - timedelta(days=7),
                    "start",
                    "Three of four criteria (no "
                    "paraprotein). Start IVIg 2 g/kg over 5 days, 4-weekly.",
                    MDT,
                    add_months(first, 3),
                ),
                Decision(
                    add_months(first, 3),
                    "continue",
                    "Little change yet; review at 6 months.",
                    MDT,
                    add_months(first, 6),
                ),
            ),
            regimens=tuple(carol_regimens),
            infusions=tuple(
                _courses(carol, carol_regimens, today - timedelta(days=1), "Gamunex", "GMX")
            ),
            assessments=(
                _assessment(
                    first - timedelta(days=7),
                    Scores(30, 60, 55, 58, 35),
                    "right forearm",
                    areas,
                    weight=70.0,
                ),
                _assessment(
                    add_months(first, 3),
                    Scores(29, 56, 55, 55, 33),
                    "right forearm",
                    areas,
                    weight=70.0,
                    examiner=RHEUM,
                ),
            ),
        )
    )

    # David: stop flags at 3 months (worse skin, itch and papules; new cardiac involvement)
    first = add_months(today, -4)
    david = Patient(
        next(numbers),
        "Demo-Hazel",
        "David",
        date(1958, 6, 30),
        "male",
        "DEMO0004",
        172.0,
        "5 Oak Avenue, Exampletown EX4 5EE",
        GP_DEMO,
        CENTRE_DEMO,
    )
    david_regimens = [Regimen(first, 2.0, 5, 4, "iv", 95.0)]
    records.append(
        PatientRecord(
            patient=david,
            eligibility=Eligibility(
                {
                    "papular_sclerodermoid_eruption": "yes",
                    "monoclonal_gammopathy": "yes",
                    "no_thyroid_disease": "yes",
                    "histological_triad": "yes",
                },
                SpecialtyAgreement(RHEUM, first - timedelta(days=10)),
                SpecialtyAgreement(DERM, first - timedelta(days=10)),
                first - timedelta(days=60),
                True,
                (),
                True,
                "DEMO-IG-000104",
                "retrospective",
            ),
            decisions=(
                Decision(
                    first - timedelta(days=10),
                    "start",
                    "All four criteria. Start IVIg 2 g/kg over 5 days, 4-weekly.",
                    MDT,
                    add_months(first, 3),
                ),
            ),
            regimens=tuple(david_regimens),
            infusions=tuple(_courses(david, david_regimens, today, "Octagam 10%", "OCT")),
            assessments=(
                _assessment(
                    first - timedelta(days=10),
                    Scores(25, 40, 40, 45, 20),
                    "abdomen",
                    areas,
                    weight=95.0,
                ),
                _assessment(
                    add_months(first, 3),
                    Scores(32, 65, 62, 60, 30),
                    "abdomen",
                    areas,
                    weight=93.0,
                    weight_before=95.0,
                    hrqol_worse=True,
                    systemic={"cardiovascular": OrganStatus(True, False)},
                    notes="New palpitations; Holter shows runs of SVT.",
                ),
            ),
            admissions=(
                Admission(
                    today - timedelta(days=40),
                    today - timedelta(days=35),
                    True,
                    "Palpitations, SVT: cardiology review.",
                ),
                Admission(
                    first - timedelta(days=200),
                    first - timedelta(days=198),
                    False,
                    "Elective hernia repair.",
                ),
            ),
        )
    )

    # Eve: moved to subcutaneous Ig at 4 months; 6-month review missed (overdue)
    first = add_months(today, -7)
    eve = Patient(
        next(numbers),
        "Demo-Rowan",
        "Eve",
        date(1982, 11, 5),
        "female",
        "DEMO0005",
        158.0,
        "6 Pine Street, Exampletown EX5 6FF",
        GP_DEMO,
        CENTRE_DEMO,
    )
    eve_regimens = [
        Regimen(first, 2.0, 5, 4, "iv", 61.0),
        Regimen(add_months(first, 4), 2.0, None, 4, "sc", 61.0, sc_doses_per_period=4),
    ]
    records.append(
        PatientRecord(
            patient=eve,
            eligibility=Eligibility(
                {
                    "papular_sclerodermoid_eruption": "yes",
                    "monoclonal_gammopathy": "yes",
                    "no_thyroid_disease": "yes",
                    "histological_triad": "unknown",
                },
                SpecialtyAgreement(RHEUM, first - timedelta(days=5)),
                SpecialtyAgreement(DERM, first - timedelta(days=5)),
                None,
                True,
                (),
                True,
                "DEMO-IG-000105",
                "approved",
            ),
            decisions=(
                Decision(
                    first - timedelta(days=5),
                    "start",
                    "Three criteria; biopsy declined. Start IVIg 2 g/kg over 5 days.",
                    MDT,
                    add_months(first, 3),
                ),
                Decision(
                    add_months(first, 3),
                    "change_dose",
                    "Itch better. Move to SC at home from month 4 (2 g/kg per 4 weeks, weekly).",
                    MDT,
                    add_months(first, 6),
                ),
            ),
            regimens=tuple(eve_regimens),
            infusions=tuple(_courses(eve, eve_regimens, today, "Hizentra", "HZT")),
            assessments=(
                _assessment(
                    first - timedelta(days=5),
                    Scores(22, 70, 60, 50, 25),
                    "left thigh",
                    areas,
                    weight=61.0,
                ),
                _assessment(
                    add_months(first, 3),
                    Scores(20, 45, 50, 45, 22),
                    "left thigh",
                    areas,
                    weight=61.0,
                    examiner=RHEUM,
                ),
            ),
        )
    )
    return records


def add_demo_patients(store: Store) -> list[str]:
    """Add the demo patients that are not already there; return the NHS numbers added."""
    added = []
    for record in demo_records(store.today()):
        if store.patient_uid_for(record.patient.nhs_number) is None:
            record, photos = _with_photos(record)
            with store.transaction():  # the patient and their photos, or nothing
                uid = store.add_patient_file(record, action="demo")
                for content in photos:
                    store._add_photo(uid, content, "image/jpeg")
            added.append(record.patient.nhs_number)
    return added


def _with_photos(record: PatientRecord) -> tuple[PatientRecord, list[bytes]]:
    """Brian's left forearm at baseline and at 12 months, each counted on the photo: the marks
    inside the square are the papule count his assessment records (drawn, not photographed)."""
    import hashlib

    from mdtapp.store.demo_photos import demo_photo

    if record.patient.hospital_number != "DEMO0002":
        return record, []
    photos = []
    assessments = list(record.assessments)
    for i, (px_per_mm, degrees) in ((0, (14, -4.0)), (len(assessments) - 1, (13, 3.0))):
        a = assessments[i]
        assert a.papules is not None
        content, count = demo_photo(
            seed=i + 2,
            view=a.papules.site,
            inside=a.papules.count,
            px_per_mm=px_per_mm,
            degrees=degrees,
        )
        digest = hashlib.sha256(content).hexdigest()
        assessments[i] = replace(a, photos=(PhotoRef(a.papules.site, digest, "image/jpeg", count),))
        photos.append(content)
    return replace(record, assessments=tuple(assessments)), photos
