"""Backups and restores when things go wrong (issue 14 item 9): a full disk, two processes at
the day's first write, an encrypted backup over a plaintext database, a restore onto itself, the
restore's audit entry."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.cli import main
from mdtapp.store import access
from mdtapp.store.backup import backup_to, backups_dir, verify_database
from mdtapp.store.errors import StoreError
from mdtapp.store.keyring import copy_keyring
from tests.store.conftest import jane, table_counts

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "alice-long-passphrase"


@pytest.fixture
def live(tmp_path):
    """An encrypted database (alice, admin; one patient) and a backup of it with its keyring,
    made before a second patient was added."""
    created = access.create_database(
        tmp_path / "m.db", username="alice", display_name="Alice", password=PASSWORD
    )
    store = created.store
    store.add_patient(jane())
    backup = backup_to(store.db.conn, tmp_path / "b" / "copy.db", key=store.key)
    copy_keyring(store.path, backup)
    store.add_patient(jane(nhs_number="4010232137", family_name="Later"))
    store.close()
    return store.path, backup


@pytest.fixture
def full_disk(monkeypatch):
    """From now on, every new database file written by a backup holds two pages at most."""
    from mdtapp.store import backup

    real = backup.connect

    def full(target, key=None):
        conn = real(target, key)
        conn.execute("PRAGMA max_page_count = 2")
        return conn

    monkeypatch.setattr(backup, "connect", full)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".partial", ".restoring")))


def test_a_full_disk_during_backup_is_one_line_and_leaves_nothing(
    live, tmp_path, full_disk, capsys, monkeypatch
):
    path, _ = live
    monkeypatch.setenv("MDTAPP_USER", "alice")
    monkeypatch.setenv("MDTAPP_PASSWORD", PASSWORD)
    out = tmp_path / "c" / "new.db"
    assert main(["backup", "--db", str(path), str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "The disk is full: the backup was not made, and nothing else changed" in err
    assert list(out.parent.iterdir()) == []  # no .partial, 0 bytes or otherwise


def test_a_full_disk_during_restore_changes_nothing_and_leaves_nothing(live, tmp_path, full_disk):
    from mdtapp.store.restoring import restore

    path, backup = live
    with pytest.raises(StoreError, match="The disk is full"):
        restore(path, backup, "alice", PASSWORD)
    store = access.sign_in(path, "alice", PASSWORD)
    assert store.count_patients() == 2  # as it was
    store.close()
    assert _leftovers(tmp_path) == []


def test_an_encrypted_backup_is_not_restored_over_a_plaintext_database(live, tmp_path):
    from mdtapp.store.restoring import restore

    _, backup = live
    plain = access.create_database(
        tmp_path / "p.db", username="alice", display_name="A", password=PASSWORD, plaintext=True
    )
    plain.store.add_patient(jane(family_name="Plain"))
    plain.store.close()
    before = (tmp_path / "p.db").read_bytes()
    with pytest.raises(StoreError, match="is encrypted and .* is not"):
        restore(tmp_path / "p.db", backup, "alice", PASSWORD)
    assert (tmp_path / "p.db").read_bytes() == before  # "nothing was changed" is true
    store = access.sign_in(tmp_path / "p.db", "alice", PASSWORD)
    assert [s.family_name for s in store.summaries()] == ["Plain"]
    store.close()


def test_restore_onto_itself_is_refused(live, capsys, monkeypatch):
    path, _ = live
    monkeypatch.setenv("MDTAPP_USER", "alice")
    monkeypatch.setenv("MDTAPP_PASSWORD", PASSWORD)
    before = path.read_bytes()
    assert main(["restore", "--db", str(path), str(path)]) == 1
    assert "is the database itself" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert not list(backups_dir(path).glob("*before-restore*"))


def test_a_restore_records_itself_in_the_restored_content(live):
    from mdtapp.store.restoring import restore

    path, backup = live
    done = restore(path, backup, "alice", PASSWORD)
    store = access.sign_in(path, "alice", PASSWORD)
    assert store.count_patients() == 1
    latest = store.audit_entries(limit=1)[0]
    assert latest.action == "restore" and str(backup) in latest.detail
    assert str(done.kept) in latest.detail
    store.close()
    verify_database(done.kept, key=access.sign_in(path, "alice", PASSWORD).key)


def test_a_restored_backup_keeps_an_account_disabled_since(live, tmp_path):
    from mdtapp.store.restoring import restore

    """Restoring a backup from before an account was disabled does not let it back in."""
    path, backup = live
    store = access.sign_in(path, "alice", PASSWORD)
    store.add_account("vera", "Vera", ["viewer"], "vera-passphrase")
    store.close()
    # a backup in which vera is active
    store = access.sign_in(path, "alice", PASSWORD)
    backup2 = backup_to(store.db.conn, tmp_path / "b2" / "copy.db", key=store.key)
    copy_keyring(store.path, backup2)
    store.set_roles("vera", ["viewer"], active=False, confirm_recovery_key=lambda c: True)
    store.close()
    done = restore(path, backup2, "alice", PASSWORD)
    assert "vera stays disabled, as in the database being replaced" in done.notes
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "vera", "vera-passphrase")


CHILD = r"""
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from mdtapp.store import access
from tests.store.conftest import jane
path, start, nhs = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
store = access.sign_in(path, "alice", "alice-long-passphrase",
                       clock=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
while time.time() < start:  # both processes make the day's first write at the same moment
    time.sleep(0.001)
store.add_patient(jane(nhs_number=nhs, family_name="P" + nhs))
print("saved", flush=True)
"""


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_making_the_days_first_write_both_save(tmp_path, round_):
    import time

    created = access.create_database(
        tmp_path / "m.db", username="alice", display_name="A", password=PASSWORD
    )
    created.store.close()
    start = time.time() + 3
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(created.store.path), str(start), nhs],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for nhs in ("9434765919", "4010232137")
    ]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert out.strip() == "saved", err
    daily = backups_dir(created.store.path) / "m-daily-2026-11-22.db"
    assert daily.exists() and _leftovers(tmp_path) == []
    store = access.sign_in(created.store.path, "alice", PASSWORD)
    assert store.count_patients() == 2
    verify_database(daily, key=store.key)
    store.close()


def test_nothing_is_restored_for_a_wrong_password_and_the_attempt_counts(live):
    from mdtapp.store.restoring import restore

    path, backup = live
    with pytest.raises(access.LoginFailed):
        restore(path, backup, "alice", "not-the-passphrase")
    from mdtapp.store.attempts import Throttle

    assert Throttle(path).failures("alice") == 1
    store = access.sign_in(path, "alice", PASSWORD)
    assert store.count_patients() == 2 and table_counts(store)["audit"] > 0
    store.close()


def test_restoring_with_the_cli_names_what_was_kept(live, capsys, monkeypatch):
    path, backup = live
    monkeypatch.setenv("MDTAPP_USER", "alice")
    monkeypatch.setenv("MDTAPP_PASSWORD", PASSWORD)
    assert main(["restore", "--db", str(path), str(backup)]) == 0
    out = capsys.readouterr().out
    assert f"Restored {path} from {backup}; the previous content is kept at" in out
    shutil.rmtree(backup.parent)
