"""The MDT meeting in the store (issue 17): versioned and audited meetings, the agenda built
from the reviews dashboard and new referrals, decisions linked to a meeting and joint only with
the quorum, signing and verifying in place by another person, with roles enforced."""

from __future__ import annotations

from datetime import date

import pytest

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.meeting import AgendaItem, Attendee, Meeting, quorum
from mdtapp.domain.model import Decision, Infusion, Regimen
from mdtapp.store import access
from mdtapp.store.attempts import Throttle
from mdtapp.store.errors import PermissionDenied
from tests.store.conftest import TODAY, jane, table_counts

PW = {
    "rheum": "rheumatologist-passphrase",
    "derm": "dermatologist-passphrase",
    "pharm": "pharmacist-passphrase",
    "nurse": "nurse-long-passphrase",
}
RHEUM = Attendee("Dr Rhea Ward", "consultant_rheumatologist", "Rheumatology", "rheum")
DERM = Attendee("Dr Derek Moss", "consultant_dermatologist", "Dermatology", "derm")
PHARM = Attendee("Pat Hale", "ig_pharmacist", "Pharmacy", "pharm")


@pytest.fixture
def people(store):
    store.add_account("rheum", "Dr Rhea Ward", ["clinician"], PW["rheum"])
    store.add_account("derm", "Dr Derek Moss", ["clinician"], PW["derm"])
    store.add_account("pharm", "Pat Hale", ["pharmacist"], PW["pharm"])
    store.add_account("nurse", "Nina Shaw", ["clinician"], PW["nurse"])
    return store


def _meeting(*agenda: str, attendees=(RHEUM, DERM, PHARM)) -> Meeting:
    return Meeting(
        date=TODAY,
        time="14:00",
        place="Seminar room 2",
        chair="Dr Rhea Ward",
        attendees=tuple(attendees),
        agenda=tuple(AgendaItem(uid, "added", "added by hand") for uid in agenda),
    )


def _decision(meeting_uid: str, present, *, joint: bool) -> Decision:
    return Decision(
        date=TODAY,
        decision="continue",
        reason="Responding",
        meeting_uid=meeting_uid,
        present=tuple(Attendee(a.name, a.role) for a in present),
        joint=joint,
    )


def test_a_meeting_is_versioned_and_audited(store):
    uid = store.add_patient(jane()).uid
    saved = store.add_meeting(_meeting(uid))
    assert saved.version == 1 and saved.value.item(uid).status == "to_discuss"
    left = Meeting(
        **{
            **saved.value.__dict__,
            "attendees": (RHEUM, DERM.__class__(**{**DERM.__dict__, "present": False}), PHARM),
        }
    )
    again = store.save_meeting(saved.uid, left, base_version=1)
    assert again.version == 2
    assert [m.version for m in store.meeting_history(saved.uid)] == [1, 2]
    assert not quorum(again.value.attendees, store.forms.meeting).quorate
    actions = [e.action for e in store.audit_entries() if e.entity == "meetings"]
    assert actions.count("add") == 1 and actions.count("update") == 1
    assert [m.uid for m in store.meetings()] == [saved.uid]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda m, uid: m.__class__(**{**m.__dict__, "attendees": (Attendee("Dr X", ""),)}),
            "attendees[0].role",
        ),
        (lambda m, uid: m.__class__(**{**m.__dict__, "agenda": m.agenda * 2}), "agenda[1].patient"),
        (lambda m, uid: m.__class__(**{**m.__dict__, "time": "25:00"}), "time"),
        (lambda m, uid: m.__class__(**{**m.__dict__, "place": " "}), "place"),
        (
            lambda m, uid: m.__class__(
                **{**m.__dict__, "agenda": (AgendaItem("f" * 32, "added", ""),)}
            ),
            "agenda[0].patient",
        ),
    ],
)
def test_bad_meetings_are_refused_naming_the_field_and_nothing_is_written(store, change, field):
    uid = store.add_patient(jane()).uid
    before = table_counts(store)
    with pytest.raises(ValidationError) as e:
        store.add_meeting(change(_meeting(uid), uid))
    assert field in str(e.value)
    assert table_counts(store) == before


