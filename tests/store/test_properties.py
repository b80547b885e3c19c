"""Property tests: whatever the input, the program neither crashes nor changes the database;
valid data always comes back exactly."""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import forms
from mdtapp.domain.model import (
    GP,
    Assessment,
    LocalCentre,
    Nutrition,
    OrganStatus,
    Papules,
    Patient,
)
from mdtapp.domain.nhs_number import check_digit
from mdtapp.store.demo import add_demo_patients
from mdtapp.store.interchange import ImportRejected, dumps, export_document, import_document
from mdtapp.store.repository import Store
from tests.store.conftest import fixed_clock, jane, table_counts

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
F = forms()
TODAY = date(2026, 11, 21)

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def stores():
    folder = Path(tempfile.mkdtemp())
    target = Store.open(folder / "target.db", user="tester", clock=fixed_clock)
    target.add_patient(jane())
    source = Store.open(folder / "source.db", user="tester", clock=fixed_clock)
    add_demo_patients(source)
    document = json.loads(dumps(export_document(source)))
    yield target, document, folder
    target.close()
    source.close()


@SETTINGS
@given(document=json_value)
def test_arbitrary_json_never_crashes_the_importer_nor_changes_the_database(stores, document):
    target, _, _ = stores
    before = table_counts(target)
    try:
        import_document(target, document)
    except ImportRejected as e:
        assert e.problems and all(isinstance(p, str) for p in e.problems)
    assert table_counts(target) == before


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


@SETTINGS
@given(data=st.data(), value=json_value)
def test_one_bad_field_in_a_real_export_is_refused_or_harmless(stores, data, value):
    _, document, _ = stores
    doc = copy.deepcopy(document)
    if data.draw(st.booleans()):
        # as another program would write it: without lineage, a changed field is judged by the
        # field rules alone (with it, a changed record no longer matches its revision)
        doc = _without_lineage(doc)
    path = data.draw(st.sampled_from(_leaves(doc["patients"])))
    node = doc["patients"]
    for key in path[:-1]:
        node = node[key]
    if path:
        node[path[-1]] = value
    fresh = Store.open(Path(tempfile.mkdtemp()) / "t.db", user="tester", clock=fixed_clock)
    fresh.add_patient(jane())
    before = table_counts(fresh)
    try:
        import_document(fresh, doc)
    except ImportRejected:
        assert table_counts(fresh) == before  # refused: nothing written
    else:
        assert fresh.count_patients() == 6  # the new value was valid: all went in, at once
    finally:
        fresh.close()


def _without_lineage(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_lineage(v) for k, v in node.items() if k != "lineage"}
    if isinstance(node, list):
        return [_without_lineage(v) for v in node]
    return node


scores = st.one_of(st.none(), st.integers(-5, 8))
vas = st.one_of(st.none(), st.integers(-50, 200))
maybe_bool = st.one_of(st.none(), st.booleans())
weights = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32))


@st.composite
def any_assessment(draw: st.DrawFn) -> Assessment:
    """Every field of the form, including values outside what the form allows."""
    return Assessment(
        date=draw(st.dates(date(2020, 1, 1), TODAY + timedelta(days=30))),
        examiner=draw(st.text(max_size=30)),
        mrss={key: draw(scores) for key in F.mrss.area_keys},
        itch_vas_mm=draw(vas),
        patient_global_vas_mm=draw(vas),
        physician_global_vas_mm=draw(vas),
        papules=draw(
            st.one_of(st.none(), st.builds(Papules, st.integers(-10, 10**6), st.text(max_size=20)))
        ),
        systemic={
            o: OrganStatus(draw(maybe_bool), draw(maybe_bool)) for o in F.systemic.organ_keys
        },
        systemic_other=draw(st.text(max_size=20)),
        dermatoneuro_syndrome=draw(maybe_bool),
        hrqol_worse=draw(maybe_bool),
        nutrition=Nutrition(draw(weights), draw(weights), draw(maybe_bool), draw(maybe_bool)),
        notes=draw(st.text(max_size=60)),
    )


