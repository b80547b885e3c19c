"""The codec, the JSON Schema, its documentation and drafts, all from the measure descriptions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from mdtapp.domain.forms import forms
from mdtapp.store import codec
from mdtapp.store.interchange import dumps, export_file, import_file
from mdtapp.store.json_schema import generated_docs, schema_text
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import fixed_clock

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "mdtapp" / "store" / "mdtapp-1.schema.json"
FORMAT_DOC = ROOT / "docs" / "format.md"
BEFORE = ROOT / "tests" / "fixtures" / "mdtapp-1-before-measures.json"
REGENERATE = "regenerate: .venv/bin/python -m mdtapp.store.json_schema --write"


def test_the_shipped_schema_is_the_one_generated_from_the_forms():
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(forms()), REGENERATE


def test_the_format_doc_tables_are_the_ones_generated_from_the_forms():
    text = FORMAT_DOC.read_text(encoding="utf-8")
    assert text == generated_docs(text, forms()), REGENERATE


def _without_lineage(node):
    if isinstance(node, dict):
        return {k: _without_lineage(v) for k, v in node.items() if k != "lineage"}
    if isinstance(node, list):
        return [_without_lineage(v) for v in node]
    return node


def test_a_file_written_before_measures_were_data_imports_and_exports_the_same_bytes(tmp_path):
    # written by the code of main before issue 16 (every measure type, not recorded values,
    # a partial mRSS, a photo, unicode): import, export, and only forms_version may differ,
    # beside the lineage every record now carries (issue 14.2). Its photo was made a real PNG
    # when imports began decoding photos (issue 14.11): only its bytes and sha256 changed.
    store = Store.open(tmp_path / "m.db", user="tester", clock=fixed_clock)
    import_file(store, BEFORE)
    export_file(store, tmp_path / "again.json")
    store.close()
    before = BEFORE.read_text(encoding="utf-8").replace(
        '"forms_version": "2271-2026.1"', f'"forms_version": "{forms().version}"'
    )
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert all("lineage" in p for p in again["patients"])
    assert dumps(_without_lineage(again)).decode("utf-8") == before


def test_an_assessment_encodes_in_the_order_of_the_descriptions():
    data = codec.encode("assessments", assessment(date(2026, 5, 5)), forms())
    assert list(data) == [
        "date",
        "examiner",
        "mrss",
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
        "papules",
        "systemic",
        "systemic_other",
        "dermatoneuro_syndrome",
        "hrqol_worse",
        "nutrition",
        "notes",
        "photos",
    ]
    assert list(data["nutrition"]) == [
        "weight_kg",
        "weight_3_6_months_ago_kg",
        "acutely_ill_no_intake_5_days",
        "dysphagia",
    ]
    assert codec.decode("assessments", data) == assessment(date(2026, 5, 5))


def test_a_draft_is_the_codecs_encoding_plus_what_it_cannot_hold():
    f = forms()
    typed = assessment(date(2026, 5, 5), itch=42)
    data = codec.encode_draft(
        typed, f, not_scored=["neck"], as_typed={"nutrition.weight_kg": "68,"}
    )
    assert data["format"] == "mdtapp-draft/1"
    assert data["assessment"] == codec.encode("assessments", typed, f)
    assert json.loads(json.dumps(data)) == data
    back = codec.decode_draft(data, f)
    assert back.assessment == typed
    assert (back.not_scored, back.as_typed) == (("neck",), {"nutrition.weight_kg": "68,"})


def test_a_draft_kept_before_drafts_used_the_codec_is_still_given_back():
    # the editor's own encoding of earlier versions (no "format"): nothing typed is lost
    old = {
        "date": "20/11/2026",
        "examiner": "Dr B Derm",
        "mrss": {"right_fingers": 3, "left_fingers": "na", "right_hands": None},
        "vas": {"itch_vas_mm": 55, "patient_global_vas_mm": None},
        "papules": 12,
        "papule_site": "left forearm",
        "systemic": {"renal": [True, None]},
        "systemic_other": "",
        "dermatoneuro": False,
        "hrqol": None,
        "weight": "68.5",
        "weight_before": "seventy",
        "acute": None,
        "dysphagia": True,
        "notes": "seen",
        "photos": [],
    }
    draft = codec.decode_draft(old, forms())
    a = draft.assessment
    assert a is not None
    assert (a.examiner, a.itch_vas_mm, a.papules.count, a.papules.site) == (
        "Dr B Derm",
        55,
        12,
        "left forearm",
    )
    assert a.mrss["right_fingers"] == 3 and a.mrss["left_fingers"] is None
    assert draft.not_scored == ("right_hands",)  # blank, not "not assessed"
    assert a.systemic["renal"].involved is True and a.dermatoneuro_syndrome is False
    assert (a.nutrition.weight_kg, a.nutrition.dysphagia, a.notes) == (68.5, True, "seen")
    assert draft.as_typed == {"date": "20/11/2026", "nutrition.weight_3_6_months_ago_kg": "seventy"}
