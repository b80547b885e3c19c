"""Every measure through every output, from a changed copy of forms/ and no code change (issue 16).

In the spirit of CamCOPS's test_all_tasks: copy forms/, add a 21st mRSS area and a fourth VAS
that feeds "worsening disease activity", point MDTAPP_FORMS_DIR at the copy, and push one patient
through the editor (typed, offscreen), the letter, the printed form, export and import, the
generated schema and its documentation, and `mdtapp summary`, asserting each shows the change.
(The dose's rounding unit is helper D's: the letter's dose section does not read it yet on this
branch, so it is not changed here.)
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from mdtapp.domain.forms import forms, load_forms
from mdtapp.domain.model import Infusion, Regimen
from mdtapp.paths import forms_dir
from tests.reports.conftest import SETTINGS, pages_text
from tests.store.conftest import jane

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
FATIGUE = """
[[measure]]
key = "fatigue_vas_mm"
type = "vas_mm"
label = "Fatigue VAS"
short_label = "fatigue"
question = "How tired have you felt over the last week?"
source = "A test of issue 16"
anchor_low = "Not tired"
anchor_high = "Exhausted"
section = "vas"
outputs = ["editor", "form", "letter", "summary", "trend"]
"""
FATIGUE_FEEDS = """
[[feeds]]
measure = "fatigue_vas_mm"
criterion = "worsening_disease_activity"
versus = "previous"
change = "up"
by = "vas_mm"
"""
SCALP = """[[row]]
label = "Scalp"
single = "scalp"
added = true
"""


def clock() -> datetime:
    return NOW


@pytest.fixture
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of forms/ with a 21st area and a fourth VAS, in use through MDTAPP_FORMS_DIR."""
    copy = tmp_path / "forms"
    shutil.copytree(forms_dir(), copy)
    mrss = copy / "mrss.toml"
    mrss.write_text(mrss.read_text() + SCALP)
    assessment = copy / "assessment.toml"
    text = assessment.read_text()
    after = text.index('[[measure]]\nkey = "papules"')  # after the physician global VAS
    assessment.write_text(text[:after] + FATIGUE.lstrip() + "\n" + text[after:])
    response = copy / "response.toml"
    response.write_text(response.read_text() + FATIGUE_FEEDS)
    index = copy / "index.toml"
    index.write_text(index.read_text().replace('version = "', 'version = "test-16-'))
    monkeypatch.setenv("MDTAPP_FORMS_DIR", str(copy))
    return copy


def _scores(f, value: int) -> dict[str, int | None]:
    return dict.fromkeys(f.mrss.area_keys, value)


