"""The codes of the FHIR export: mdtapp's own CodeSystems, generated from forms/ and published in
every bundle, and the few SNOMED CT and UCUM codes used where a standard concept exists.

URIs: everything mdtapp defines lives under BASE (`.invalid` is reserved, RFC 2606: it can never
be mistaken for a real server). docs/fhir.md lists every code and where each SNOMED CT code was
looked up; a SNOMED CT code is used only where it was found in a published FHIR implementation
guide or terminology page, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mdtapp.domain.forms import Forms
from mdtapp.domain.measures import MrssGridMeasure, OrganTableMeasure

BASE = "https://mdtapp.invalid/fhir"
ASSESSMENT_SYSTEM = f"{BASE}/CodeSystem/assessment"  # measures, mRSS areas, organs (forms/)
DECISION_SYSTEM = f"{BASE}/CodeSystem/mdt-decision"  # forms/decisions.toml
CRITERION_SYSTEM = f"{BASE}/CodeSystem/stopping-criterion"  # forms/response.toml
MDTAPP_SYSTEM = f"{BASE}/CodeSystem/mdtapp"  # the dose plan's and the decision's parts (fixed)
RECORD_SYSTEM = f"{BASE}/Id/record"  # identifier: kind/uid/vN, the stored version exported
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/assessment"

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
EXTENSION = "http://hl7.org/fhir/StructureDefinition"  # R4 core extensions (minValue...)


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> dict[str, Any]:
        return {"coding": [self.coding()], "text": text or self.display}


# SNOMED CT, each found in a published implementation guide or terminology table (docs/fhir.md
# says which); the display is the fully specified name as published there.
BODY_WEIGHT = Code(SNOMED, "27113001", "Body weight (observable entity)")
BODY_HEIGHT = Code(SNOMED, "50373000", "Body height measure (observable entity)")
BMI = Code(SNOMED, "60621009", "Body mass index (observable entity)")
MUST_SCORE = Code(
    SNOMED, "444297006", "Malnutrition universal screening tool score (observable entity)"
)
IMMUNOGLOBULIN = Code(
    SNOMED, "714569001", "Product containing normal immunoglobulin human (medicinal product)"
)
ROUTES = {
    "iv": Code(SNOMED, "47625008", "Intravenous route (qualifier value)"),
    "sc": Code(SNOMED, "34206005", "Subcutaneous route (qualifier value)"),
}
ROUTE_TEXT = {"iv": "Intravenous", "sc": "Subcutaneous"}
ATTESTER = Code(PARTICIPANT_TYPE, "attester", "Attester")
HOSPITAL_NUMBER = Code(IDENTIFIER_TYPE, "MR", "Medical record number")
EXAM = Code(OBSERVATION_CATEGORY, "exam", "Exam")
SURVEY = Code(OBSERVATION_CATEGORY, "survey", "Survey")
NOT_PERFORMED = Code(DATA_ABSENT, "not-performed", "Not Performed")

# UCUM codes for the units forms/ uses (the list); a unit not here is written as text
UCUM_UNITS = {
    "mm": "mm",
    "cm": "cm",
    "kg": "kg",
    "kg/m2": "kg/m2",
    "kg/m²": "kg/m2",
    "g": "g",
    "g/kg": "g/kg",
    "wk": "wk",
    "{score}": "{score}",
}


def quantity(value: int | float, unit: str) -> dict[str, Any]:
    """A Quantity; UCUM-coded when the unit is one UCUM knows here, else the unit as text."""
    code = UCUM_UNITS.get(unit)
    if code is None:
        return {"value": value, "unit": unit}
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


# ---------------------------------------------------------------- mdtapp's fixed codes


def _mdtapp(code: str, display: str) -> Code:
    return Code(MDTAPP_SYSTEM, code, display)


MDT_DECISION = _mdtapp("mdt-decision", "MDT decision")
NEXT_REVIEW = _mdtapp("next-review", "Next review date set by the MDT")
ACTIONS = {
    "actions_gp": _mdtapp("actions-gp", "Actions requested of the GP"),
    "actions_local_centre": _mdtapp(
        "actions-local-centre", "Actions requested of the local treating centre"
    ),
    "actions_patient": _mdtapp("actions-patient", "Actions for the patient"),
}
DOSING_WEIGHT = _mdtapp("dosing-weight", "Dose-determining weight")
IDEAL_WEIGHT = _mdtapp("ideal-weight", "Ideal body weight (Devine)")
ADJUSTED_WEIGHT = _mdtapp("adjusted-weight", "Adjusted body weight")
WEIGHT_BASIS = {
    "ideal": _mdtapp("basis-ideal", "Dosed on ideal body weight"),
    "adjusted": _mdtapp("basis-adjusted", "Dosed on adjusted body weight"),
    "actual": _mdtapp("basis-actual", "Dosed on actual body weight"),
}
OVERRIDE = _mdtapp("basis-override", "Dosing weight set by the MDT (override)")
DOSE_PER_KG = _mdtapp("dose-per-kg", "Dose per kg of dose-determining weight")
COURSE_TOTAL = _mdtapp("course-total", "Course total")
DAILY_DOSE = _mdtapp("daily-dose", "One day's dose of an intravenous course, in order")
SC_DOSE = _mdtapp("sc-dose", "One subcutaneous dose of the period, in order")

FIXED_CODES: tuple[Code, ...] = (
    MDT_DECISION,
    NEXT_REVIEW,
    *ACTIONS.values(),
    DOSING_WEIGHT,
    IDEAL_WEIGHT,
    ADJUSTED_WEIGHT,
    *WEIGHT_BASIS.values(),
    OVERRIDE,
    DOSE_PER_KG,
    COURSE_TOTAL,
    DAILY_DOSE,
    SC_DOSE,
)


# ---------------------------------------------------------------- codes generated from forms/


def measure_code(forms: Forms, key: str) -> Code:
    """A measure's (or a part's, "mrss.face") code in the assessment CodeSystem."""
    for concept in assessment_concepts(forms):
        if concept.code == key:
            return concept
    raise KeyError(key)


def assessment_concepts(forms: Forms) -> tuple[Code, ...]:
    """Every measure of forms/assessment.toml, each mRSS area and each organ's two answers:
    a measure added to forms/ has its code here with no code change."""
    out: list[Code] = []
    for m in forms.assessment.measures:
        out.append(Code(ASSESSMENT_SYSTEM, m.key, m.label))
        if isinstance(m, MrssGridMeasure):
            for area in forms.mrss.areas:
                out.append(Code(ASSESSMENT_SYSTEM, f"{m.key}.{area.key}", area.label))
            out.append(Code(ASSESSMENT_SYSTEM, f"{m.key}.areas_assessed", "Areas assessed"))
        elif isinstance(m, OrganTableMeasure):
            for organ in forms.systemic.organs:
                for part, what in (("involved", "involvement"), ("progressed", "progression")):
                    out.append(
                        Code(
                            ASSESSMENT_SYSTEM,
                            f"{m.key}.{organ.key}.{part}",
                            f"{organ.label}: evidence of {what}",
                        )
                    )
    return tuple(out)


def decision_code(forms: Forms, key: str) -> Code:
    return Code(DECISION_SYSTEM, key, forms.decision_label(key))


def criterion_code(forms: Forms, key: str) -> Code:
    return Code(CRITERION_SYSTEM, key, forms.response.flag(key).label)


def code_systems(forms: Forms, resource_id: Any) -> list[dict[str, Any]]:
    """The local CodeSystems, versioned with forms/ (forms/index.toml)."""
    definitions = {m.key: m.question for m in forms.assessment.measures if m.question != m.label}
    criterion_meaning = (
        " As an observation's value: true, shown as met when the MDT decision was recorded; "
        "false, not shown as met (not met, or not yet assessable)."
    )
    systems = (
        (
            ASSESSMENT_SYSTEM,
            "MdtappAssessment",
            "mdtapp assessment measures (policy 2271 Appendix 1)",
            [_concept(c, definitions.get(c.code)) for c in assessment_concepts(forms)],
        ),
        (
            DECISION_SYSTEM,
            "MdtappMdtDecision",
            "mdtapp MDT decisions",
            [_concept(decision_code(forms, d.key)) for d in forms.decisions],
        ),
        (
            CRITERION_SYSTEM,
            "MdtappStoppingCriterion",
            "Policy 2271 stopping criteria",
            [
                _concept(
                    criterion_code(forms, f.key), f"Policy 2271: {f.policy}.{criterion_meaning}"
                )
                for f in forms.response.flags
            ],
        ),
        (
            MDTAPP_SYSTEM,
            "Mdtapp",
            "mdtapp dose plan and MDT decision parts",
            [_concept(c) for c in FIXED_CODES],
        ),
    )
    return [
        {
            "resourceType": "CodeSystem",
            "id": resource_id(f"CodeSystem/{url}|{forms.version}"),
            "url": url,
            "version": forms.version,
            "name": name,
            "title": title,
            "status": "active",
            "experimental": False,
            "publisher": "mdtapp",
            "description": f"Local codes of mdtapp, generated from forms/ version {forms.version} "
            f"({forms.policy}).",
            "caseSensitive": True,
            "content": "complete",
            "count": len(concepts),
            "concept": concepts,
        }
        for url, name, title, concepts in systems
    ]


def _concept(code: Code, definition: str | None = None) -> dict[str, str]:
    out = {"code": code.code, "display": code.display}
    if definition:
        out["definition"] = definition
    return out