def test_a_joint_decision_needs_the_quorum_among_those_present(store):
    uid = store.add_patient(jane()).uid
    second = store.add_patient(jane(nhs_number="4010232137", family_name="Other")).uid
    m = store.add_meeting(_meeting(uid, second))
    ok = store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))
    assert ok.value.joint is True and ok.data["meeting"]["uid"] == m.uid
    before = table_counts(store)
    with pytest.raises(ValidationError, match=r"meeting\.joint.*not quorate.*dermatologist"):
        store.save("decisions", second, _decision(m.uid, (RHEUM,), joint=True))
    assert table_counts(store) == before
    not_joint = store.save("decisions", second, _decision(m.uid, (RHEUM,), joint=False))
    assert not_joint.value.joint is False
    assert {d.uid for d in store.meeting_decisions(m.uid)} == {ok.uid, not_joint.uid}


def test_joint_only_with_who_the_meeting_records_as_present_now(store):
    """Review of issue 17: the store judges presence by the meeting's own record, never by the
    caller's list; a person named twice, a decision of another date, and a second decision for
    one patient in one meeting are refused, naming the field; nothing is written."""
    from dataclasses import replace

    uid = store.add_patient(jane()).uid
    m = store.add_meeting(_meeting(uid))
    left = replace(m.value, attendees=(RHEUM, replace(DERM, present=False), PHARM))
    m = store.save_meeting(m.uid, left, base_version=m.version)
    before = table_counts(store)
    with pytest.raises(ValidationError, match=r"present\[1\].*Dr Derek Moss is not present now"):
        store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))
    with pytest.raises(ValidationError, match=r"present\[1\].*named twice"):
        store.save("decisions", uid, _decision(m.uid, (RHEUM, RHEUM), joint=False))
    other_day = replace(_decision(m.uid, (RHEUM,), joint=False), date=date(2026, 11, 1))
    with pytest.raises(ValidationError, match="date: must be the meeting's date"):
        store.save("decisions", uid, other_day)
    assert table_counts(store) == before
    first = store.save("decisions", uid, _decision(m.uid, (RHEUM,), joint=False))
    with pytest.raises(ValidationError, match="already has a decision in this meeting"):
        store.save("decisions", uid, _decision(m.uid, (RHEUM,), joint=False))
    amended = replace(first.value, reason="Responding well")  # amending the one is allowed
    store.save("decisions", uid, amended, uid=first.uid, base_version=first.version)


def test_a_meeting_decision_names_the_meetings_own_people_and_patients(store):
    uid = store.add_patient(jane()).uid
    other = store.add_patient(jane(nhs_number="4010232137", family_name="Other")).uid
    m = store.add_meeting(_meeting(uid))
    with pytest.raises(ValidationError, match=r"meeting\.present\[0\].*not an attendee"):
        store.save(
            "decisions",
            uid,
            _decision(m.uid, (Attendee("Dr Nobody", "consultant_rheumatologist"),), joint=False),
        )
    with pytest.raises(ValidationError, match="not on that meeting's agenda"):
        store.save("decisions", other, _decision(m.uid, (RHEUM,), joint=False))
    with pytest.raises(ValidationError, match="not a meeting"):
        store.save("decisions", uid, _decision("e" * 32, (RHEUM,), joint=False))


