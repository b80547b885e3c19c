"""FHIR R4 export (issue 20): the bundle validates, reads back to every number of the signed
record, leaves unsigned records out, is the same bytes for the same data, and is audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from mdtapp.domain.forms import forms
from mdtapp.domain.model import (
    Decision,
    Infusion,
    OrganStatus,
    PhotoRef,
    Regimen,
)
from mdtapp.fhir.export import ExportRefused, bundle_bytes, collect, export_fhir
from mdtapp.fhir.resources import build_bundle
from tests.factories import assessment
from tests.fhir.conftest import (
    PASSWORD,
    by_url,
    entries,
    r4_problems,
    sign_everything,
)
from tests.store.conftest import jane

# 20 areas scored so that neighbours differ, the last two not assessed; the total by hand:
# (3+2+1+0) x 4 + 3 + 2 = 24 + 5 = 29, out of 18 areas x 3 = 54
SCORES = (3, 2, 1, 0) * 4 + (3, 2, None, None)


def _full_assessment(on: date):
    f = forms()
    scores = dict(zip(f.mrss.area_keys, SCORES, strict=True))
    organs = {key: OrganStatus(False, False) for key in f.systemic.organ_keys}
    first, second = f.systemic.organ_keys[:2]
    organs[first] = OrganStatus(True, True)
    organs[second] = OrganStatus(True, None)  # progression not recorded
    base = assessment(on, mrss=scores, itch=45, ptga=62, phga=38, papules=17, site="left forearm")
    return base.with_values(
        {
            "systemic": organs,
            "systemic_other": "mild oesophageal dysmotility",
            "dermatoneuro_syndrome": True,
            "hrqol_worse": False,
            "nutrition.weight_kg": 70.0,
            "nutrition.weight_3_6_months_ago_kg": 74.0,
            "nutrition.acutely_ill_no_intake_5_days": False,
            "nutrition.dysphagia": True,
            "notes": "Seen with both consultants",
            "photos": (PhotoRef("left forearm", "ab" * 32, "image/jpeg"),),
        }
    )


@pytest.fixture
def treated(signing_store):
    """Jane: the README's worked example (female, 165 cm, 70 kg, 2 g/kg over 5 days), a full
    signed assessment, two infusions and a signed decision."""
    store = signing_store
    uid = store.add_patient(jane()).uid
    store.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    store.save("assessments", uid, _full_assessment(date(2026, 8, 3)))
    store.save("infusions", uid, Infusion(date(2026, 8, 5), 25.0, "Privigen", "PRV-0001", "iv"))
    store.save(
        "infusions",
        uid,
        Infusion(date(2026, 8, 6), 20.0, "Privigen", "PRV-0002", "iv", reaction="headache"),
    )
    store.save(
        "decisions",
        uid,
        Decision(
            date(2026, 8, 3),
            "start",
            "Meets 3 of 4 criteria; both specialties agree",
            clinicians=("Dr R Rheum", "Dr D Derm"),
            next_review=date(2026, 11, 3),
            flags_at_decision=("worsening_disease_activity",),
            actions_gp="Please check full blood count",
        ),
    )
    sign_everything(store, uid)
    return uid


def _export(store, uid, tmp_path, name="out.json", **kw):
    path = tmp_path / name
    result = export_fhir(store, uid, path, **kw)
    return result, json.loads(path.read_text(encoding="utf-8"))


def _answers(qr) -> dict[str, object]:
    """linkId -> the answer's value, through every level of the QuestionnaireResponse."""
    out: dict[str, object] = {}

    def walk(items):
        for item in items:
            values = [
                next(v for k, v in a.items() if k.startswith("value"))
                for a in item.get("answer", [])
            ]
            if values:
                out[item["linkId"]] = values[0] if len(values) == 1 else values
            walk(item.get("item", []))

    walk(qr["item"])
    return out


def _observation(bundle, code):
    found = [
        r
        for r in entries(bundle, "Observation")
        if any(c["code"] == code for c in r["code"]["coding"])
    ]
    assert len(found) == 1, (code, len(found))
    return found[0]


def _components(obs):
    out = {}
    for c in obs["component"]:
        key = c["code"]["coding"][0]["code"]
        value = next((v for k, v in c.items() if k.startswith("value")), None)
        out[key] = value["value"] if isinstance(value, dict) else value
    return out