@SETTINGS
@given(assessment=any_assessment())
def test_every_form_field_out_of_range_is_refused_by_name_or_stored_exactly(tmp_path, assessment):
    store = Store.open(
        Path(tempfile.mkdtemp(dir=tmp_path)) / "f.db", user="tester", clock=fixed_clock
    )
    uid = store.add_patient(jane()).uid
    before = table_counts(store)
    try:
        saved = store.save("assessments", uid, assessment)
    except ValidationError as e:
        assert all(err.field and err.message for err in e.errors)
        assert table_counts(store) == before
    else:
        assert store.get("assessments", saved.uid).value == saved.value
        assert saved.value.mrss == assessment.mrss
    store.close()


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    while True:
        first = draw(st.text("0123456789", min_size=9, max_size=9))
        check = check_digit(first)
        if check is not None:
            return first + str(check)


names = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "Zs")), min_size=1, max_size=20
).filter(lambda s: s.strip())
# free text: any character but the control characters text may not hold (new lines and tabs may)
free_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r"),
    max_size=40,
)
valid_weight = st.integers(250, 3500).map(lambda x: x / 10)


@st.composite
def valid_assessment(draw: st.DrawFn, on: date) -> Assessment:
    return Assessment(
        date=on,
        examiner=draw(names),
        mrss={k: draw(st.one_of(st.none(), st.integers(0, 3))) for k in F.mrss.area_keys},
        itch_vas_mm=draw(st.one_of(st.none(), st.integers(0, 100))),
        patient_global_vas_mm=draw(st.one_of(st.none(), st.integers(0, 100))),
        physician_global_vas_mm=draw(st.one_of(st.none(), st.integers(0, 100))),
        papules=draw(st.one_of(st.none(), st.builds(Papules, st.integers(0, 500), names))),
        systemic={
            o: OrganStatus(True, draw(maybe_bool))
            if draw(st.booleans())
            else OrganStatus(draw(st.sampled_from([False, None])), None)
            for o in F.systemic.organ_keys
        },
        dermatoneuro_syndrome=draw(maybe_bool),
        hrqol_worse=draw(maybe_bool),
        nutrition=Nutrition(
            draw(st.one_of(st.none(), valid_weight)),
            draw(st.one_of(st.none(), valid_weight)),
            draw(maybe_bool),
            draw(maybe_bool),
        ),
        notes=draw(free_text),
    )


@st.composite
def valid_patient(draw: st.DrawFn) -> tuple[Patient, list[Assessment]]:
    patient = Patient(
        nhs_number=draw(nhs_numbers()),
        family_name=draw(names),
        given_names=draw(names),
        date_of_birth=draw(st.dates(date(1920, 1, 1), date(2008, 1, 1))),
        sex=draw(st.sampled_from(["female", "male", "other", "unknown"])),
        hospital_number=draw(st.text("ABCXYZ0123456789", max_size=8)),
        height_cm=draw(st.one_of(st.none(), st.integers(1200, 2300).map(lambda x: x / 10))),
        gp=GP(draw(names), draw(names), ""),
        local_centre=LocalCentre(draw(names), ""),
    )
    days = draw(st.lists(st.integers(0, 2000), min_size=0, max_size=3, unique=True))
    return patient, [draw(valid_assessment(date(2020, 1, 1) + timedelta(days=d))) for d in days]


@SETTINGS
@given(
    patients=st.lists(valid_patient(), min_size=1, max_size=3, unique_by=lambda p: p[0].nhs_number)
)
def test_valid_data_always_round_trips_exactly(tmp_path, patients):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    first = Store.open(folder / "a.db", user="tester", clock=fixed_clock)
    for patient, assessments in patients:
        uid = first.add_patient(patient).uid
        for a in assessments:
            first.save("assessments", uid, a)
    exported = dumps(export_document(first))
    second = Store.open(folder / "b.db", user="tester", clock=fixed_clock)
    import_document(second, json.loads(exported))
    assert dumps(export_document(second)) == exported
    for patient, assessments in patients:
        back = second.load_by_nhs(patient.nhs_number)
        assert back.patient.value == patient
        assert [s.value for s in back.assessments] == sorted(assessments, key=lambda a: a.date)
    first.close()
    second.close()
