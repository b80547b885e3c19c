"""File > Export FHIR… in the app: the open patient's signed records, saved where the user
chose, said so, and audited; offered only to administrators."""

from __future__ import annotations

import json
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from mdtapp.domain.model import Decision
from tests.factories import assessment
from tests.fhir.conftest import entries, r4_problems, sign_everything
from tests.store.conftest import jane


def _window(qtbot, store):
    from mdtapp.ui.app import application
    from mdtapp.ui.main_window import MainWindow
    from mdtapp.ui.session import Session

    application()
    window = MainWindow(Session(store))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_file_export_fhir_writes_the_open_patients_signed_records(
    qtbot, signing_store, tmp_path, monkeypatch
):
    from mdtapp.ui import main_window

    store = signing_store
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 8, 3)))
    store.save("decisions", uid, Decision(date(2026, 8, 3), "start", "agreed"))
    sign_everything(store, uid)
    store.save("assessments", uid, assessment(date(2026, 9, 1)))  # not signed
    window = _window(qtbot, store)
    file_menu = window.menuBar().findChild(QMenu, "fileMenu")
    assert window.fhir_action in file_menu.actions()
    assert not window.fhir_action.isEnabled()  # no patient open yet
    window.open_patient(uid, "assessment")
    assert window.fhir_action.isEnabled()

    out = tmp_path / "jane.json"
    asked, told = [], []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName",
        lambda parent, title, name, filters: asked.append(name) or (str(out), filters),
    )
    monkeypatch.setattr(
        main_window.QMessageBox, "information", lambda parent, title, text: told.append(text)
    )
    # File, then a click on Export FHIR…
    file_menu.popup(window.mapToGlobal(window.rect().topLeft()))
    qtbot.waitExposed(file_menu)
    where = file_menu.actionGeometry(window.fhir_action).center()
    qtbot.mouseClick(file_menu, Qt.MouseButton.LeftButton, pos=where)
    assert asked == [f"fhir-Smith-{store.today().isoformat()}.json"]
    [message] = told
    assert message.startswith(
        f"Exported 1 assessment, 1 MDT decision, 0 dose regimens, 0 infusions to {out}"
    )
    assert "Not signed:\n• assessment of 01-Sep-2026 (version 1): not signed, left out" in message
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert r4_problems(bundle) == []
    assert [r["authored"] for r in entries(bundle, "QuestionnaireResponse")] == ["2026-08-03"]
    assert store.audit_entries(limit=1)[0].action == "fhir-export"


def test_a_refused_export_is_a_message_and_nothing_is_written(
    qtbot, signing_store, tmp_path, monkeypatch
):
    from mdtapp.ui import main_window

    store = signing_store
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 8, 3)))  # nothing signed
    window = _window(qtbot, store)
    window.open_patient(uid, "assessment")
    warned = []
    monkeypatch.setattr(
        main_window.QMessageBox, "warning", lambda parent, title, text: warned.append(text)
    )
    window.export_fhir_to(tmp_path / "out.json")
    assert len(warned) == 1 and warned[0].startswith(
        "Nothing was exported: NHS number 943 476 5919"
    )
    assert not (tmp_path / "out.json").exists()
    assert not [e for e in store.audit_entries() if e.action == "fhir-export"]


def test_only_administrators_are_offered_the_export(qtbot, signing_store):
    from mdtapp.store.security import Principal

    store = signing_store
    uid = store.add_patient(jane()).uid
    store.principal = Principal("cli", "Dr Cli", frozenset({"clinician"}))
    window = _window(qtbot, store)
    window.open_patient(uid, "assessment")
    assert window.letter_action.isEnabled() and not window.fhir_action.isEnabled()