def test_every_exported_resource_validates_against_fhir_r4(signing_store, treated, tmp_path):
    _, bundle = _export(signing_store, treated, tmp_path)
    assert r4_problems(bundle) == []
    kinds = {r["resourceType"] for r in entries(bundle)}
    assert kinds == {
        "CodeSystem",
        "Questionnaire",
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "MedicationRequest",
        "MedicationAdministration",
        "Provenance",
    }
    assert bundle["type"] == "collection" and bundle["timestamp"] == "2026-11-21T10:00:00Z"
    # every reference inside the bundle resolves to an entry (or a contained resource)
    urls = by_url(bundle)
    text = json.dumps(bundle)
    for reference in set(json.loads(f"[{x}]")[0] for x in _references(text)):
        assert reference.startswith("#") or reference in urls, reference


def _references(text: str) -> list[str]:
    import re

    return re.findall(r'"reference": ("[^"]*")', text)


def test_the_validator_rejects_what_r4_forbids():
    """The validator is not a rubber stamp: one resource per kind of fault it must catch."""
    good = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueInteger": 3,
    }
    assert r4_problems(good) == []
    bad = {
        "code not in the required value set": {**good, "status": "finalised"},
        "unknown element": {**good, "colour": "red"},
        "wrong type": {**good, "valueInteger": "three"},
        "bad date": {**good, "effectiveDateTime": "2026-13-40"},
        "missing complex 1..1": {k: v for k, v in good.items() if k != "code"},
        "missing primitive 1..1": {k: v for k, v in good.items() if k != "status"},
        "two value[x]": {**good, "valueBoolean": True},
    }
    for what, resource in bad.items():
        assert r4_problems(resource), what
    assert r4_problems({"resourceType": "Patient", "gender": "woman"})
    assert r4_problems(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Patient", "birthDate": "02-01-1970"}}],
        }
    )


