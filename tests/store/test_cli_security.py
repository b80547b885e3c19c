from __future__ import annotations

import pytest

from mdtapp.cli import main
from mdtapp.store import access
from mdtapp.store.keyring import keyring_path


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_database_created_from_the_command_line_is_encrypted(tmp_path, capsys):
    db = tmp_path / "m.db"
    code, out, err = run(capsys, "demo", "--db", str(db))
    assert code == 0 and access.is_encrypted(db) and keyring_path(db).exists()
    assert "Recovery key" in err and "tester as its first administrator" in err
    assert b"Demo-" not in db.read_bytes()
    code, out, err = run(capsys, "demo", "--db", str(tmp_path / "p.db"), "--plaintext")
    assert code == 0 and not access.is_encrypted(tmp_path / "p.db")
    assert "UNENCRYPTED" in err


def test_a_wrong_password_is_refused(tmp_path, capsys, monkeypatch):
    db = tmp_path / "m.db"
    run(capsys, "demo", "--db", str(db))
    monkeypatch.setenv("MDTAPP_PASSWORD", "not-the-right-one")
    code, out, err = run(capsys, "reviews", "--db", str(db))
    assert code == 1 and "user name or password is not right" in err and out == ""


def test_users_and_roles_from_the_command_line(tmp_path, capsys, monkeypatch):
    db = tmp_path / "m.db"
    run(capsys, "demo", "--db", str(db))
    monkeypatch.setenv("MDTAPP_NEW_PASSWORD", "vera-passphrase")
    code, out, _ = run(
        capsys,
        "user",
        "add",
        "--db",
        str(db),
        "--username",
        "vera",
        "--name",
        "Vera View",
        "--role",
        "viewer",
    )
    assert code == 0 and "viewer (read, letters)" in out
    code, out, _ = run(capsys, "user", "list", "--db", str(db))
    assert "vera" in out and "Vera View" in out and "tester" in out
    monkeypatch.setenv("MDTAPP_USER", "vera")
    monkeypatch.setenv("MDTAPP_PASSWORD", "vera-passphrase")
    code, out, _ = run(capsys, "reviews", "--db", str(db))
    assert code == 0 and "DEMO-ROWAN" in out  # a viewer reads
    code, _, err = run(capsys, "export", "--db", str(db), str(tmp_path / "x.json"))
    assert code == 1 and "needs the admin role" in err
    code, _, err = run(
        capsys, "user", "add", "--db", str(db), "--username", "eve", "--role", "admin"
    )
    assert code == 1 and "needs the admin role" in err


def test_encrypt_a_plaintext_database(tmp_path, capsys):
    db = tmp_path / "p.db"
    run(capsys, "demo", "--db", str(db), "--plaintext")
    code, out, err = run(capsys, "encrypt", "--db", str(db))  # not confirmed: nothing changes
    assert code == 1 and "--i-have-stored-the-recovery-key" in err
    assert not access.is_encrypted(db)
    code, out, _ = run(capsys, "encrypt", "--db", str(db), "--i-have-stored-the-recovery-key")
    assert code == 0 and "Recovery key" in out
    assert access.is_encrypted(db)
    code, out, _ = run(capsys, "reviews", "--db", str(db), "--json")
    assert code == 0 and out.count("nhs_number") == 5
    code, _, err = run(capsys, "encrypt", "--db", str(db))
    assert code == 1 and "already encrypted" in err


def test_an_encrypted_backup_keeps_its_keyring_and_restores(tmp_path, capsys):
    db = tmp_path / "m.db"
    run(capsys, "demo", "--db", str(db))
    backup = tmp_path / "b" / "copy.db"
    assert run(capsys, "backup", "--db", str(db), str(backup))[0] == 0
    assert access.is_encrypted(backup) and keyring_path(backup).exists()
    code, out, _ = run(capsys, "restore", "--db", str(db), str(backup))
    assert code == 0 and "Restored" in out


@pytest.mark.parametrize("command", ["reviews", "summary"])
def test_no_password_and_no_terminal_is_a_clear_error(tmp_path, capsys, monkeypatch, command):
    db = tmp_path / "m.db"
    run(capsys, "demo", "--db", str(db))
    monkeypatch.delenv("MDTAPP_PASSWORD")
    args = [command, "--db", str(db)] + (
        ["--nhs-number", "9990001006"] if command == "summary" else []
    )
    code, _, err = run(capsys, *args)
    assert code == 2 and "no password: run in a terminal or set MDTAPP_PASSWORD" in err
