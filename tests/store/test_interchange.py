from __future__ import annotations

import json
from datetime import date

import pytest

from mdtapp.store.demo import add_demo_patients
from mdtapp.store.interchange import (
    ImportRejected,
    dumps,
    export_document,
    export_file,
    import_document,
    import_file,
    schema,
)
from mdtapp.store.repository import Store
from tests.factories import assessment, image_bytes
from tests.store.conftest import fixed_clock, jane, table_counts


@pytest.fixture
def filled(store):
    add_demo_patients(store)
    uid = store.patient_uids()[0]
    file = store.load(uid)
    digest = store.add_photo(uid, image_bytes("PNG"), "image/png")
    first = file.assessments[0]
    import dataclasses

    from mdtapp.domain.model import PhotoRef

    with_photo = dataclasses.replace(
        first.value, photos=(PhotoRef("left forearm", digest, "image/png"),)
    )
    store.save("assessments", uid, with_photo, uid=first.uid, base_version=first.version)
    return store


def test_round_trip_export_import_export_is_byte_identical(filled, tmp_path):
    export_file(filled, tmp_path / "one.json")
    other = Store.open(tmp_path / "other.db", user="tester", clock=fixed_clock)
    result = import_file(other, tmp_path / "one.json")
    assert result.patients_added == 5
    export_file(other, tmp_path / "two.json")
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    other.close()


def test_the_export_has_the_agreed_shape_and_is_audited(filled, tmp_path):
    export_file(filled, tmp_path / "out.json")
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["format"] == "mdtapp/1"
    p = doc["patients"][0]
    for key in (
        "nhs_number",
        "hospital_number",
        "family_name",
        "given_names",
        "date_of_birth",
        "sex",
        "height_cm",
        "gp",
        "eligibility",
        "decisions",
        "regimens",
        "infusions",
        "assessments",
        "admissions",
    ):
        assert key in p
    a = p["assessments"][0]
    assert set(a["mrss"]) == set(filled.forms.mrss.area_keys)
    assert set(a["systemic"]["renal"]) == {"involved", "progressed"}
    assert set(a["nutrition"]) == {
        "weight_kg",
        "weight_3_6_months_ago_kg",
        "acutely_ill_no_intake_5_days",
        "dysphagia",
    }
    assert p["assessments"][0]["photos"][0]["data_base64"]
    assert filled.audit_entries(limit=1)[0].action == "export"


def _doc(store):
    return json.loads(dumps(export_document(store)))


BAD = {
    "bad NHS number": (
        lambda d: d["patients"][0].update(nhs_number="9434765918"),
        "patients[0] (NHS 943 476 5918): nhs_number: 943 476 5918 fails the Modulus 11 check",
    ),
    "VAS 140": (
        lambda d: d["patients"][0]["assessments"][0].update(itch_vas_mm=140),
        "assessments[0].itch_vas_mm: must be 0-100; got 140",
    ),
    "mRSS 4": (
        lambda d: d["patients"][0]["assessments"][0]["mrss"].update(face=4),
        "assessments[0].mrss.face: must be 0-3; got 4",
    ),
    "unknown area": (
        lambda d: d["patients"][0]["assessments"][0]["mrss"].update(left_ear=1),
        "assessments[0].mrss: unknown field 'left_ear'",
    ),
    "future assessment": (
        lambda d: d["patients"][0]["assessments"][0].update(date="2099-01-01"),
        "assessments[0].date: must not be in the future; got 2099-01-01",
    ),
    "future infusion": (
        lambda d: d["patients"][1]["infusions"][0].update(date="2099-01-01"),
        "infusions[0].date: must not be in the future; got 2099-01-01",
    ),
    "bad date": (
        lambda d: d["patients"][0].update(date_of_birth="12/04/1968"),
        "date_of_birth: must be a date as YYYY-MM-DD; got '12/04/1968'",
    ),
    "missing field": (
        lambda d: d["patients"][0]["assessments"][0].pop("examiner"),
        "assessments[0]: examiner is required",
    ),
    "wrong format": (lambda d: d.update(format="mdtapp/2"), "format"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_kind_of_bad_import_changes_nothing(filled, tmp_path, case):
    doc = _doc(filled)
    break_it, message = BAD[case]
    break_it(doc)
    target = Store.open(tmp_path / "target.db", user="tester", clock=fixed_clock)
    target.add_patient(jane())
    before = table_counts(target)
    with pytest.raises(ImportRejected) as raised:
        import_document(target, doc)
    assert any(message in line for line in raised.value.problems), raised.value.problems
    assert table_counts(target) == before
    target.close()


def test_every_problem_is_listed_not_just_the_first(filled, tmp_path):
    doc = _doc(filled)
    doc["patients"][0]["assessments"][0]["itch_vas_mm"] = 140
    doc["patients"][2]["nhs_number"] = "9434765918"
    doc["patients"][3]["infusions"][0]["date"] = "2099-01-01"
    target = Store.open(tmp_path / "t.db", user="tester", clock=fixed_clock)
    with pytest.raises(ImportRejected) as raised:
        import_document(target, doc)
    assert len(raised.value.problems) == 3
    assert all(line.startswith("patients[") for line in raised.value.problems)


def test_a_duplicate_patient_needs_merge(filled, tmp_path):
    doc = _doc(filled)
    before = table_counts(filled)
    with pytest.raises(ImportRejected) as raised:
        import_document(filled, doc)
    assert "already in the database (use --merge" in raised.value.problems[0]
    assert table_counts(filled) == before
    result = import_document(filled, doc, merge=True)
    assert (result.patients_merged, result.records_added, result.records_updated) == (5, 0, 0)


def test_merge_adds_only_what_is_new(filled, tmp_path):
    doc = _doc(filled)
    other = Store.open(tmp_path / "other.db", user="tester", clock=fixed_clock)
    import_document(other, doc)
    uid = other.patient_uids()[0]
    other.save("assessments", uid, assessment(date(2026, 11, 20)))
    newer = json.loads(dumps(export_document(other)))
    result = import_document(filled, newer, merge=True)
    assert (result.records_added, result.records_updated) == (1, 0)
    assert filled.load(uid).assessments[-1].value.date == date(2026, 11, 20)
    other.close()


def test_malformed_json_is_one_clear_line(tmp_path, store):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "mdtapp/1", "patients": [}')
    with pytest.raises(ImportRejected) as raised:
        import_file(store, path)
    assert raised.value.problems == [f"{path}: not valid JSON (line 1, column 37: Expecting value)"]


def test_the_schema_file_matches_the_forms_definitions(store):
    s = schema()
    mrss = s["$defs"]["assessment"]["properties"]["mrss"]
    assert list(mrss["properties"]) == list(store.forms.mrss.area_keys)
    assert {p["maximum"] for p in mrss["properties"].values()} == {store.forms.mrss.max_score}
    vas = s["$defs"]["assessment"]["properties"]["itch_vas_mm"]
    assert vas["maximum"] == store.forms.vas.max_mm
    organs = s["$defs"]["assessment"]["properties"]["systemic"]["properties"]
    assert tuple(organs) == store.forms.systemic.organ_keys
    criteria = s["$defs"]["eligibility"]["properties"]["criteria"]["properties"]
    assert tuple(criteria) == store.forms.eligibility.criterion_keys