def test_the_agenda_is_built_from_due_patients_and_new_referrals(store):
    due = store.add_patient(jane()).uid
    store.save("infusions", due, Infusion(date(2026, 5, 1), 120, "Privigen", "B1", "iv"))
    store.save("decisions", due, Decision(date(2026, 5, 1), "start", "Eligible"))
    referral = store.add_patient(jane(nhs_number="4010232137", family_name="New")).uid
    stopped = store.add_patient(jane(nhs_number="9990000018", family_name="Stopped")).uid
    store.save("infusions", stopped, Infusion(date(2026, 1, 1), 120, "Privigen", "B2", "iv"))
    store.save("decisions", stopped, Decision(date(2026, 1, 1), "start", "Eligible"))
    store.save("decisions", stopped, Decision(date(2026, 7, 1), "stop", "No response"))
    items = {i.patient_uid: i for i in store.agenda_candidates(TODAY)}
    assert items[due].source == "due" and "overdue since" in items[due].reason
    assert (
        items[referral].source == "referral"
        and "eligibility not yet decided" in items[referral].reason
    )
    assert stopped not in items  # a stopped treatment has nothing due


def _decision_to_sign(store):
    uid = store.add_patient(jane()).uid
    m = store.add_meeting(_meeting(uid))
    return uid, store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))


def test_a_consultant_signs_in_place_and_the_nurse_stays_signed_in(people):
    store = people
    store.principal = store.account("nurse").principal
    _, d = _decision_to_sign(store)
    signed = store.sign_in_place(
        "decisions", d.uid, d.version, username="derm", password=PW["derm"]
    )
    assert signed.username == "derm" and signed.name == "Dr Derek Moss"
    assert store.user == "nurse"
    entry = [e for e in store.audit_entries() if e.action == "sign"][-1]
    assert entry.user == "nurse" and "Dr Derek Moss (derm), in place" in entry.detail


def test_a_pharmacist_cannot_sign_a_decision_nor_a_clinician_verify_a_dose(people):
    store = people
    uid, d = _decision_to_sign(store)
    r = store.save("regimens", uid, Regimen(TODAY, 2.0, 5, 4, "iv", 70.0))
    before = table_counts(store)["signatures"]
    with pytest.raises(PermissionDenied, match="user name: Pat Hale.*needs the clinician role"):
        store.sign_in_place("decisions", d.uid, d.version, username="pharm", password=PW["pharm"])
    with pytest.raises(PermissionDenied, match="verifying a dose plan needs the pharmacist role"):
        store.sign_in_place("regimens", r.uid, r.version, username="derm", password=PW["derm"])
    assert table_counts(store)["signatures"] == before
    assert store.verification(r.uid, r.version) is None  # awaiting pharmacist verification
    v = store.sign_in_place("regimens", r.uid, r.version, username="pharm", password=PW["pharm"])
    assert store.verification(r.uid, r.version) == v and v.name == "Pat Hale"
    # a changed plan is a new version: awaiting verification again, and needs a reason
    with pytest.raises(Exception, match="reason"):
        store.save(
            "regimens", uid, Regimen(TODAY, 1.5, 5, 4, "iv", 70.0), uid=r.uid, base_version=1
        )
    r2 = store.save(
        "regimens",
        uid,
        Regimen(TODAY, 1.5, 5, 4, "iv", 70.0),
        uid=r.uid,
        base_version=1,
        reason="lower dose",
    )
    assert store.verification(r2.uid, r2.version) is None


def test_the_signed_in_pharmacist_verifies_a_dose_and_a_clinician_cannot(people):
    store = people
    uid = store.add_patient(jane()).uid
    r = store.save("regimens", uid, Regimen(TODAY, 2.0, 5, 4, "iv", 70.0))
    store.principal = store.account("derm").principal
    with pytest.raises(PermissionDenied, match="pharmacist role"):
        store.sign("regimens", r.uid, r.version, PW["derm"])
    store.principal = store.account("pharm").principal
    assert store.sign("regimens", r.uid, r.version, PW["pharm"]).username == "pharm"


