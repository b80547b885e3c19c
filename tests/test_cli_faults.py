"""Every traceback a user saw (issue 14 items 5, 9, 10), each reproduced by the command that
showed it: now one clear line (a known problem: exit 1 or 2), or, for a bug, one line saying
where its report went (exit 70). Known SQLite problems are told by their result code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.cli import main
from mdtapp.store import access
from mdtapp.store.keyring import keyring_path

ROOT = Path(__file__).resolve().parents[1]
EXIT_BUG = 70  # mdtapp.cli.EXIT_BUG: a bug, with a crash report
PASSWORD = "test-passphrase-1"  # conftest's, for MDTAPP_USER=tester


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    assert main(["demo", "--db", str(folder / "m.db")]) == 0
    assert main(["demo", "--db", str(folder / "p.db"), "--plaintext"]) == 0
    return folder


@pytest.fixture
def db(template, tmp_path):
    for name in ("m.db", "m.db.keys", "p.db"):
        shutil.copy(template / name, tmp_path / name)
    return tmp_path / "m.db"


def test_reviews_piped_into_head_is_no_traceback(db):
    read, write = os.pipe()
    os.close(read)  # `| head`: the reader has gone before the lines are written
    child = subprocess.run(
        [sys.executable, "-m", "mdtapp", "reviews", "--db", str(db)],
        cwd=ROOT,
        stdout=write,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    os.close(write)
    assert b"Traceback" not in child.stderr and b"BrokenPipe" not in child.stderr, child.stderr
    assert child.returncode == 0


def test_only_a_closed_pipe_on_windows_counts_as_the_reader_gone(monkeypatch, tmp_path):
    import errno

    import mdtapp.cli as cli

    read, write = os.pipe()
    with open(write, "w") as pipe, open(tmp_path / "out.txt", "w") as file:
        monkeypatch.setattr(sys, "platform", "win32")
        monkeypatch.setattr(sys, "stdout", pipe)
        # Windows' word for writing to a pipe whose reader has gone
        assert cli._reader_gone(OSError(errno.EINVAL, "Invalid argument"))
        # a bad file name is EINVAL too, naming the file: a problem to report
        assert not cli._reader_gone(OSError(errno.EINVAL, "Invalid argument", "a?b.json"))
        assert not cli._reader_gone(OSError(errno.EACCES, "Permission denied"))
        monkeypatch.setattr(sys, "stdout", file)  # output to a file has no reader to lose
        assert not cli._reader_gone(OSError(errno.EINVAL, "Invalid argument"))
        monkeypatch.setattr(sys, "platform", "linux")  # POSIX says BrokenPipeError
        monkeypatch.setattr(sys, "stdout", pipe)
        assert not cli._reader_gone(OSError(errno.EINVAL, "Invalid argument"))
        assert cli._reader_gone(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    os.close(read)


def test_export_to_a_folder_is_one_line(db, capsys, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    code, _, err = run(capsys, "export", "--db", str(db), str(folder))
    line = _one_line(err)  # the same on Windows, where replacing a folder is "Access denied"
    assert (
        code == 1 and line == f"mdtapp: {folder}: is a folder; give the name of the file to write"
    )
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".exports*"))


def test_backup_to_a_folder_is_one_line(db, capsys, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    code, _, err = run(capsys, "backup", "--db", str(db), str(folder))
    assert code == 1 and "is a folder: give the backup a file name" in _one_line(err)
    assert list(folder.iterdir()) == []


def test_db_a_folder_check_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(tmp_path), "check")
    assert (
        code == 1
        and _one_line(err) == f"mdtapp: {tmp_path} is a folder, not an mdtapp database file"
    )


def test_backup_onto_the_live_file_is_refused(db, capsys):
    before = db.read_bytes()
    code, _, err = run(capsys, "backup", "--db", str(db), str(db))
    assert code == 1 and "is the database itself" in _one_line(err)
    assert db.read_bytes() == before


def test_import_of_deeply_nested_json_is_one_line(db, capsys, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "mdtapp/1", "patients": ' + "[" * 100000 + "]" * 100000 + "}")
    code, _, err = run(capsys, "import", "--db", str(db), str(deep))
    assert code == 2 and "nested far deeper than any mdtapp/1 file" in _one_line(err)


def test_import_of_a_lone_surrogate_in_a_name_names_the_field(db, capsys, tmp_path):
    exported = tmp_path / "all.json"
    assert run(capsys, "export", "--db", str(db), str(exported))[0] == 0
    document = json.loads(exported.read_text())
    patient = document["patients"][0]
    patient.update(given_names="Ann\ud800", nhs_number="9434765919", uid="a" * 32)
    for kind in ("decisions", "regimens", "infusions", "assessments", "admissions"):
        patient[kind] = []
    patient["eligibility"] = None
    document["patients"] = [patient]
    bad = tmp_path / "surrogate.json"
    bad.write_text(json.dumps(document))  # json writes it as the escape \ud800
    code, _, err = run(capsys, "import", "--db", str(db), str(bad))
    assert code == 2 and "Traceback" not in err
    # named by the field rule every save and import apply (issue 14.11)
    assert "given_names: must be Unicode text; it holds a lone surrogate U+D800" in err


def test_screenshot_size_100000x100000_is_refused_not_a_segfault(db, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["screenshot", "--view", "list", "--size", "100000x100000", "--out", "x.png"])
    assert exit_.value.code == 2
    assert "width must be 320-7680 and height 240-4320 pixels" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["audit", "export"])
def test_audit_and_export_on_a_damaged_file_are_one_line(
    db, capsys, tmp_path, command, monkeypatch
):
    from mdtapp.store import database

    plain = db.with_name("p.db")
    data = bytearray(plain.read_bytes())
    data[-3 * 4096 : -2 * 4096] = b"\xa5" * 4096  # a page overwritten, as a failing disk might
    plain.write_bytes(bytes(data))
    monkeypatch.setattr(database, "QUICK_CHECK_MAX_BYTES", 0)  # as for a large file: not checked
    out = tmp_path / ("a.csv" if command == "audit" else "a.json")
    args = ["--year", "2026", "--out", str(out)] if command == "audit" else [str(out)]
    code, _, err = run(capsys, command, "--db", str(plain), *args)
    line = _one_line(err)
    assert code == 1 and str(plain) in line and "damaged" in line and "mdtapp check" in line


def test_a_bug_is_one_line_and_a_report_without_the_message(capsys, monkeypatch, tmp_path):
    import mdtapp.cli as cli

    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path))

    def broken(args):
        raise TypeError("Quenby-Xylander 943 476 5919")  # a message holding patient data

    monkeypatch.setattr(cli, "cmd_reviews", broken)
    code, _, err = run(capsys, "reviews")
    line = _one_line(err)
    assert code == EXIT_BUG and "an unexpected problem (TypeError), a bug" in line
    report = Path(line.rsplit(" ", 1)[1])
    assert report.parent == tmp_path / "crash-reports"
    assert "Quenby" not in report.read_text() and "TypeError" in report.read_text()


def test_a_native_crash_leaves_a_report_of_stack_frames(tmp_path):
    folder = tmp_path / "crash-reports"
    crash = (
        "import ctypes, sys; from pathlib import Path; from mdtapp import crash; "
        "crash.enable_native_reports(Path(sys.argv[1])); "
        "secret = 'Quenby-Xylander'; ctypes.string_at(0)"  # a segfault, as Qt's might be
    )
    done = subprocess.run(
        [sys.executable, "-c", crash, str(folder)],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "PYTHONFAULTHANDLER": ""},
    )
    assert done.returncode != 0
    raw = list(folder.glob("native-*.txt"))
    # faulthandler names the fault as the system does
    fault = "access violation" if sys.platform == "win32" else "Segmentation fault"
    assert len(raw) == 1 and fault in raw[0].read_text()
    tidy = (
        "from pathlib import Path; import sys; from mdtapp import crash; "
        "crash._tidy(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", tidy, str(folder)], cwd=ROOT, check=True)
    (kept,) = folder.glob("crash-native-*.txt")
    text = kept.read_text()
    assert 'File "<string>"' in text and "Quenby" not in text
    assert str(ROOT) not in text  # paths cut to their last parts: no user or folder names


def test_a_run_without_a_crash_leaves_no_report(tmp_path):
    folder = tmp_path / "crash-reports"
    quiet = (
        "import sys; from pathlib import Path; from mdtapp import crash; "
        "crash.enable_native_reports(Path(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", quiet, str(folder)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONFAULTHANDLER": ""},
    )
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ item 5: the recovery key


def test_the_recovery_key_is_never_taken_from_the_command_line(db, capsys):
    created = access.create_database(
        db.with_name("r.db"), username="ann", display_name="Ann", password=PASSWORD
    )
    created.store.close()
    code, _, err = run(
        capsys,
        "recover",
        "--db",
        str(created.store.path),
        "--username",
        "ann",
        "--recovery-key",
        created.recovery_code,
    )
    assert code == 2 and "never given on the command line" in err
    assert created.recovery_code not in err


def test_recover_reads_the_key_from_standard_input(db, tmp_path):
    created = access.create_database(
        tmp_path / "r.db", username="ann", display_name="Ann", password=PASSWORD
    )
    created.store.close()
    keyring_path(created.store.path).unlink()  # the keyring is lost
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "mdtapp",
            "recover",
            "--db",
            str(created.store.path),
            "--username",
            "ann",
        ],
        input=created.recovery_code + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MDTAPP_NEW_PASSWORD": "a-brand-new-passphrase"},
    )
    assert child.returncode == 0, child.stderr
    access.sign_in(created.store.path, "ann", "a-brand-new-passphrase").close()
