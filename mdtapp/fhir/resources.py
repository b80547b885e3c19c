"""The FHIR R4 resources of one patient's export, built as plain JSON from the stored versions.

The Questionnaire, the QuestionnaireResponses and the assessment's Observations loop over the
measure descriptions (forms/assessment.toml) with one branch per measure type, as every other
output does: a measure added to forms/ is exported with no code change. Numbers come from the
one place that computes them (mRSS total, BMI and MUST in domain/instruments.py, the dose plan in
domain/dosing.py), and each derived number carries how it was reached in a note.

Deterministic: a resource's id is a name-based UUID (uuid5) of the record's uid and version, the
order is fixed (forms/ order, then by date), and nothing of the moment of export is inside a
resource (the export time, when given, is Bundle.timestamp only).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from mdtapp.domain.dates import format_date
from mdtapp.domain.dosing import DosePlan
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import MustResult, mrss_total, must_for
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
from mdtapp.domain.model import Assessment, Decision, Infusion, Patient, Regimen
from mdtapp.domain.numbers import as_json_number, plain, rounded, show
from mdtapp.fhir import terminology as t
from mdtapp.store.models import Saved, SignatureInfo

JSON = dict[str, Any]
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, t.BASE)
FHIR_VERSION = "4.0.1"


def resource_id(name: str) -> str:
    """The id (and urn:uuid fullUrl) of a resource: the same name gives the same id, always."""
    return str(uuid.uuid5(NAMESPACE, name))


def ref(resource: JSON) -> JSON:
    return {"reference": f"urn:uuid:{resource['id']}"}


@dataclass(frozen=True)
class SignedVersion:
    """The version of a signable record that is exported: its latest signed one."""

    saved: Saved[Any]
    signatures: tuple[SignatureInfo, ...]
    amended: bool  # an earlier version was signed too: this one amends it

    @property
    def name(self) -> str:
        return record_name(self.saved)


@dataclass(frozen=True)
class ExportSet:
    """What one patient's bundle holds: signed versions of the signable records, the current
    version of the others (they have no signature: docs/fhir.md)."""

    patient: Saved[Patient]
    assessments: tuple[SignedVersion, ...] = ()
    decisions: tuple[SignedVersion, ...] = ()
    regimens: tuple[Saved[Regimen], ...] = ()
    infusions: tuple[Saved[Infusion], ...] = ()
    plans: dict[str, DosePlan | str] = field(default_factory=dict)  # regimen uid -> plan/problem


def record_name(saved: Saved[Any]) -> str:
    """kind/uid/vN: the stored version a resource came from (Identifier RECORD_SYSTEM)."""
    return f"{saved.kind}/{saved.uid}/v{saved.version}"


def _identifier(saved: Saved[Any], part: str = "") -> JSON:
    return {"system": t.RECORD_SYSTEM, "value": record_name(saved) + (f"#{part}" if part else "")}


def _person(name: str) -> JSON:
    return {"display": name}


# ---------------------------------------------------------------- the bundle


def build_bundle(data: ExportSet, forms: Forms, *, timestamp: datetime | None = None) -> JSON:
    """The patient's Bundle (type collection). `timestamp`, the moment of export, is the only
    part that changes from one export of the same data to the next: tests pin or omit it."""
    patient = patient_resource(data.patient)
    questionnaire = questionnaire_resource(forms)
    resources: list[JSON] = [*t.code_systems(forms, resource_id), questionnaire, patient]
    context = _Context(forms, patient, questionnaire, data.patient.value)
    qr_by_date: list[tuple[date, JSON]] = []
    for signed in data.assessments:
        made = context.assessment(signed)
        resources.extend(made)
        qr_by_date.append((signed.saved.value.date, made[0]))
    requests: dict[str, JSON] = {}
    regimens = sorted(data.regimens, key=lambda s: s.value.from_date)
    for i, regimen in enumerate(regimens):
        after = regimens[i + 1].value.from_date if i + 1 < len(regimens) else None
        made = context.regimen(regimen, data.plans.get(regimen.uid), superseded_on=after)
        resources.extend(made)
        requests[regimen.uid] = made[-1]
    for infusion in sorted(data.infusions, key=lambda s: s.value.date):
        # each infusion belongs to the regimen in force on its date (domain.md section 6)
        in_force = [r for r in regimens if r.value.from_date <= infusion.value.date]
        request = requests[in_force[-1].uid] if in_force else None
        resources.append(context.infusion(infusion, request))
    for signed in data.decisions:
        decided = signed.saved.value.date
        before = [qr for on, qr in qr_by_date if on <= decided]
        resources.extend(context.decision(signed, before[-1] if before else None))
    bundle: JSON = {
        "resourceType": "Bundle",
        "id": resource_id(f"Bundle/{record_name(data.patient)}"),
        "meta": {"tag": [{"system": t.MDTAPP_SYSTEM, "code": "signed-records"}]},
        "type": "collection",
    }
    if timestamp is not None:
        bundle["timestamp"] = _instant(timestamp)
    bundle["entry"] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return bundle


def _instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("the export time needs a time zone")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- Patient


def patient_resource(saved: Saved[Patient]) -> JSON:
    p = saved.value
    resource: JSON = {"resourceType": "Patient", "id": resource_id(f"Patient/{saved.uid}")}
    contained, gps = [], []
    if p.gp.name:
        contained.append(
            {"resourceType": "Practitioner", "id": "gp", "name": [{"text": p.gp.name}]}
        )
        gps.append({"reference": "#gp", "display": p.gp.name})
    if p.gp.practice or p.gp.address:
        practice: JSON = {"resourceType": "Organization", "id": "gp-practice"}
        if p.gp.practice:
            practice["name"] = p.gp.practice
        if p.gp.address:
            practice["address"] = [{"text": p.gp.address}]
        contained.append(practice)
        gps.append({"reference": "#gp-practice", "display": p.gp.practice or p.gp.address})
    if contained:
        resource["contained"] = contained
    identifiers: list[JSON] = [{"system": t.NHS_NUMBER_SYSTEM, "value": p.nhs_number}]
    if p.hospital_number:
        identifiers.append({"type": t.HOSPITAL_NUMBER.concept(), "value": p.hospital_number})
    identifiers.append(_identifier(saved))
    resource["identifier"] = identifiers
    resource["name"] = [
        {"use": "official", "family": p.family_name, "given": p.given_names.split()}
    ]
    resource["gender"] = p.sex  # female | male | other | unknown: FHIR's administrative gender
    resource["birthDate"] = p.date_of_birth.isoformat()
    if p.address:
        resource["address"] = [{"text": p.address}]
    if gps:
        resource["generalPractitioner"] = gps
    return resource


# ---------------------------------------------------------------- Questionnaire


def _extension(name: str, kind: str, value: Any) -> JSON:
    return {"url": f"{t.EXTENSION}/{name}", f"value{kind}": value}


def _unit_extension(unit: str) -> JSON:
    code = t.UCUM_UNITS.get(unit)
    coding = {"system": t.UCUM, "code": code, "display": unit} if code else {"display": unit}
    return _extension("questionnaire-unit", "Coding", coding)


def questionnaire_resource(forms: Forms) -> JSON:
    """Every measure of forms/assessment.toml, by section: its type, range, answer options,
    unit, and the forms version."""
    items = []
    for section in forms.assessment.sections:
        measures = forms.assessment.in_section(section.key)
        if measures:
            items.append(
                {
                    "linkId": f"section:{section.key}",
                    "text": section.title,
                    "type": "group",
                    "item": [_question(m, forms) for m in measures],
                }
            )
    return {
        "resourceType": "Questionnaire",
        "id": resource_id(f"Questionnaire/{forms.version}"),
        "url": t.QUESTIONNAIRE_URL,
        "version": forms.version,
        "name": "MdtappAssessment",
        "title": "Scleromyxedema assessment (policy 2271 Appendix 1)",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "mdtapp",
        "description": f"Generated from forms/ version {forms.version}: {forms.policy}.",
        "item": items,
    }


def _question(m: Measure, forms: Forms) -> JSON:
    item: JSON = {"linkId": m.key, "text": m.question}
    if m.required:
        item["required"] = True
    if isinstance(m, DateMeasure):
        item["type"] = "date"
    elif isinstance(m, TextMeasure):
        item["type"] = "string" if m.max_length <= 200 else "text"
        item["maxLength"] = m.max_length
    elif isinstance(m, MrssGridMeasure):
        mrss = forms.mrss
        item["type"] = "group"
        item["item"] = [
            {
                "linkId": f"{m.key}.key",
                "text": f"Score each area: {mrss.key_text}",
                "type": "display",
            }
        ] + [
            {
                "linkId": f"{m.key}.{area.key}",
                "text": area.label,
                "type": "integer",
                "answerOption": [{"valueInteger": s} for s in mrss.scores],
            }
            for area in mrss.areas
        ]
    elif isinstance(m, VasMeasure):
        vas = forms.vas
        item["type"] = "integer"
        item["extension"] = [
            _extension("minValue", "Integer", vas.min_mm),
            _extension("maxValue", "Integer", vas.max_mm),
            _unit_extension("mm"),
        ]
        anchors = (
            f"{vas.min_mm} mm: {m.anchor_low}; {vas.max_mm} mm: {m.anchor_high} "
            f"(a {vas.line_length_mm} mm line)"
        )
        if m.bands:
            anchors += "; bands " + ", ".join(f"{b.low}-{b.high} {b.label}" for b in m.bands)
        item["item"] = [{"linkId": f"{m.key}.anchors", "text": anchors, "type": "display"}]
    elif isinstance(m, CountAtSiteMeasure):
        item["type"] = "group"
        item["item"] = [
            {
                "linkId": f"{m.key}.count",
                "text": m.question,
                "type": "integer",
                "extension": [
                    _extension("minValue", "Integer", 0),
                    _extension("maxValue", "Integer", m.max_count),
                ],
            },
            {"linkId": f"{m.key}.site", "text": m.site_label, "type": "string", "maxLength": 200},
        ]
    elif isinstance(m, OrganTableMeasure):
        item["type"] = "group"
        item["item"] = [
            {
                "linkId": f"{m.key}.{organ.key}",
                "text": organ.label,
                "type": "group",
                "item": [
                    {
                        "linkId": f"{m.key}.{organ.key}.{part}",
                        "text": f"Evidence of {what}",
                        "type": "boolean",
                    }
                    for part, what in (("involved", "involvement"), ("progressed", "progression"))
                ],
            }
            for organ in forms.systemic.organs
        ]
    elif isinstance(m, YesNoMeasure):
        item["type"] = "boolean"
    elif isinstance(m, NumberMeasure):
        item["type"] = "decimal"
        item["extension"] = [
            _extension("minValue", "Decimal", _decimal(m.low)),
            _extension("maxValue", "Decimal", _decimal(m.high)),
            _unit_extension(m.unit),
        ]
    elif isinstance(m, PhotosMeasure):
        item["type"] = "attachment"
        item["repeats"] = True
    else:  # a new measure type needs its branch here (docs/architecture.md)
        raise TypeError(f"no FHIR rendering for a {m.type} measure ({m.key})")
    return item


def _decimal(value: Any) -> int | float:
    return as_json_number(Fraction(value), 6)


# ---------------------------------------------------------------- per record


class _Context:
    """What every resource of one patient refers to."""

    def __init__(self, forms: Forms, patient: JSON, questionnaire: JSON, person: Patient):
        self.forms = forms
        self.patient = patient
        self.questionnaire = questionnaire
        self.person = person

    # ------------------------------------------------------------ assessments

    def assessment(self, signed: SignedVersion) -> list[JSON]:
        """The QuestionnaireResponse, one Observation per recorded measure a system would
        chart, BMI and MUST when they can be computed, and a Provenance per signature."""
        a = signed.saved.value
        response = self._response(signed)
        observations: list[JSON] = []
        by_key: dict[str, JSON] = {}
        for m in self.forms.assessment.measures:
            obs = self._observation(signed, m, a, response)
            if obs is not None:
                observations.append(obs)
                by_key[m.key] = obs
        must = must_for(a, self.person.height_cm, self.forms.must)
        observations.extend(self._bmi_and_must(signed, must, by_key, response))
        made = [response, *observations]
        return made + self._provenance(signed, made)

    def _status(self, signed: SignedVersion) -> str:
        return "amended" if signed.amended else "final"

    def _response(self, signed: SignedVersion) -> JSON:
        a: Assessment = signed.saved.value
        items = []
        for section in self.forms.assessment.sections:
            answered = [
                x
                for m in self.forms.assessment.in_section(section.key)
                if (x := self._answer_item(m, a)) is not None
            ]
            if answered:
                items.append(
                    {"linkId": f"section:{section.key}", "text": section.title, "item": answered}
                )
        resource: JSON = {
            "resourceType": "QuestionnaireResponse",
            "id": resource_id(f"QuestionnaireResponse/{signed.name}"),
            "identifier": _identifier(signed.saved),
            "questionnaire": f"{t.QUESTIONNAIRE_URL}|{self.forms.version}",
            "status": "amended" if signed.amended else "completed",
            "subject": ref(self.patient),
            "authored": a.date.isoformat(),
        }
        if a.examiner:
            resource["author"] = _person(a.examiner)
        resource["item"] = items
        return resource

    def _answer_item(self, m: Measure, a: Assessment) -> JSON | None:
        """The answered item for a measure, or None when it was not recorded."""
        if not m.recorded(a):
            return None
        item: JSON = {"linkId": m.key, "text": m.question}
        if isinstance(m, DateMeasure):
            day = m.day(a)
            assert day is not None
            item["answer"] = [{"valueDate": day.isoformat()}]
        elif isinstance(m, TextMeasure):
            item["answer"] = [{"valueString": m.text(a)}]
        elif isinstance(m, MrssGridMeasure):
            scores = m.scores(a)
            item["item"] = [
                {
                    "linkId": f"{m.key}.{area.key}",
                    "text": area.label,
                    "answer": [{"valueInteger": scores[area.key]}],
                }
                for area in self.forms.mrss.areas
                if scores.get(area.key) is not None
            ]
        elif isinstance(m, VasMeasure):
            item["answer"] = [{"valueInteger": m.mm(a)}]
        elif isinstance(m, CountAtSiteMeasure):
            count = m.count(a)
            assert count is not None
            item["item"] = [
                {
                    "linkId": f"{m.key}.count",
                    "text": m.question,
                    "answer": [{"valueInteger": count.count}],
                },
                {
                    "linkId": f"{m.key}.site",
                    "text": m.site_label,
                    "answer": [{"valueString": count.site}],
                },
            ]
        elif isinstance(m, OrganTableMeasure):
            statuses = m.statuses(a)
            organs = []
            for organ in self.forms.systemic.organs:
                status = statuses.get(organ.key)
                parts = [
                    {
                        "linkId": f"{m.key}.{organ.key}.{part}",
                        "text": f"Evidence of {what}",
                        "answer": [{"valueBoolean": value}],
                    }
                    for part, what, value in (
                        ("involved", "involvement", status.involved if status else None),
                        ("progressed", "progression", status.progressed if status else None),
                    )
                    if value is not None
                ]
                if parts:
                    organs.append(
                        {"linkId": f"{m.key}.{organ.key}", "text": organ.label, "item": parts}
                    )
            item["item"] = organs
        elif isinstance(m, YesNoMeasure):
            item["answer"] = [{"valueBoolean": m.answer(a)}]
        elif isinstance(m, NumberMeasure):
            item["answer"] = [{"valueDecimal": m.number(a)}]
        elif isinstance(m, PhotosMeasure):
            # the images stay in mdtapp (docs/fhir.md): their view and type go out
            item["answer"] = [
                {"valueAttachment": {"contentType": p.media_type, "title": p.view}}
                for p in m.photos(a)
            ]
        else:
            raise TypeError(f"no FHIR rendering for a {m.type} measure ({m.key})")
        return item

    def _base_observation(
        self,
        signed: SignedVersion,
        part: str,
        code: JSON,
        category: t.Code,
        response: JSON | None,
    ) -> JSON:
        a: Assessment = signed.saved.value
        resource: JSON = {
            "resourceType": "Observation",
            "id": resource_id(f"Observation/{signed.name}#{part}"),
            "identifier": [_identifier(signed.saved, part)],
            "status": self._status(signed),
            "category": [category.concept()],
            "code": code,
            "subject": ref(self.patient),
            "effectiveDateTime": a.date.isoformat(),
        }
        if a.examiner:
            resource["performer"] = [_person(a.examiner)]
        if response is not None:
            resource["derivedFrom"] = [ref(response)]
        return resource

    def _observation(
        self, signed: SignedVersion, m: Measure, a: Assessment, response: JSON
    ) -> JSON | None:
        """One Observation for a recorded measure of a type a system would chart."""
        if not m.recorded(a) or isinstance(m, (DateMeasure, TextMeasure, PhotosMeasure)):
            return None  # the date and texts are in the QuestionnaireResponse
        code = t.measure_code(self.forms, m.key)
        codings = [code.coding()]
        if m.key == self.forms.must.weight_measure:  # forms/must.toml names the weight
            codings.append(t.BODY_WEIGHT.coding())
        concept = {"coding": codings, "text": m.label}
        category = t.SURVEY if isinstance(m, VasMeasure) else t.EXAM
        obs = self._base_observation(signed, m.key, concept, category, response)
        if isinstance(m, MrssGridMeasure):
            total = mrss_total(m.scores(a), self.forms.mrss)
            scores = m.scores(a)
            obs["valueQuantity"] = t.quantity(total.total, "{score}")
            obs["note"] = [{"text": f"{self.forms.mrss.title}: {total.text}"}]
            components = [
                {
                    "code": t.measure_code(self.forms, f"{m.key}.areas_assessed").concept(),
                    "valueInteger": total.areas_assessed,
                }
            ]
            for area in self.forms.mrss.areas:
                component: JSON = {
                    "code": t.measure_code(self.forms, f"{m.key}.{area.key}").concept()
                }
                score = scores.get(area.key)
                if score is None:
                    component["dataAbsentReason"] = t.NOT_PERFORMED.concept("not assessed")
                else:
                    component["valueInteger"] = score
                components.append(component)
            obs["component"] = components
        elif isinstance(m, VasMeasure):
            mm = m.mm(a)
            assert mm is not None
            obs["valueQuantity"] = t.quantity(mm, "mm")
            band = m.band(mm)
            if band:
                obs["interpretation"] = [{"text": band}]
        elif isinstance(m, CountAtSiteMeasure):
            count = m.count(a)
            assert count is not None
            obs["valueInteger"] = count.count
            obs["bodySite"] = {"text": count.site}
        elif isinstance(m, OrganTableMeasure):
            statuses = m.statuses(a)
            components = []
            for organ in self.forms.systemic.organs:
                status = statuses.get(organ.key)
                for part, value in (
                    ("involved", status.involved if status else None),
                    ("progressed", status.progressed if status else None),
                ):
                    component = {
                        "code": t.measure_code(self.forms, f"{m.key}.{organ.key}.{part}").concept()
                    }
                    if value is None:
                        component["dataAbsentReason"] = t.NOT_PERFORMED.concept("not recorded")
                    else:
                        component["valueBoolean"] = value
                    components.append(component)
            obs["component"] = components
        elif isinstance(m, YesNoMeasure):
            obs["valueBoolean"] = m.answer(a)
        elif isinstance(m, NumberMeasure):
            number = m.number(a)
            assert number is not None
            obs["valueQuantity"] = t.quantity(number, m.unit)
        else:
            raise TypeError(f"no FHIR rendering for a {m.type} measure ({m.key})")
        return obs

    def _bmi_and_must(
        self, signed: SignedVersion, must: MustResult, by_key: dict[str, JSON], response: JSON
    ) -> list[JSON]:
        out = []
        weight = by_key.get(self.forms.must.weight_measure)
        height = self.person.height_cm
        if must.bmi is not None and weight is not None and height is not None:
            kg = weight["valueQuantity"]["value"]
            obs = self._base_observation(signed, "bmi", t.BMI.concept("BMI"), t.EXAM, None)
            obs["valueQuantity"] = t.quantity(float(rounded(must.bmi, 1)), "kg/m2")
            obs["note"] = [
                {
                    "text": f"BMI = {plain(Fraction(str(kg)))} kg / ({height / 100:g} m)² = "
                    f"{show(must.bmi, 4)} kg/m², given to 1 decimal (height from the patient's "
                    "record)"
                }
            ]
            obs["derivedFrom"] = [ref(weight), ref(response)]
            out.append(obs)
        if must.total is not None:
            obs = self._base_observation(
                signed, "must", t.MUST_SCORE.concept("MUST"), t.SURVEY, None
            )
            obs["valueQuantity"] = t.quantity(must.total, "{score}")
            obs["interpretation"] = [{"text": f"{must.risk} risk"}]
            obs["note"] = [{"text": "; ".join(must.steps)}]
            inputs = (
                self.forms.must.weight_measure,
                self.forms.must.weight_before_measure,
                self.forms.must.acutely_ill_measure,
            )
            obs["derivedFrom"] = [ref(by_key[k]) for k in inputs if k in by_key] + [ref(response)]
            out.append(obs)
        return out

    def _provenance(self, signed: SignedVersion, targets: Sequence[JSON]) -> list[JSON]:
        """Who signed the exported version, when, and what the signature means."""
        out = []
        for s in signed.signatures:
            out.append(
                {
                    "resourceType": "Provenance",
                    "id": resource_id(f"Provenance/{signed.name}/{s.username}"),
                    "target": [ref(x) for x in targets],
                    "recorded": s.signed_at,
                    "activity": {"text": f"signed in mdtapp: {s.meaning}"},
                    "agent": [
                        {
                            "type": t.ATTESTER.concept(),
                            "who": _person(f"{s.name} ({s.role})" if s.role else s.name),
                        }
                    ],
                }
            )
        return out

    # ------------------------------------------------------------ regimens and infusions

    def regimen(
        self, saved: Saved[Regimen], plan: DosePlan | str | None, *, superseded_on: date | None
    ) -> list[JSON]:
        """The dose-determining weight (an Observation with the working) and the
        MedicationRequest: dose per kg, course total, daily split, route, interval."""
        r = saved.value
        name = record_name(saved)
        request: JSON = {
            "resourceType": "MedicationRequest",
            "id": resource_id(f"MedicationRequest/{name}"),
            "identifier": [_identifier(saved)],
            "status": "stopped" if superseded_on else "active",
        }
        if superseded_on:
            request["statusReason"] = {
                "text": f"Superseded by the regimen from {format_date(superseded_on)}"
            }
        request.update(
            {
                # the MDT's plan; the prescription itself is written where the infusion is given
                "intent": "plan",
                "medicationCodeableConcept": t.IMMUNOGLOBULIN.concept(
                    "Human normal immunoglobulin"
                ),
                "subject": ref(self.patient),
            }
        )
        out: list[JSON] = []
        dosage: JSON = {"sequence": 1}
        if isinstance(plan, DosePlan):
            weight = self._dosing_weight(saved, plan)
            out.append(weight)
            request["supportingInformation"] = [ref(weight)]
            dosage["text"] = plan.summary + (
                f"; dosing weight set by the MDT: {plan.override_reason}" if plan.overridden else ""
            )
        else:
            dosage["text"] = f"No dose plan: {plan or 'not computed'}"
        period = r.interval_weeks if r.route == "iv" else self.forms.dosing.sc_period_weeks
        repeat: JSON = {"boundsPeriod": {"start": r.from_date.isoformat()}}
        if r.route == "iv":
            repeat.update({"frequency": 1, "period": r.interval_weeks, "periodUnit": "wk"})
        elif isinstance(plan, DosePlan):
            repeat.update({"frequency": len(plan.doses_g), "period": period, "periodUnit": "wk"})
        dosage["timing"] = {"repeat": repeat}
        dosage["route"] = t.ROUTES[r.route].concept(t.ROUTE_TEXT[r.route])
        doses: list[JSON] = [
            {"type": t.DOSE_PER_KG.concept(), "doseQuantity": t.quantity(r.g_per_kg, "g/kg")}
        ]
        if isinstance(plan, DosePlan):
            plan_json = plan.to_json()
            doses.append(
                {
                    "type": t.COURSE_TOTAL.concept(),
                    "doseQuantity": t.quantity(plan_json["course_total_g"], "g"),
                }
            )
            split = plan_json["daily_doses_g"] if r.route == "iv" else plan_json["sc_doses_g"]
            kind = t.DAILY_DOSE if r.route == "iv" else t.SC_DOSE
            doses.extend(
                {"type": kind.concept(), "doseQuantity": t.quantity(g, "g")} for g in split
            )
            dosage["maxDosePerPeriod"] = {
                "numerator": t.quantity(plan_json["course_total_g"], "g"),
                "denominator": t.quantity(period, "wk"),
            }
        dosage["doseAndRate"] = doses
        request["dosageInstruction"] = [dosage]
        out.append(request)
        return out

    def _dosing_weight(self, saved: Saved[Regimen], plan: DosePlan) -> JSON:
        numbers = plan.to_json()
        r = saved.value
        basis = t.OVERRIDE if plan.overridden else t.WEIGHT_BASIS[plan.weight_basis]
        why = plan.override_reason if plan.overridden else plan.rule
        obs: JSON = {
            "resourceType": "Observation",
            "id": resource_id(f"Observation/{record_name(saved)}#dosing-weight"),
            "identifier": [_identifier(saved, "dosing-weight")],
            "status": "final",
            "code": t.DOSING_WEIGHT.concept(),
            "subject": ref(self.patient),
            "effectiveDateTime": r.from_date.isoformat(),
            "valueQuantity": t.quantity(numbers["dosing_weight_kg"], "kg"),
            "method": {"coding": [basis.coding()], "text": f"{plan.weight_basis}: {why}"},
            "note": [
                {
                    "text": "How it was reached: "
                    + " ".join(f"{i}. {step}" for i, step in enumerate(plan.steps, 1))
                }
            ],
        }
        components = []
        if self.person.height_cm is not None:
            components.append(
                {
                    "code": t.BODY_HEIGHT.concept("Height"),
                    "valueQuantity": t.quantity(self.person.height_cm, "cm"),
                }
            )
        for code, key in (
            (t.BODY_WEIGHT.concept("Actual weight"), "actual_weight_kg"),
            (t.IDEAL_WEIGHT.concept(), "ideal_weight_kg"),
            (t.ADJUSTED_WEIGHT.concept(), "adjusted_weight_kg"),
        ):
            components.append({"code": code, "valueQuantity": t.quantity(numbers[key], "kg")})
        components.append(
            {"code": t.BMI.concept("BMI"), "valueQuantity": t.quantity(numbers["bmi"], "kg/m2")}
        )
        obs["component"] = components
        return obs

    def infusion(self, saved: Saved[Infusion], request: JSON | None) -> JSON:
        """One infusion; the batch is the contained Medication's lotNumber (R4 keeps the lot
        on the Medication, not on the administration)."""
        i = saved.value
        resource: JSON = {
            "resourceType": "MedicationAdministration",
            "id": resource_id(f"MedicationAdministration/{record_name(saved)}"),
            "contained": [
                {
                    "resourceType": "Medication",
                    "id": "product",
                    "code": {"coding": [t.IMMUNOGLOBULIN.coding()], "text": i.product},
                    "batch": {"lotNumber": i.batch},
                }
            ],
            "identifier": [_identifier(saved)],
            "status": "completed",
            "medicationReference": {"reference": "#product", "display": i.product},
            "subject": ref(self.patient),
            "effectiveDateTime": i.date.isoformat(),
        }
        if request is not None:
            resource["request"] = ref(request)
        if i.reaction:
            resource["note"] = [{"text": f"Reaction: {i.reaction}"}]
        resource["dosage"] = {
            "text": f"{as_json_number(Fraction(str(i.grams)), 2)} g {i.route.upper()}",
            "route": t.ROUTES[i.route].concept(t.ROUTE_TEXT[i.route]),
            "dose": t.quantity(i.grams, "g"),
        }
        return resource

    # ------------------------------------------------------------ decisions

    def decision(self, signed: SignedVersion, evidence: JSON | None) -> list[JSON]:
        """The MDT decision as an Observation (coded value, every clinician, the reason) with
        one member Observation per stopping criterion as shown when it was recorded."""
        d: Decision = signed.saved.value
        forms = self.forms

        def base(part: str, code: JSON) -> JSON:
            resource: JSON = {
                "resourceType": "Observation",
                "id": resource_id(f"Observation/{signed.name}#{part}"),
                "identifier": [_identifier(signed.saved, part)],
                "status": self._status(signed),
                "code": code,
                "subject": ref(self.patient),
                "effectiveDateTime": d.date.isoformat(),
            }
            if d.clinicians:
                resource["performer"] = [_person(c) for c in d.clinicians]
            return resource

        flags = []
        for flag in forms.response.flags:
            obs = base(f"criterion-{flag.key}", t.criterion_code(forms, flag.key).concept())
            obs["valueBoolean"] = flag.key in d.flags_at_decision
            flags.append(obs)
        decision = base("decision", t.MDT_DECISION.concept())
        decision["valueCodeableConcept"] = t.decision_code(forms, d.decision).concept()
        decision["note"] = [{"text": d.reason}]
        decision["hasMember"] = [ref(x) for x in flags]
        if evidence is not None:
            decision["derivedFrom"] = [ref(evidence)]
        components: list[JSON] = []
        if d.next_review is not None:
            components.append(
                {"code": t.NEXT_REVIEW.concept(), "valueDateTime": d.next_review.isoformat()}
            )
        for name, code in t.ACTIONS.items():
            text = getattr(d, name)
            if text:
                components.append({"code": code.concept(), "valueString": text})
        if components:
            decision["component"] = components
        made = [decision, *flags]
        return made + self._provenance(signed, made)
