"""A measure added to forms/ reaches the FHIR export with no code change (issue 20), as it
reaches every other output (tests/test_all_measures.py, whose changed copy of forms/ this
reuses: a 21st mRSS area, "scalp", and a fourth VAS, "fatigue_vas_mm")."""

from __future__ import annotations

import json
from datetime import date

from mdtapp.domain.forms import forms
from mdtapp.domain.model import Assessment, Regimen
from mdtapp.fhir.export import export_fhir
from tests.fhir.conftest import entries, r4_problems, sign_everything
from tests.store.conftest import jane
from tests.test_all_measures import changed  # noqa: F401  (the fixture)


def test_a_21st_area_and_a_fourth_vas_reach_the_fhir_export(changed, signing_store, tmp_path):  # noqa: F811
    f = forms()
    assert f.version.startswith("test-16-") and signing_store.forms == f
    store = signing_store
    uid = store.add_patient(jane()).uid
    store.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    store.save(
        "assessments",
        uid,
        Assessment.from_values(
            {
                "date": date(2026, 8, 3),
                "examiner": "Dr B Derm",
                "mrss": dict.fromkeys(f.mrss.area_keys, 1),
                "fatigue_vas_mm": 30,
            }
        ),
    )
    sign_everything(store, uid)
    export_fhir(store, uid, tmp_path / "out.json")
    bundle = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert r4_problems(bundle) == []

    # the Questionnaire: the new VAS after the physician global, with its range and unit
    [questionnaire] = entries(bundle, "Questionnaire")
    assert questionnaire["version"] == f.version
    [vas] = [i for i in questionnaire["item"] if i["linkId"] == "section:vas"]
    assert [i["linkId"] for i in vas["item"]][-2:] == ["physician_global_vas_mm", "fatigue_vas_mm"]
    fatigue = vas["item"][-1]
    assert fatigue["text"] == "How tired have you felt over the last week?"
    assert [e["valueInteger"] for e in fatigue["extension"][:2]] == [0, 100]
    assert "0 mm: Not tired; 100 mm: Exhausted" in fatigue["item"][0]["text"]
    mrss = next(i for s in questionnaire["item"] for i in s["item"] if i["linkId"] == "mrss")
    assert mrss["item"][-1] == {
        "linkId": "mrss.scalp",
        "text": "Scalp",
        "type": "integer",
        "answerOption": [{"valueInteger": s} for s in (0, 1, 2, 3)],
    }

    # the response, the Observations and the CodeSystem
    [qr] = entries(bundle, "QuestionnaireResponse")
    text = json.dumps(qr)
    assert '"linkId": "fatigue_vas_mm"' in text and '"linkId": "mrss.scalp"' in text
    observations = {r["code"]["coding"][0]["code"]: r for r in entries(bundle, "Observation")}
    assert observations["fatigue_vas_mm"]["valueQuantity"]["value"] == 30
    total = observations["mrss"]
    assert total["valueQuantity"]["value"] == 21  # 21 areas scored 1
    assert total["component"][0]["valueInteger"] == 21  # areas assessed
    assert total["component"][-1]["code"]["coding"][0]["code"] == "mrss.scalp"
    codes = {
        c["code"]
        for cs in entries(bundle, "CodeSystem")
        if cs["url"].endswith("/assessment")
        for c in cs["concept"]
    }
    assert {"fatigue_vas_mm", "mrss.scalp"} <= codes
