"""The centre's settings (issue 14 item 6): in the database, changed only by an administrator,
audited, every value checked against its range; a damaged one is asked for again by the letter,
never printed and never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mdtapp.cli import main
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.model import Admission
from mdtapp.reports.service import produce_letter
from mdtapp.store import access
from mdtapp.store.backup import backups_of
from mdtapp.store.errors import PermissionDenied
from tests.store.conftest import jane

ADMIN = "test-passphrase-1"  # conftest's MDTAPP_PASSWORD for MDTAPP_USER=tester


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def home(tmp_path, monkeypatch):
    """This computer's data folder, empty (no settings.toml)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("MDTAPP_HOME", str(folder))
    return folder


@pytest.fixture
def db(tmp_path, capsys, home):
    path = tmp_path / "m.db"
    assert run(capsys, "demo", "--db", str(path))[0] == 0
    return path


def test_settings_are_refused_without_a_password(db, capsys, monkeypatch):
    monkeypatch.delenv("MDTAPP_PASSWORD")
    code, _, err = run(capsys, "settings", "--db", str(db), "--centre", "Mallory's Clinic")
    assert code == 2 and "no password" in err
    monkeypatch.setenv("MDTAPP_PASSWORD", ADMIN)
    code, out, _ = run(capsys, "settings", "--db", str(db))
    assert "Mallory" not in out


def test_settings_are_changed_only_by_an_administrator(db, capsys, monkeypatch):
    monkeypatch.setenv("MDTAPP_NEW_PASSWORD", "vera-passphrase")
    run(capsys, "user", "add", "--db", str(db), "--username", "vera", "--role", "clinician")
    monkeypatch.setenv("MDTAPP_USER", "vera")
    monkeypatch.setenv("MDTAPP_PASSWORD", "vera-passphrase")
    code, _, err = run(capsys, "settings", "--db", str(db), "--idle-lock-minutes", "240")
    assert code == 1 and "needs the admin role" in err and "nothing was saved" in err
    code, out, _ = run(capsys, "settings", "--db", str(db))  # anyone signed in may look
    assert code == 0 and "Idle lock: 10 minutes" in out


def test_idle_lock_minutes_0_is_refused_with_the_range_and_letters_still_work(db, capsys, tmp_path):
    code, _, err = run(capsys, "settings", "--db", str(db), "--idle-lock-minutes", "0")
    assert code == 2
    assert "--idle-lock-minutes: must be a whole number 1-240; got 0" in err
    assert "nothing was saved" in err
    ready = ("--centre", "St Elsewhere", "--author-name", "Dr Q", "--author-role", "Consultant")
    assert run(capsys, "settings", "--db", str(db), *ready)[0] == 0
    out = tmp_path / "l.pdf"
    code, _, err = run(
        capsys, "letter", "--db", str(db), "--nhs-number", "9990001006", "--out", str(out)
    )
    assert code == 0 and out.exists()


def test_a_carriage_return_or_form_feed_in_a_letterhead_is_refused(db, capsys):
    for bad in ("St Elsewhere\r", "St\x0cElsewhere", "St\u202eElsewhere"):
        code, _, err = run(capsys, "settings", "--db", str(db), "--centre", bad)
        assert code == 2 and "--centre: must not hold control characters" in err
    code, out, _ = run(
        capsys, "settings", "--db", str(db), "--address", "1 Road\\nTown", "--centre", "St E"
    )
    assert code == 0 and "St E / " in out and "1 Road, Town" in out
    code, out, _ = run(capsys, "settings", "--db", str(db))  # and it reads back, every time
    assert code == 0 and "1 Road, Town" in out


def test_every_value_is_checked_and_nothing_is_written_if_one_is_wrong(db):
    from mdtapp.settings import save_centre_settings

    store = access.sign_in(db, "tester", ADMIN)
    with pytest.raises(ValidationError) as refused:
        save_centre_settings(
            store,
            {
                "letterhead.centre": "St Elsewhere",
                "daily_backups_kept": 0,
                "letterhead.telephone": "0" * 41,
            },
        )
    messages = {str(e) for e in refused.value.errors}
    assert "Daily backups kept: must be a whole number 1-365; got 0" in messages
    assert "Telephone: must be text of at most 40 characters, on one line; got 41" in messages
    assert store.centre_values() == {}  # not even the centre's name
    store.close()


def test_changes_are_kept_in_the_database_and_audited(db, tmp_path, monkeypatch):
    from mdtapp.settings import centre_settings, save_centre_settings

    store = access.sign_in(db, "tester", ADMIN)
    save_centre_settings(store, {"letterhead.centre": "St Elsewhere", "idle_lock_minutes": 30})
    entries = [e for e in store.audit_entries(limit=2) if e.action == "settings"]
    assert {e.entity_uid for e in entries} == {"letterhead.centre", "idle_lock_minutes"}
    assert any(e.detail == "idle_lock_minutes: (default) -> 30" for e in entries)
    store.close()
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "another-computer"))
    again = access.sign_in(db, "tester", ADMIN)  # another computer, the same letterhead
    assert centre_settings(again).letterhead.centre == "St Elsewhere"
    assert centre_settings(again).idle_lock_minutes == 30
    again.close()


