"""`mdtapp meeting new|list|show|agenda|outcomes|letters` (issue 17): a meeting prepared and its
papers produced without the window; errors name the option; exit codes as the other commands."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from mdtapp.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, main
from mdtapp.domain.meeting import Attendee
from mdtapp.domain.model import Decision
from mdtapp.store.repository import Store


@pytest.fixture
def demo_db(tmp_path, capsys):
    path = tmp_path / "demo.db"
    assert main(["demo", "--db", str(path), "--plaintext"]) == 0
    capsys.readouterr()
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _new(demo_db, capsys, *extra):
    code, out, err = _run(
        capsys,
        "meeting", "new", "--db", str(demo_db), "--place", "Seminar room 2", "--chair", "Dr R Ward",
        "--attendee", "Dr R Ward:consultant_rheumatologist",
        "--attendee", "Dr D Moss:consultant_dermatologist",
        *extra,
    )  # fmt: skip
    assert code == EXIT_OK, err
    return out.split("Prepared meeting ")[1].split()[0]


def test_new_builds_the_agenda_from_the_dashboard_and_list_show_agenda_print_it(demo_db, capsys):
    uid = _new(demo_db, capsys)
    code, out, _ = _run(capsys, "meeting", "list", "--db", str(demo_db), "--json")
    (listed,) = json.loads(out)
    assert listed["id"] == uid and listed["quorate"] is True
    assert [a["role"] for a in listed["attendees"]] == [
        "consultant_rheumatologist",
        "consultant_dermatologist",
    ]
    assert listed["agenda"] and all(i["source"] == "due" for i in listed["agenda"])
    assert listed["agenda"][0]["name"] == "Eve Demo-Rowan"  # overdue first, as the dashboard
    code, out, _ = _run(capsys, "meeting", "show", uid[:8], "--db", str(demo_db))
    assert code == EXIT_OK and "Quorate: a decision now is joint" in out and "Eve Demo-Rowan" in out
    code, out, _ = _run(capsys, "meeting", "agenda", uid, "--db", str(demo_db), "--json")
    assert code == EXIT_OK and [i["position"] for i in json.loads(out)] == list(
        range(1, len(listed["agenda"]) + 1)
    )


def test_a_patient_added_twice_is_refused_naming_the_option_and_nothing_changes(demo_db, capsys):
    uid = _new(demo_db, capsys)
    code, out, _ = _run(capsys, "meeting", "agenda", uid, "--db", str(demo_db), "--json")
    first = json.loads(out)[0]["nhs_number"]
    code, _, err = _run(capsys, "meeting", "agenda", uid, "--db", str(demo_db), "--add", first)
    assert code == EXIT_BAD_INPUT and "--add: " in err and "already on this meeting's agenda" in err
    code, out, _ = _run(capsys, "meeting", "show", uid, "--db", str(demo_db), "--json")
    assert json.loads(out)["version"] == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--place", "Room 1", "--attendee", "Dr X:"], "attendees[0].role: is required"),
        (["--place", "Room 1", "--attendee", "Dr X"], "--attendee 1: expected NAME:ROLE"),
        (["--place", "Room 1", "--date", "2026-13-01"], "--date: expected a date"),
        (["--place", "Room 1", "--time", "2pm"], "time: must be a time HH:MM"),
        ([], "--place: is required"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(demo_db, capsys, argv, expected):
    code, _, err = _run(capsys, "meeting", "new", "--db", str(demo_db), *argv)
    assert code == EXIT_BAD_INPUT and expected in err
    code, out, _ = _run(capsys, "meeting", "list", "--db", str(demo_db), "--json")
    assert json.loads(out) == []


def test_outcomes_and_letters_are_written(demo_db, capsys, tmp_path):
    uid = _new(demo_db, capsys)
    store = Store.open(demo_db, user="tester")
    try:
        m = store.meeting(uid).value
        patient = m.agenda[0].patient_uid
        store.save(
            "decisions",
            patient,
            Decision(
                store.today(), "continue", "Responding", meeting_uid=uid,
                present=tuple(Attendee(a.name, a.role) for a in m.attendees), joint=True,
            ),
        )  # fmt: skip
        from mdtapp.settings import save_centre_settings

        save_centre_settings(
            store,
            {
                "letterhead.centre": "Test Hospital",
                "author.name": "Dr B Derm",
                "author.role": "Consultant dermatologist",
            },
        )
    finally:
        store.close()
    out_pdf = tmp_path / "outcomes.pdf"
    code, out, err = _run(
        capsys, "meeting", "outcomes", uid, "--db", str(demo_db), "--out", str(out_pdf)
    )
    assert code == EXIT_OK, err
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out_pdf).pages)
    assert "MDT meeting outcomes" in text and "Continue current regimen" in text
    code, out, err = _run(
        capsys,
        "meeting",
        "letters",
        uid,
        "--db",
        str(demo_db),
        "--folder",
        str(tmp_path / "letters"),
    )
    assert code == EXIT_OK, err
    assert len(list((tmp_path / "letters").glob("letter-*.pdf"))) == 1
    assert "DRAFT: " in out  # the decision is not signed yet
    assert len(list((tmp_path / "letters").glob("letters-*-all.pdf"))) == 1


def test_an_unknown_meeting_and_missing_options_are_refused(demo_db, capsys, tmp_path):
    code, _, err = _run(capsys, "meeting", "show", "2020-01-01", "--db", str(demo_db))
    assert code == EXIT_REFUSED and "MEETING: '2020-01-01' is no meeting" in err
    uid = _new(demo_db, capsys)
    code, _, err = _run(capsys, "meeting", "outcomes", uid, "--db", str(demo_db))
    assert code == EXIT_BAD_INPUT and "--out: is required" in err
    code, _, err = _run(capsys, "meeting", "letters", uid, "--db", str(demo_db))
    assert code == EXIT_BAD_INPUT and "--folder: is required" in err
    future = _new(demo_db, capsys, "--date", "2099-01-01", "--no-dashboard")
    code, _, err = _run(
        capsys,
        "meeting",
        "outcomes",
        future,
        "--db",
        str(demo_db),
        "--out",
        str(tmp_path / "o.pdf"),
    )
    assert code == EXIT_BAD_INPUT and "date: the meeting is on 01-Jan-2099, in the future" in err
    assert not (tmp_path / "o.pdf").exists()
