"""The app in a real X window (Xvfb, the xcb platform, a window manager), driven by keys typed
through the X server. Each scenario runs the real app in its own process; its screenshots are
kept in the test's folder for a person to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.store import access
from mdtapp.store.demo import add_demo_patients

ROOT = Path(__file__).resolve().parents[2]


def run_scenario(name: str, display: str, tmp_path: Path, db: Path) -> dict:
    out = tmp_path / "screens"
    env = {k: v for k, v in os.environ.items() if k not in ("MDTAPP_USER", "MDTAPP_PASSWORD")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", MDTAPP_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.realwindow.harness", name, str(out), "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result_file = out / "result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert proc.returncode == 0 and result.get("ok"), (
        f"scenario {name} failed (exit {proc.returncode}); screenshots in {out}\n"
        f"{result.get('error', '')}\n--- stdout\n{proc.stdout[-4000:]}\n"
        f"--- stderr\n{proc.stderr[-4000:]}"
    )
    return result


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "real.db"
    created = access.create_database(
        db, username="nina", display_name="Nina Nurse", password="nina-passphrase"
    )
    add_demo_patients(created.store)
    created.store.close()
    return db


def test_sign_in_find_guide_and_zoom_in_a_real_window(x_display, tmp_path, demo_db):
    result = run_scenario("smoke", x_display, tmp_path, demo_db)
    assert result["found"] == 1
    assert result["guide_fits"] is True
    assert result["zoomed"] == pytest.approx(1.25)
    assert result["reset"] is True
    assert result["cut_columns"] == []  # at 125 % every column still shows its whole text
    assert len(result["screenshots"]) == 3


@pytest.fixture
def meeting_db(tmp_path: Path) -> Path:
    """The meeting room's laptop: a nurse who may also record doses, and the demo patients."""
    db = tmp_path / "meeting.db"
    created = access.create_database(
        db, username="admin", display_name="Ada Admin", password="admin-passphrase"
    )
    created.store.add_account(
        "nurse", "Nina Nurse", ["clinician", "pharmacist"], "nurse-passphrase"
    )
    add_demo_patients(created.store)
    created.store.close()
    return db


def letter_b_text(tmp_path) -> str:
    from pypdf import PdfReader

    return "\n".join(
        p.extract_text() for p in PdfReader(tmp_path / "screens" / "letter-B.pdf").pages
    )


def test_the_meeting_of_domain_md_by_keyboard_in_a_real_window(x_display, tmp_path, meeting_db):
    from datetime import date

    from pypdf import PdfReader

    r = run_scenario("meeting", x_display, tmp_path, meeting_db)
    store = access.sign_in(meeting_db, "admin", "admin-passphrase")
    try:
        # 1. the dashboard listed the overdue patient first
        assert r["due_before"][0][3] == "999 000 1049" and "OVERDUE" in r["due_before"][0][1]
        # 2. the NHS number was checked as it was typed
        assert "Modulus 11" in r["nhs_wrong"] and r["nhs_right"] == "✓ valid: 943 476 5919"
        a = store.load_by_nhs("9434765919")
        p = a.patient.value
        assert (p.family_name, p.given_names, p.date_of_birth, p.sex, p.height_cm) == (
            "Ng",
            "Mei Ling",
            date(1971, 3, 7),
            "female",
            165.0,
        )
        e = a.eligibility.value
        assert [e.criteria[k] for k in sorted(e.criteria)] == ["unknown", "yes", "yes", "yes"]
        assert "3 of 4" in r["checklist"] and "biopsy" in r["checklist"].lower()
        # 3. the baseline, exactly as typed
        (baseline,) = [s.value for s in a.assessments]
        assert sum(baseline.mrss.values()) == 30 and None not in baseline.mrss.values()
        assert r["itch"] == 60
        assert (baseline.itch_vas_mm, baseline.patient_global_vas_mm) == (60, 55)
        assert baseline.physician_global_vas_mm == 50
        assert (baseline.papules.count, baseline.papules.site) == (30, "left forearm")
        assert baseline.nutrition.weight_kg == 70.0
        # 4. the dose: adjusted weight 62.1 kg -> 124.3 g -> 120 g; 25, 25, 25, 25, 20
        (regimen,) = [s.value for s in a.regimens]
        assert (regimen.g_per_kg, regimen.weight_kg) == (2.0, 70.0)
        assert "120 g" in r["plan"] and "25, 25, 25, 25, 20" in r["plan"]
        # 5. the decision, signed by the person signed in
        (decision,) = a.decisions
        assert decision.value.decision == "start"
        assert store.signatures("decisions", decision.uid)[0].username == "nurse"
        assert r["signed"].startswith("Signed the decision of")
        letter_a = "\n".join(
            page.extract_text() for page in PdfReader(tmp_path / "screens" / "letter-A.pdf").pages
        )
        assert "Mei Ling" in letter_a and "120 g" in letter_a
        # the first letter asked for what it lacked, once, and printed what was typed (section 7)
        assert "letterhead.centre" in r["letter_asked"]
        assert "Royal Example Hospital" in letter_a and "Dr D Derm" in letter_a
        assert "Royal Example Hospital" in letter_b_text(tmp_path)
        # 6. patient B: the 6-month review showed no response, and the MDT stopped
        assert "No response after at least 6 months" in r["panel_B"]
        b = store.load_by_nhs("9990001049")
        assert b.decisions[-1].value.decision == "stop"
        letter_b = "\n".join(
            page.extract_text() for page in PdfReader(tmp_path / "screens" / "letter-B.pdf").pages
        )
        assert "stop" in letter_b.lower()
        # the dashboard afterwards: A's 3-month review is listed
        assert any(row[3] == "943 476 5919" for row in r["due_after"])
    finally:
        store.close()