def test_a_damaged_setting_is_asked_for_again_never_printed_or_a_crash(db):
    """A damaged letterhead reads as unset: the letter asks for it (domain.md 7), naming it."""
    from mdtapp.reports.service import LetterNotReady
    from mdtapp.settings import centre_settings, save_centre_settings

    store = access.sign_in(db, "tester", ADMIN)
    save_centre_settings(store, {"letterhead.centre": "St Elsewhere"})
    with store.transaction():  # as a damaged or hand-edited file might hold
        store.db.execute("UPDATE centre_settings SET value = '0' WHERE key = 'letterhead.centre'")
        store.db.execute("INSERT INTO centre_settings VALUES ('idle_lock_minutes', '0', 'x', 'x')")
    settings = centre_settings(store)
    assert settings.idle_lock_minutes == 10 and not settings.letterhead.configured
    assert any("Lock the window after in the database must be" in p for p in settings.problems)
    uid = store.patient_uids()[0]
    with pytest.raises(LetterNotReady, match="letterhead is not set"):
        produce_letter(store, uid)
    from mdtapp.settings import Author, Letterhead

    typed = Letterhead(centre="Typed in the dialog")
    letter = produce_letter(store, uid, letterhead=typed, author=Author("Dr Q", "Consultant"))
    assert letter.pdf.startswith(b"%PDF")
    store.close()


def test_a_damaged_old_settings_file_gives_the_defaults_and_says_so(home):
    from mdtapp.settings import load_settings, settings_path

    settings_path().write_text('idle_lock_minutes = 0\n[letterhead]\ncentre = "A\nB"\n')
    settings = load_settings()
    assert settings.idle_lock_minutes == 10
    assert settings.problems and "cannot be read" in settings.problems[0]


def test_daily_backups_kept_follows_its_setting(tmp_path, home):
    from mdtapp.settings import save_centre_settings

    clock = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC)]
    path = tmp_path / "d.db"
    created = access.create_database(
        path, username="ann", display_name="Ann", password=ADMIN, clock=lambda: clock[0]
    )
    store = created.store
    save_centre_settings(store, {"daily_backups_kept": 2})
    assert store.daily_backups_kept == 2
    uid = store.add_patient(jane()).uid
    for _ in range(4):
        clock[0] += timedelta(days=1)
        store.save("admissions", uid, Admission(clock[0].date() - timedelta(days=3), None, False))
    assert len([p for p in backups_of(path) if "-daily-" in p.name]) == 2
    store.close()


def test_an_old_settings_file_moves_into_the_database_at_an_administrators_sign_in(tmp_path, home):
    from mdtapp.settings import settings_path

    path = tmp_path / "m.db"
    access.create_database(path, username="ann", display_name="Ann", password=ADMIN).store.close()
    settings_path().write_text(
        'idle_lock_minutes = 20\n[letterhead]\ncentre = "St Elsewhere"\n'
        '[author]\nname = "Dr B Derm"\n'
    )
    store = access.sign_in(path, "ann", ADMIN)
    assert store.centre_values() == {
        "idle_lock_minutes": 20,
        "letterhead.centre": "St Elsewhere",
        "author.name": "Dr B Derm",
    }
    assert not settings_path().exists()
    assert settings_path().with_name("settings.toml.imported").exists()
    assert {e.entity_uid for e in store.audit_entries(limit=3)} == {
        "idle_lock_minutes",
        "letterhead.centre",
        "author.name",
    }
    store.close()


def test_a_non_administrator_signing_in_imports_nothing_but_letters_keep_the_old_letterhead(
    tmp_path, home
):
    from mdtapp.settings import centre_settings, save_centre_settings, settings_path

    path = tmp_path / "m.db"
    created = access.create_database(path, username="ann", display_name="Ann", password=ADMIN)
    created.store.add_account("cal", "Cal", ["clinician"], "cals-passphrase")
    created.store.close()
    settings_path().write_text('[letterhead]\ncentre = "St Elsewhere"\n')
    store = access.sign_in(path, "cal", "cals-passphrase")
    assert store.centre_values() == {}
    settings = centre_settings(store)
    assert settings.letterhead.centre == "St Elsewhere"
    assert "an administrator's next sign-in moves them" in settings.problems[0]
    with pytest.raises(PermissionDenied):
        save_centre_settings(store, {"idle_lock_minutes": 11})
    store.close()


def test_settings_import_file_from_the_command_line(db, capsys, tmp_path):
    old = tmp_path / "old-settings.toml"
    old.write_text('daily_backups_kept = 30\n[letterhead]\ntelephone = "0123 456"\n')
    code, out, _ = run(capsys, "settings", "--db", str(db), "--import-file", str(old))
    assert code == 0 and "Imported 2 setting(s)" in out and "Daily backups kept: 30" in out


def test_the_letter_uses_the_databases_letterhead(db, capsys, tmp_path):
    run(
        capsys,
        "settings",
        "--db",
        str(db),
        "--centre",
        "St Elsewhere",
        "--author-name",
        "Dr Q",
        "--author-role",
        "Consultant",
    )
    store = access.sign_in(db, "tester", ADMIN)
    uid = store.patient_uids()[0]
    from tests.reports.conftest import pages_text

    text = " ".join(pages_text(produce_letter(store, uid).pdf))
    assert "St Elsewhere" in text and "Dr Q" in text
    store.close()


def test_the_settings_are_json_in_the_database(db):
    from mdtapp.settings import save_centre_settings

    store = access.sign_in(db, "tester", ADMIN)
    save_centre_settings(store, {"letterhead.address": "1 Road\nTown"})
    raw = store.db.execute("SELECT value FROM centre_settings").fetchone()[0]
    assert json.loads(raw) == "1 Road\nTown"
    store.close()