def test_the_bundle_reads_back_to_every_number_of_the_signed_record(
    signing_store, treated, tmp_path
):
    _, bundle = _export(signing_store, treated, tmp_path)
    f = forms()
    urls = by_url(bundle)
    [qr] = entries(bundle, "QuestionnaireResponse")
    answers = _answers(qr)
    assert qr["status"] == "completed" and qr["authored"] == "2026-08-03"
    assert (
        qr["questionnaire"] == f"https://mdtapp.invalid/fhir/Questionnaire/assessment|{f.version}"
    )

    # mRSS: each area in the response and in the Observation; the total added by hand above
    for key, score in zip(f.mrss.area_keys, SCORES, strict=True):
        assert answers.get(f"mrss.{key}") == score
    mrss = _observation(bundle, "mrss")
    assert mrss["valueQuantity"] == {
        "value": 29,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    parts = _components(mrss)
    assert parts["mrss.areas_assessed"] == 18
    for key, score in zip(f.mrss.area_keys, SCORES, strict=True):
        assert parts[f"mrss.{key}"] == score  # None: dataAbsentReason "not assessed"
    assert mrss["note"][0]["text"].endswith("29 / 54 — 2 areas not assessed")

    # the three VAS, in mm, in the response and as Observations
    for key, mm in (
        ("itch_vas_mm", 45),
        ("patient_global_vas_mm", 62),
        ("physician_global_vas_mm", 38),
    ):
        assert answers[key] == mm
        assert _observation(bundle, key)["valueQuantity"]["value"] == mm
        assert _observation(bundle, key)["valueQuantity"]["code"] == "mm"
    assert _observation(bundle, "itch_vas_mm")["interpretation"] == [{"text": "moderate"}]

    # papules with the site
    assert answers["papules.count"] == 17 and answers["papules.site"] == "left forearm"
    papules = _observation(bundle, "papules")
    assert papules["valueInteger"] == 17 and papules["bodySite"] == {"text": "left forearm"}

    # each organ's involvement and progression
    first, second, *others = f.systemic.organ_keys
    organs = _components(_observation(bundle, "systemic"))
    assert organs[f"systemic.{first}.involved"] is True
    assert organs[f"systemic.{first}.progressed"] is True
    assert organs[f"systemic.{second}.involved"] is True
    assert organs[f"systemic.{second}.progressed"] is None  # not recorded
    for organ in others:
        assert organs[f"systemic.{organ}.involved"] is False
        assert answers[f"systemic.{organ}.involved"] is False
    assert f"systemic.{second}.progressed" not in answers
    assert answers["systemic_other"] == "mild oesophageal dysmotility"

    # dermatoneuro syndrome, quality of life, nutrition
    assert _observation(bundle, "dermatoneuro_syndrome")["valueBoolean"] is True
    assert _observation(bundle, "hrqol_worse")["valueBoolean"] is False
    weight = _observation(bundle, "nutrition.weight_kg")
    assert weight["valueQuantity"]["value"] == 70.0 and weight["valueQuantity"]["code"] == "kg"
    assert {c["code"] for c in weight["code"]["coding"]} == {"nutrition.weight_kg", "27113001"}
    assert answers["nutrition.weight_3_6_months_ago_kg"] == 74.0
    assert answers["nutrition.dysphagia"] is True
    # BMI by hand: 70 / 1.65² = 70 / 2.7225 = 25.711..., to 1 decimal 25.7
    bmi = _observation(bundle, "60621009")
    assert bmi["valueQuantity"]["value"] == 25.7 and bmi["valueQuantity"]["code"] == "kg/m2"
    assert "70 kg / (1.65 m)² = 25.7117 kg/m², given to 1 decimal" in bmi["note"][0]["text"]
    assert urls[bmi["derivedFrom"][0]["reference"]] is weight
    # MUST by hand: BMI 25.7 > 20 scores 0; loss (74 - 70) / 74 = 5.4 % (5-10 %) scores 1;
    # not acutely ill scores 0: total 1, medium risk
    must = _observation(bundle, "444297006")
    assert must["valueQuantity"]["value"] == 1 and must["interpretation"] == [
        {"text": "medium risk"}
    ]
    assert "Unplanned weight loss 5.4 % in 3-6 months scores 1" in must["note"][0]["text"]
    assert answers["notes"] == "Seen with both consultants"
    assert answers["photos"] == {"contentType": "image/jpeg", "title": "left forearm"}
    assert answers["examiner"] == "Dr B Derm" and answers["date"] == "2026-08-03"

    # the dose plan: the README's worked example, IBW 56.9, adjusted 62.1, 120 g, 25 x 4 + 20
    [request] = entries(bundle, "MedicationRequest")
    dosage = request["dosageInstruction"][0]
    doses = [
        (d["type"]["coding"][0]["code"], d["doseQuantity"]["value"], d["doseQuantity"]["code"])
        for d in dosage["doseAndRate"]
    ]
    assert doses == [
        ("dose-per-kg", 2.0, "g/kg"),
        ("course-total", 120, "g"),
        ("daily-dose", 25, "g"),
        ("daily-dose", 25, "g"),
        ("daily-dose", 25, "g"),
        ("daily-dose", 25, "g"),
        ("daily-dose", 20, "g"),
    ]
    assert dosage["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-08-05"},
        "frequency": 1,
        "period": 4,
        "periodUnit": "wk",
    }
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    assert dosage["text"] == "120 g IV over 5 days (25, 25, 25, 25, 20 g), every 4 weeks"
    weight_basis = urls[request["supportingInformation"][0]["reference"]]
    assert weight_basis["valueQuantity"]["value"] == 62.1
    assert weight_basis["method"]["coding"][0]["code"] == "basis-adjusted"
    assert _components(weight_basis) == {
        "50373000": 165.0,
        "27113001": 70.0,
        "ideal-weight": 56.9,
        "adjusted-weight": 62.1,
        "60621009": 25.7,
    }
    assert "124.3 g → rounded down to whole 10 g: 120 g" in weight_basis["note"][0]["text"]

    # each infusion's batch, dose and the regimen it was given under
    given = entries(bundle, "MedicationAdministration")
    assert [
        (
            a["effectiveDateTime"],
            a["contained"][0]["batch"]["lotNumber"],
            a["dosage"]["dose"]["value"],
        )
        for a in given
    ] == [("2026-08-05", "PRV-0001", 25.0), ("2026-08-06", "PRV-0002", 20.0)]
    assert all(urls[a["request"]["reference"]] is request for a in given)
    assert given[1]["note"] == [{"text": "Reaction: headache"}]