@pytest.fixture
def mdt_db(tmp_path: Path) -> Path:
    """The meeting room's laptop: the nurse, two consultants and a pharmacist, the demo
    patients and a new referral; the letterhead and author set (a batch asks otherwise)."""
    from mdtapp.settings import save_centre_settings
    from tests.store.conftest import jane

    db = tmp_path / "mdt.db"
    created = access.create_database(
        db, username="admin", display_name="Ada Admin", password="admin-passphrase"
    )
    store = created.store
    store.add_account("nurse", "Nina Shaw", ["clinician"], "nurse-passphrase")
    store.add_account("rheum", "Dr Rhea Ward", ["clinician"], "rheum-passphrase")
    store.add_account("derm", "Dr Derek Moss", ["clinician"], "derm-passphrase")
    store.add_account("pharm", "Pat Hale", ["pharmacist"], "pharm-passphrase")
    add_demo_patients(store)
    store.add_patient(jane(family_name="Referral"))
    save_centre_settings(
        store,
        {
            "letterhead.centre": "Royal Example Hospital",
            "author.name": "Nina Shaw",
            "author.role": "Specialist nurse",
        },
    )
    store.close()
    return db


def test_the_mdt_meeting_of_issue_17_by_keyboard_in_a_real_window(x_display, tmp_path, mdt_db):
    from pypdf import PdfReader

    r = run_scenario("mdt_meeting", x_display, tmp_path, mdt_db)
    assert [s for s, _ in r["agenda"]] == ["due", "due", "referral"]
    assert "Quorate" in r["quorum_before"]
    assert "Joint: rheumatology and dermatology present" in r["present_1"]
    assert r["signed_1"].startswith("Signed by Dr Derek Moss in place")
    assert "Verified by Pat Hale" in r["verified_1"]
    assert "NOT joint: no consultant dermatologist present" in r["present_2"]
    assert "NOT quorate" in r["presenter"]
    width, minimum = r["size_1024"]
    assert width == 1024 and minimum <= 1024
    assert r["outcomes"] is True and r["letters"] is True
    store = access.sign_in(mdt_db, "admin", "admin-passphrase")
    try:
        (meeting,) = store.meetings()
        first, second = store.meeting_decisions(meeting.uid)
        assert (first.value.joint, second.value.joint) == (True, False)
        assert first.saved_by == "nurse"
        assert store.signatures("decisions", first.uid)[0].username == "derm"
    finally:
        store.close()
    screens = tmp_path / "screens"
    outcomes = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(screens / "outcomes.pdf").pages
    )
    assert "NOT joint" in outcomes and "left / absent" in outcomes
    letters = sorted((screens / "letters").glob("letter-*.pdf"))
    assert len(letters) == 2
    text = " ".join(p.extract_text() for p in PdfReader(letters[1]).pages)
    assert "NOT a joint decision" in " ".join(text.split())
