"""`mdtapp fhir`: the demo patients export and validate; bad input is one line, exit 2, and
nothing is written."""

from __future__ import annotations

import errno
import json
import os
import shutil

import pytest

from mdtapp.cli import main
from mdtapp.store import access
from tests.fhir.conftest import entries, r4_problems

USER, PASSWORD = "tester", "test-passphrase-1"  # tests/conftest.py signs commands in as tester


def _sign_all(db) -> list[str]:
    """Sign every assessment and decision of every patient, as the tester (a clinician)."""
    store = access.sign_in(db, USER, PASSWORD)
    try:
        numbers = []
        for uid in store.patient_uids():
            file = store.load(uid)
            numbers.append(file.patient.value.nhs_number)
            for kind in ("assessments", "decisions"):
                for saved in getattr(file, kind):
                    store.sign(kind, saved.uid, saved.version, PASSWORD)
        return numbers
    finally:
        store.close()


def _sign_one(db) -> str:
    """Sign the first patient's first assessment; their NHS number."""
    store = access.sign_in(db, USER, PASSWORD)
    try:
        file = store.load(store.patient_uids()[0])
        first = file.assessments[0]
        store.sign("assessments", first.uid, first.version, PASSWORD)
        return str(file.patient.value.nhs_number)
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """The demo patients in an encrypted database (with its keyring), made once: each test
    works on its own copy."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["demo", "--db", str(folder / "demo.db")]) == 0
    return folder


@pytest.fixture
def demo_db(demo_files, tmp_path):
    copy = tmp_path / "db"
    shutil.copytree(demo_files, copy)
    return copy / "demo.db"


def _fhir(db, *args: str) -> int:
    return main(["fhir", "--db", str(db), *args])


def test_the_demo_patients_export_and_validate(demo_db, tmp_path, capsys):
    numbers = _sign_all(demo_db)
    assert len(numbers) == 5
    for nhs in numbers:
        out = tmp_path / f"{nhs}.json"
        assert _fhir(demo_db, "--nhs-number", nhs, "--out", str(out)) == 0
        printed = capsys.readouterr().out
        assert printed.startswith("Wrote ") and f"to {out}" in printed
        bundle = json.loads(out.read_text(encoding="utf-8"))
        assert r4_problems(bundle) == [], nhs
        [patient] = entries(bundle, "Patient")
        assert patient["identifier"][0] == {
            "system": "https://fhir.nhs.uk/Id/nhs-number",
            "value": nhs,
        }


def test_unsigned_records_are_listed_on_the_console(demo_db, tmp_path, capsys):
    store = access.sign_in(demo_db, USER, PASSWORD)
    file = store.load(store.patient_uids()[0])
    nhs = file.patient.value.nhs_number
    first = file.assessments[0]
    store.sign("assessments", first.uid, first.version, PASSWORD)
    unsigned = len(file.assessments) - 1 + len(file.decisions)
    store.close()
    out = tmp_path / "one.json"
    assert _fhir(demo_db, "--nhs-number", nhs, "--out", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    left = [x for x in lines if x.startswith("Left out: ")]
    assert len(left) == unsigned and all("not signed, left out" in x for x in left)
    assert ": 1 assessment, 0 MDT decisions, 1 dose regimen, " in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nhs-number", "9434765919"], "No patient with NHS number 943 476 5919"),
        (["--nhs-number", "1234567890"], "--nhs-number: "),
        (["--since", "3-Aug-2026"], "--since: expected a date as YYYY-MM-DD, got '3-Aug-2026'"),
        (["--since", "2999-01-01"], "--since: must not be in the future; got 2999-01-01"),
        ([], "no signed assessment or decision"),
    ],
    ids=["unknown patient", "bad NHS number", "since format", "since future", "nothing signed"],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(demo_db, tmp_path, capsys, args, message):
    store = access.sign_in(demo_db, USER, PASSWORD)
    nhs = store.load(store.patient_uids()[0]).patient.value.nhs_number
    audited = len(store.audit_entries())
    store.close()
    out = tmp_path / "out.json"
    given = args if "--nhs-number" in args else ["--nhs-number", nhs, *args]
    assert _fhir(demo_db, *given, "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mdtapp: ") and message in err[0], err
    assert not out.exists()
    store = access.sign_in(demo_db, USER, PASSWORD)
    assert len([e for e in store.audit_entries() if e.action == "fhir-export"]) == 0
    assert len(store.audit_entries()) >= audited
    store.close()


@pytest.mark.parametrize("where", ["a folder", "inside a file", "a missing folder"])
def test_an_output_path_that_cannot_take_the_file_is_refused(demo_db, tmp_path, capsys, where):
    nhs = _sign_one(demo_db)
    (tmp_path / "notes.txt").write_text("mine")
    out = {
        "a folder": tmp_path,
        "inside a file": tmp_path / "notes.txt" / "out.json",
        "a missing folder": tmp_path / "missing" / "out.json",
    }[where]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert _fhir(demo_db, "--nhs-number", nhs, "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"mdtapp: {out}: "), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_failed_write_is_exit_1_and_leaves_nothing(demo_db, tmp_path, capsys, monkeypatch):
    nhs = _sign_one(demo_db)
    real = os.fdopen

    def full(fd, *a, **kw):  # the disk fills as the file is written
        f = real(fd, *a, **kw)

        def write(data):
            raise OSError(errno.ENOSPC, "No space left on device")

        f.write = write
        return f

    monkeypatch.setattr("mdtapp.store.interchange.os.fdopen", full)
    out = tmp_path / "out.json"
    assert _fhir(demo_db, "--nhs-number", nhs, "--out", str(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"mdtapp: {out}: cannot be written (No space left on device)"]
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if "out" in p.name] == []
    monkeypatch.undo()
    store = access.sign_in(demo_db, USER, PASSWORD)
    assert not [e for e in store.audit_entries() if e.action == "fhir-export"]
    store.close()