def test_the_decision_and_the_stopping_criteria_at_decision_time(signing_store, treated, tmp_path):
    _, bundle = _export(signing_store, treated, tmp_path)
    urls = by_url(bundle)
    decision = _observation(bundle, "mdt-decision")
    assert decision["valueCodeableConcept"]["coding"][0]["code"] == "start"
    assert decision["performer"] == [{"display": "Dr R Rheum"}, {"display": "Dr D Derm"}]
    assert decision["note"] == [{"text": "Meets 3 of 4 criteria; both specialties agree"}]
    assert _components(decision) == {
        "next-review": "2026-11-03",
        "actions-gp": "Please check full blood count",
    }
    flags = {
        urls[m["reference"]]["code"]["coding"][0]["code"]: urls[m["reference"]]["valueBoolean"]
        for m in decision["hasMember"]
    }
    assert flags == {
        "worsening_disease_activity": True,
        "worsening_extracutaneous": False,
        "worsening_quality_of_life": False,
        "no_response_after_6_months": False,
    }
    [qr] = entries(bundle, "QuestionnaireResponse")
    assert urls[decision["derivedFrom"][0]["reference"]] is qr
    # who signed: a Provenance per signed version, naming the signer and the time
    signed = entries(bundle, "Provenance")
    assert len(signed) == 2
    assert all(
        p["agent"][0]["who"]["display"] == "Dr Ada (clinician, pharmacist, admin)" for p in signed
    )
    assert all(p["recorded"] == "2026-11-21T10:00:00Z" for p in signed)
    assert any(urls[t["reference"]] is decision for p in signed for t in p["target"])


def test_unsigned_records_are_left_out_and_an_unsigned_amendment_exports_the_signed_version(
    signing_store, treated, tmp_path
):
    """Hazard: exported data differs from the signed record (docs/clinical-safety.md)."""
    store = signing_store
    signed = store.load(treated).assessments[0]
    # an amendment after signing, not signed: the export keeps the signed version's numbers
    store.save(
        "assessments",
        treated,
        signed.value.with_values({"itch_vas_mm": 99}),
        uid=signed.uid,
        base_version=signed.version,
        reason="typing error corrected",
    )
    store.save("assessments", treated, assessment(date(2026, 9, 1), itch=12))  # never signed
    result, bundle = _export(store, treated, tmp_path)
    assert result.left_out == (
        "assessment of 03-Aug-2026: version 2 is not signed; signed version 1 "
        "(assessment of 03-Aug-2026) is exported",
        "assessment of 01-Sep-2026 (version 1): not signed, left out",
    )
    [qr] = entries(bundle, "QuestionnaireResponse")
    assert _answers(qr)["itch_vas_mm"] == 45
    assert _observation(bundle, "itch_vas_mm")["valueQuantity"]["value"] == 45
    assert qr["identifier"]["value"] == f"assessments/{signed.uid}/v1"
    assert r4_problems(bundle) == []
    # signing the amendment sends it, marked amended
    store.sign("assessments", signed.uid, 2, PASSWORD)
    _, bundle = _export(store, treated, tmp_path, "amended.json")
    [qr] = entries(bundle, "QuestionnaireResponse")
    assert qr["status"] == "amended" and _answers(qr)["itch_vas_mm"] == 99
    assert _observation(bundle, "itch_vas_mm")["status"] == "amended"


def test_the_same_data_gives_the_same_bytes(signing_store, treated, tmp_path):
    store = signing_store
    _export(store, treated, tmp_path, "one.json")
    _export(store, treated, tmp_path, "two.json")  # an audit entry was added in between
    one, two = (tmp_path / "one.json").read_bytes(), (tmp_path / "two.json").read_bytes()
    assert one == two
    later = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    _export(store, treated, tmp_path, "later.json", timestamp=later)
    changed = [
        (a, b)
        for a, b in zip(
            one.splitlines(), (tmp_path / "later.json").read_bytes().splitlines(), strict=True
        )
        if a != b
    ]
    assert changed == [
        (b'  "timestamp": "2026-11-21T10:00:00Z",', b'  "timestamp": "2027-01-02T03:04:05Z",')
    ]
    # without a timestamp, the bytes depend on nothing but the records and forms/
    data, _ = collect(store, treated)
    bare = bundle_bytes(build_bundle(data, store.forms))
    assert b'"timestamp"' not in bare and bare == bundle_bytes(build_bundle(data, store.forms))