def test_a_wrong_password_in_place_is_refused_counted_and_throttled(people):
    store = people
    _, d = _decision_to_sign(store)
    before = table_counts(store)["signatures"]
    with pytest.raises(access.LoginFailed):
        store.sign_in_place(
            "decisions", d.uid, d.version, username="derm", password="not-it-at-all"
        )
    assert table_counts(store)["signatures"] == before
    assert any(e.action == "password-refused" for e in store.audit_entries())
    for _ in range(10):
        try:
            store.sign_in_place(
                "decisions", d.uid, d.version, username="derm", password="wrong-again!"
            )
        except access.LoginThrottled:
            break
        except access.LoginFailed:
            continue
    else:
        pytest.fail("wrong passwords in place were never throttled")
    Throttle(store.path).succeeded("derm")


def test_m011_upgrades_an_m010_file_and_the_frozen_meeting_reads_back(tmp_path):
    import shutil
    from pathlib import Path

    from mdtapp.store.repository import Store

    fixtures = Path(__file__).parents[1] / "fixtures"
    old = tmp_path / "m010.db"
    shutil.copy(fixtures / "schema-m010_stopped_treatment.db", old)
    store = Store.open(old, user="tester")
    try:
        assert store.meetings() == []
        assert "decisions_meeting" in {
            r["name"] for r in store.db.query("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    finally:
        store.close()
    frozen = tmp_path / "m011.db"
    shutil.copy(fixtures / "schema-m011_meetings.db", frozen)
    store = Store.open(frozen, user="tester")
    try:
        (meeting,) = store.meetings()
        assert meeting.version == 2 and not meeting.value.attendees[1].present
        (decision,) = store.meeting_decisions(meeting.uid)
        assert decision.value.joint is False
        verified = [s for s in store.db.query("SELECT * FROM signatures WHERE kind = 'regimens'")]
        assert verified and verified[0]["username"] == "fixture.pharmacist"
    finally:
        store.close()


def test_meetings_go_through_mdtapp_1_export_and_import_to_the_same_bytes(store, tmp_path):
    import json

    from mdtapp.store.interchange import ImportRejected, dumps, export_document, import_document
    from mdtapp.store.repository import Store

    uid = store.add_patient(jane()).uid
    m = store.add_meeting(_meeting(uid))
    store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))
    first = dumps(export_document(store))
    document = json.loads(first)
    assert document["meetings"][0]["uid"] == m.uid
    assert document["patients"][0]["decisions"][0]["meeting"]["joint"] is True
    other = Store.open(tmp_path / "other.db", user="tester")
    try:
        import_document(other, json.loads(first))
        assert dumps(export_document(other)).replace(b"tester", b"") == first.replace(
            b"tester", b""
        )
        assert other.meeting(m.uid).value == m.value
        # a meeting held with other content is refused, naming it; nothing is written
        changed = json.loads(first)
        changed["meetings"][0]["place"] = "Another room"
        before = table_counts(other)
        with pytest.raises(ImportRejected) as e:
            import_document(other, changed, merge=True)
        assert any(
            "meetings[0]: this meeting is held here with other content" in p
            for p in e.value.problems
        )
        assert table_counts(other) == before
    finally:
        other.close()
    # a bad meeting in a file is refused naming the field
    bad = json.loads(first)
    bad["meetings"][0]["agenda"] *= 2
    fresh = Store.open(tmp_path / "fresh.db", user="tester")
    try:
        with pytest.raises(ImportRejected) as e:
            import_document(fresh, bad)
        assert any("meetings[0].agenda[1].patient" in p for p in e.value.problems)
        assert fresh.patient_uids() == []
    finally:
        fresh.close()


def test_a_file_naming_someone_not_at_the_meeting_as_present_is_refused(store, tmp_path):
    """Review of issue 17: an edited file cannot store a 'joint' decision made with a person who
    was not an attendee (the store's check runs on imports too); nothing is written."""
    import json

    from mdtapp.store.interchange import ImportRejected, dumps, export_document, import_document
    from mdtapp.store.repository import Store

    uid = store.add_patient(jane()).uid
    m = store.add_meeting(_meeting(uid))
    store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))
    forged = json.loads(dumps(export_document(store)))
    decision = forged["patients"][0]["decisions"][0]
    decision["meeting"]["present"][1]["name"] = "Dr Nobody"
    decision.pop("lineage", None)
    fresh = Store.open(tmp_path / "fresh.db", user="tester")
    try:
        with pytest.raises(ImportRejected) as e:
            import_document(fresh, forged)
        assert any("Dr Nobody is not an attendee of that meeting" in p for p in e.value.problems)
        assert fresh.patient_uids() == [] and fresh.meetings() == []
    finally:
        fresh.close()


