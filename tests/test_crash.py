from __future__ import annotations

import sys

from mdtapp import crash


def _fail_with_patient_data():
    nhs, name = "9434765919", "Quenby-Xylander"
    raise ValueError(f"{name} NHS {nhs} itch 140")


def test_a_crash_report_has_no_patient_data(tmp_path):
    try:
        _fail_with_patient_data()
    except ValueError:
        exc_type, _, tb = sys.exc_info()
    path = crash.write_report(exc_type, tb, tmp_path)
    text = path.read_text()
    assert "builtins.ValueError" in text and "_fail_with_patient_data" in text
    assert "9434765919" not in text and "Quenby" not in text and "140" not in text


def test_the_hook_tells_the_user_and_writes_the_report(tmp_path, monkeypatch):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path))
    told = []
    old = sys.excepthook
    try:
        crash.install(told.append)
        try:
            _fail_with_patient_data()
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    assert len(told) == 1 and "kept as a draft" in told[0] and "Quenby" not in told[0]
    assert list((tmp_path / "crash-reports").glob("crash-*.txt"))