def test_a_21st_area_and_a_fourth_vas_reach_every_output(changed, tmp_path, qtbot, capsys):
    from mdtapp.cli import main
    from mdtapp.domain.model import Assessment
    from mdtapp.reports.service import produce_form, produce_letter
    from mdtapp.store.interchange import export_file, import_file
    from mdtapp.store.json_schema import assessment_table, interchange_schema
    from mdtapp.store.repository import Store
    from mdtapp.ui.app import application
    from mdtapp.ui.main_window import MainWindow
    from mdtapp.ui.session import Session

    f = forms()
    assert f.version.startswith("test-16-") and f == load_forms(changed)
    assert len(f.mrss.areas) == 21 and f.mrss.title == "Modified Rodnan skin score (21 areas)"
    db = tmp_path / "all.db"
    store = Store.open(db, user="tester", clock=clock)
    assert store.forms.version == f.version
    p = store.add_patient(jane())
    store.save("regimens", p.uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    baseline = Assessment.from_values(
        {
            "date": date(2026, 8, 3),
            "examiner": "Dr B Derm",
            "mrss": _scores(f, 1),
            "itch_vas_mm": 40,
            "patient_global_vas_mm": 40,
            "physician_global_vas_mm": 40,
            "fatigue_vas_mm": 30,
        }
    )
    store.save("assessments", p.uid, baseline)
    store.save("infusions", p.uid, Infusion(date(2026, 8, 5), 25.0, "Privigen", "B1", "iv"))

    # ---- the editor, typed as a clinician would
    application()
    window = MainWindow(Session(store))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_patient(p.uid, "assessment")
    editor = window.workspace.assessment
    assert "scalp" in editor.grid.cells and editor.grid_input.body.body.listed == ("scalp",)
    assert list(editor.vas) == [
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
        "fatigue_vas_mm",
    ]
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "1" * 21)  # 21 areas, 21 keystrokes
    assert editor.mrss_total.text() == "mRSS 21 / 63"
    for key, mm in (
        ("itch_vas_mm", "40"),
        ("patient_global_vas_mm", "40"),
        ("physician_global_vas_mm", "40"),
        ("fatigue_vas_mm", "60"),  # 30 -> 60: +30 mm, over the 20 mm threshold
    ):
        spin = editor.vas[key].mm
        spin.setFocus()
        qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(spin, mm)
    flag = editor.flags.rows["worsening_disease_activity"]
    assert flag.property("raised") is True
    assert "Fatigue VAS 30 → 60 mm (+30 mm) vs previous 03-Aug-2026" in flag.text()
    with qtbot.waitSignal(editor.assessment_saved):
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = store.load(p.uid).assessments[-1].value
    assert saved.value("fatigue_vas_mm") == 60 and saved.other_measures == {"fatigue_vas_mm": 60}
    assert saved.mrss["scalp"] == 1 and len(saved.mrss) == 21
    assert store.summaries()[0].flags == ("worsening_disease_activity",)  # the patient list
    window.close()

    # ---- the letter
    letter = " ".join(pages_text(produce_letter(store, p.uid, settings=SETTINGS).pdf))
    assert "Modified Rodnan skin score (21 areas)" in letter
    assert "Scalp * 1 1" in letter and "Total 21 / 63 21 / 63" in letter
    assert "Fatigue VAS 6.0 cm (60 mm) 3.0 cm (30 mm) 3.0 cm (30 mm) +30 mm +30 mm" in letter
    assert "Fatigue VAS 30 → 60 mm (+30 mm) vs previous 03-Aug-2026" in letter

    # ---- the printed form, filled
    form = produce_form(store, p.uid, filled=True).pdf
    pages = pages_text(form)
    assert "Scalp *" in pages[0] and "Total (0-63) 21 / 63" in pages[0]
    assert "added for scleromyxedema (back, ears, neck, scalp)" in pages[0]
    later = " ".join(pages[1:])
    assert "Fatigue VAS How tired have you felt over the last week?" in later
    assert "Not tired" in later and "60 mm" in later
    marks = []
    PdfReader(io.BytesIO(form)).pages[0].extract_text(
        visitor_text=lambda t, *_: marks.append(t) if t.strip() == "X" else None
    )
    assert len(marks) == 21  # one tick per area

    # ---- export, import, export: the fourth VAS and the 21st area in the file, byte-identical
    export_file(store, tmp_path / "one.json")
    store.close()
    document = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    latest = document["patients"][0]["assessments"][-1]
    keys = list(latest)
    assert keys[keys.index("physician_global_vas_mm") + 1] == "fatigue_vas_mm"
    assert latest["fatigue_vas_mm"] == 60 and latest["mrss"]["scalp"] == 1
    other = Store.open(tmp_path / "two.db", user="tester", clock=clock)
    import_file(other, tmp_path / "one.json")
    export_file(other, tmp_path / "two.json")
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    latest["fatigue_vas_mm"] = 140
    (tmp_path / "bad.json").write_text(json.dumps(document))
    from mdtapp.store.interchange import ImportRejected

    with pytest.raises(ImportRejected) as refused:
        import_file(other, tmp_path / "bad.json", merge=True)
    assert any(
        "assessments[1].fatigue_vas_mm: must be 0-100; got 140" in x for x in refused.value.problems
    )
    other.close()

    # ---- the generated schema and its documentation
    schema = interchange_schema(f)["$defs"]["assessment"]["properties"]
    assert schema["fatigue_vas_mm"] == {"type": ["integer", "null"], "minimum": 0, "maximum": 100}
    assert "scalp" in schema["mrss"]["required"]
    assert "| `fatigue_vas_mm` | vas_mm |" in assessment_table(f)

    # ---- mdtapp summary, text and --json
    assert main(["summary", "--db", str(db), "--nhs-number", "9434765919", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["forms_version"] == f.version
    assert summary["latest_assessment"]["fatigue_vas_mm"] == 60
    assert summary["latest_assessment"]["mrss_areas_assessed"] == 21
    [activity] = summary["flags"]
    fatigue = [n for n in activity["numbers"] if n["measure"] == "fatigue_vas_mm"]
    assert fatigue == [
        {
            "measure": "fatigue_vas_mm",
            "text": "Fatigue VAS 30 → 60 mm (+30 mm) vs previous 03-Aug-2026; worsening is a "
            "change of +20 mm",
            "before": 30,
            "after": 60,
            "change": 30,
            "threshold": 20,
            "versus": "previous",
            "versus_date": "2026-08-03",
            "note": None,
        }
    ]
    assert main(["summary", "--db", str(db), "--nhs-number", "9434765919"]) == 0
    assert "mRSS 21 / 63;" in (out := capsys.readouterr().out) and "fatigue 6.0 cm" in out