def test_a_meeting_decision_is_signed_only_by_someone_present_and_a_plan_not_by_its_author(
    people, tmp_path
):
    """Review of issue 17 (H72, H73): a clinician not at the meeting, or one who has left,
    cannot sign its decision in place; a pharmacist cannot verify a plan they saved."""
    from dataclasses import replace

    from mdtapp.domain.model import Regimen
    from mdtapp.store.errors import PermissionDenied
    from mdtapp.store.repository import Store

    store = people
    uid = store.add_patient(jane()).uid
    m = store.add_meeting(_meeting(uid))
    d = store.save("decisions", uid, _decision(m.uid, (RHEUM, DERM), joint=True))
    with pytest.raises(PermissionDenied, match="nurse is not present at the meeting"):
        store.sign_in_place("decisions", d.uid, d.version, username="nurse", password=PW["nurse"])
    left = replace(m.value, attendees=(RHEUM, replace(DERM, present=False), PHARM))
    store.save_meeting(m.uid, left, base_version=m.version)
    with pytest.raises(PermissionDenied, match="derm is not present at the meeting"):
        store.sign_in_place("decisions", d.uid, d.version, username="derm", password=PW["derm"])
    assert store.signatures("decisions", d.uid) == []
    signed = store.sign_in_place(
        "decisions", d.uid, d.version, username="rheum", password=PW["rheum"]
    )
    assert signed.username == "rheum"
    # the pharmacist's own plan waits for another pharmacist
    pharm = Store(store.db, user=store.account("pharm").principal, clock=store.clock)
    plan = pharm.save("regimens", uid, Regimen(TODAY, 2.0, 5, 4, "iv", 70.0))
    with pytest.raises(PermissionDenied, match="pharm saved this dose plan"):
        pharm.sign("regimens", plan.uid, plan.version, PW["pharm"])
    with pytest.raises(PermissionDenied, match="pharm saved this dose plan"):
        store.sign_in_place(
            "regimens", plan.uid, plan.version, username="pharm", password=PW["pharm"]
        )
    assert store.verification(plan.uid, plan.version) is None


def test_a_clinician_saves_a_dose_plan_that_awaits_the_pharmacists_verification(people):
    """Issue 17: a dose plan saved by a clinician is awaiting pharmacist verification until an
    Ig pharmacist verifies it in place; infusions stay the pharmacist's."""
    from mdtapp.domain.model import Infusion, Regimen
    from mdtapp.store.errors import PermissionDenied
    from mdtapp.store.repository import Store

    store = people
    uid = store.add_patient(jane()).uid
    nurse = Store(store.db, user=store.account("nurse").principal, clock=store.clock)
    plan = nurse.save("regimens", uid, Regimen(TODAY, 2.0, 5, 4, "iv", 70.0))
    assert nurse.verification(plan.uid, plan.version) is None  # awaiting verification
    with pytest.raises(PermissionDenied, match="needs the pharmacist role"):
        nurse.sign_in_place(
            "regimens", plan.uid, plan.version, username="nurse", password=PW["nurse"]
        )
    with pytest.raises(PermissionDenied, match="needs the pharmacist role"):
        nurse.save("infusions", uid, Infusion(TODAY, 25.0, "Privigen", "B1", "iv"))
    verified = nurse.sign_in_place(
        "regimens", plan.uid, plan.version, username="pharm", password=PW["pharm"]
    )
    assert nurse.verification(plan.uid, plan.version) == verified