def test_the_export_is_audited_with_who_which_patient_and_which_records(
    signing_store, treated, tmp_path
):
    store = signing_store
    result, _ = _export(store, treated, tmp_path)
    entry = store.audit_entries(limit=1)[0]
    assert (entry.action, entry.user, entry.patient_uid) == ("fhir-export", "ada", treated)
    assert entry.at == "2026-11-21T10:00:00Z"
    for names in result.records.values():
        for name in names:
            assert name in entry.detail
    assert str(tmp_path / "out.json") in entry.detail


def test_since_keeps_later_records_and_the_regimen_in_force(signing_store, treated, tmp_path):
    store = signing_store
    store.save("assessments", treated, assessment(date(2026, 9, 1), itch=12))
    sign_everything(store, treated)
    result, bundle = _export(store, treated, tmp_path, since=date(2026, 8, 6))
    assert [r["authored"] for r in entries(bundle, "QuestionnaireResponse")] == ["2026-09-01"]
    assert [a["effectiveDateTime"] for a in entries(bundle, "MedicationAdministration")] == [
        "2026-08-06"
    ]
    assert len(entries(bundle, "MedicationRequest")) == 1  # in force since 05-Aug
    assert result.records["decisions"] == ()
    assert r4_problems(bundle) == []
    with pytest.raises(ExportRefused, match="no signed assessment or decision dated on or after"):
        export_fhir(store, treated, tmp_path / "none.json", since=date(2026, 10, 1))
    assert not (tmp_path / "none.json").exists()


def test_nothing_signed_is_refused_and_nothing_written(signing_store, tmp_path):
    store = signing_store
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 8, 3)))
    before = len(store.audit_entries())
    with pytest.raises(ExportRefused, match=r"no signed assessment or decision \(1 record"):
        export_fhir(store, uid, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists() and len(store.audit_entries()) == before


def test_a_superseded_regimen_is_stopped_and_each_infusion_names_its_own(
    signing_store, treated, tmp_path
):
    store = signing_store
    store.save("regimens", treated, Regimen(date(2026, 9, 2), 1.5, 4, 6, "iv", 70.0))
    store.save("infusions", treated, Infusion(date(2026, 9, 2), 30.0, "Privigen", "PRV-9", "iv"))
    _, bundle = _export(store, treated, tmp_path)
    urls = by_url(bundle)
    old, new = entries(bundle, "MedicationRequest")
    assert old["status"] == "stopped" and new["status"] == "active"
    assert old["statusReason"] == {"text": "Superseded by the regimen from 02-Sep-2026"}
    assert [
        urls[a["request"]["reference"]] is new for a in entries(bundle, "MedicationAdministration")
    ] == [False, False, True]
    # 1.5 g/kg x 62.1 kg = 93.2 g, rounded down to 90 g, over 4 days: 25 + 25 + 20 + 20
    doses = [d["doseQuantity"]["value"] for d in new["dosageInstruction"][0]["doseAndRate"]]
    assert doses == [1.5, 90, 25, 25, 20, 20]
    assert r4_problems(bundle) == []


def test_an_sc_regimen_and_a_patient_without_height(signing_store, tmp_path):
    store = signing_store
    uid = store.add_patient(jane(height_cm=None, nhs_number="9434765870")).uid
    store.save(
        "regimens", uid, Regimen(date(2026, 8, 5), 0.4, None, 1, "sc", 70.0, sc_doses_per_period=4)
    )
    store.save("decisions", uid, Decision(date(2026, 8, 3), "start", "agreed"))
    sign_everything(store, uid)
    _, bundle = _export(store, uid, tmp_path)
    [request] = entries(bundle, "MedicationRequest")
    assert request["dosageInstruction"][0]["text"] == (
        "No dose plan: no height recorded: the dose plan needs the patient's height"
    )
    assert r4_problems(bundle) == []
