from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import pytest

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import load_forms
from mdtapp.domain.model import Admission, Decision, Infusion, OrganStatus, Regimen
from mdtapp.paths import forms_dir
from mdtapp.store.errors import ConcurrentEditError, DuplicateRecord, ReadOnlyDatabase
from mdtapp.store.repository import Store
from mdtapp.store.sqlite import IntegrityError
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane, table_counts


def test_a_patient_reads_back_exactly(store):
    saved = store.add_patient(jane())
    assert saved.version == 1
    assert store.patient(saved.uid).value == jane()
    assert store.patient_uid_for("9434765919") == saved.uid


def test_a_second_patient_with_the_same_nhs_number_is_refused(store):
    store.add_patient(jane())
    before = table_counts(store)
    with pytest.raises(DuplicateRecord, match=r"943 476 5919 already exists \(SMITH, Jane\)"):
        store.add_patient(jane(given_names="Janet"))
    assert table_counts(store) == before


def test_invalid_input_names_the_field_and_writes_nothing(store):
    saved = store.add_patient(jane())
    before = table_counts(store)
    with pytest.raises(ValidationError) as raised:
        store.save("assessments", saved.uid, assessment(date(2026, 11, 1), itch=140))
    assert str(raised.value) == "itch_vas_mm: must be 0-100 mm; got 140"
    with pytest.raises(ValidationError, match=r"mrss.face: must be 0-3; got 4"):
        store.save(
            "assessments",
            saved.uid,
            assessment(date(2026, 11, 1), mrss={**assessment(date.today()).mrss, "face": 4}),
        )
    with pytest.raises(ValidationError, match="must not be in the future"):
        store.save("infusions", saved.uid, Infusion(date(2026, 11, 22), 25, "Privigen", "B1", "iv"))
    with pytest.raises(ValidationError, match="batch: is required"):
        store.save("infusions", saved.uid, Infusion(date(2026, 11, 20), 25, "Privigen", "", "iv"))
    assert table_counts(store) == before


def test_an_edit_is_a_new_version_and_the_old_one_is_kept(store):
    p = store.add_patient(jane())
    v1 = store.save("assessments", p.uid, assessment(date(2026, 11, 1), itch=60))
    v2 = store.save(
        "assessments",
        p.uid,
        assessment(date(2026, 11, 1), itch=40),
        uid=v1.uid,
        base_version=1,
        reason="itch re-marked by the patient",
    )
    assert v2.version == 2
    history = store.history("assessments", v1.uid)
    assert [h.value.itch_vas_mm for h in history] == [60, 40]
    assert history[1].change_reason == "itch re-marked by the patient"
    assert store.get("assessments", v1.uid).value.itch_vas_mm == 40
    audit = store.audit_entries(patient_uid=p.uid)[0]
    assert (audit.action, audit.version, audit.user) == ("update", 2, "tester")
    assert (audit.before["itch_vas_mm"], audit.after["itch_vas_mm"]) == (60, 40)


def test_saving_an_unchanged_record_adds_no_version(store):
    p = store.add_patient(jane())
    v1 = store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    again = store.save(
        "assessments", p.uid, assessment(date(2026, 11, 1)), uid=v1.uid, base_version=1
    )
    assert again.version == 1
    assert len(store.history("assessments", v1.uid)) == 1


def test_a_stale_save_is_refused_and_nothing_is_written(store, db_path):
    p = store.add_patient(jane())
    first = store.save("assessments", p.uid, assessment(date(2026, 11, 1), itch=60))
    # a second window (its own connection) saves first
    other = Store.open(db_path, user="colleague", clock=fixed_clock)
    other.save(
        "assessments", p.uid, assessment(date(2026, 11, 1), itch=50), uid=first.uid, base_version=1
    )
    other.close()
    before = table_counts(store)
    with pytest.raises(ConcurrentEditError) as raised:
        store.save(
            "assessments",
            p.uid,
            assessment(date(2026, 11, 1), itch=70),
            uid=first.uid,
            base_version=1,
        )
    assert "changed by colleague" in str(raised.value)
    assert "Your changes were not saved" in str(raised.value)
    assert table_counts(store) == before
    assert store.get("assessments", first.uid).value.itch_vas_mm == 50


def test_soft_delete_needs_a_reason_and_keeps_history(store):
    p = store.add_patient(jane())
    d = store.save("decisions", p.uid, Decision(date(2026, 11, 1), "start", "Criteria met"))
    with pytest.raises(ValidationError, match="reason: is required"):
        store.delete("decisions", d.uid, base_version=1, reason=" ")
    store.delete("decisions", d.uid, base_version=1, reason="entered for the wrong patient")
    assert store.current("decisions", p.uid) == []
    history = store.history("decisions", d.uid)
    assert [h.deleted for h in history] == [False, True]
    assert history[0].value.reason == "Criteria met"
    assert store.audit_entries(patient_uid=p.uid)[0].action == "delete"


@pytest.mark.parametrize("table", ["assessments", "patients", "audit"])
def test_stored_versions_and_the_audit_trail_cannot_be_edited(store, table):
    p = store.add_patient(jane())
    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    column = "action" if table == "audit" else "saved_by"
    with pytest.raises(IntegrityError, match="never changed or deleted"):
        store.db.execute(f"UPDATE {table} SET {column} = 'someone else'")
    with pytest.raises(IntegrityError, match="never changed or deleted"):
        store.db.execute(f"DELETE FROM {table}")


def test_one_assessment_per_patient_per_day(store):
    p = store.add_patient(jane())
    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    with pytest.raises(DuplicateRecord, match="assessment dated 2026-11-01 already exists"):
        store.save("assessments", p.uid, assessment(date(2026, 11, 1), examiner="Dr Other"))


def test_the_summary_follows_every_write(store):
    p = store.add_patient(jane())
    store.save("regimens", p.uid, Regimen(date(2026, 5, 1), 2.0, 5, 4, "iv", 70.0))
    store.save("infusions", p.uid, Infusion(date(2026, 5, 1), 25.0, "Privigen", "B1", "iv"))
    store.save("assessments", p.uid, assessment(date(2026, 4, 28), mrss=30))
    [row] = store.summaries()
    assert row.next_review == date(2026, 8, 1)  # 3 months after the first infusion
    assert row.overdue(date(2026, 11, 21)) and not row.flags
    store.save(
        "assessments",
        p.uid,
        assessment(date(2026, 8, 3), mrss=36, systemic={"renal": OrganStatus(True, True)}),
    )
    [row] = store.summaries()
    assert row.flags == ("worsening_disease_activity", "worsening_extracutaneous")
    assert row.next_review == date(2026, 11, 1)


def test_search_by_name_nhs_number_or_hospital_number(store):
    store.add_patient(jane())
    store.add_patient(
        jane(
            nhs_number="4010232137", family_name="Jones", given_names="Bob", hospital_number="RX99"
        )
    )
    names = lambda text: [r.family_name for r in store.summaries(text)]  # noqa: E731
    assert names("") == ["Jones", "Smith"]
    assert names("smi") == ["Smith"]
    assert names("943 476 5919") == ["Smith"]
    assert names("9434765919") == ["Smith"]
    assert names("rx99") == ["Jones"]
    assert names("jane smith") == ["Smith"]
    assert names("100%") == []  # LIKE wildcards are taken literally


def test_reviews_list_overdue_first(store):
    late = store.add_patient(jane())
    store.save("infusions", late.uid, Infusion(date(2026, 6, 1), 25, "P", "B1", "iv"))
    soon = store.add_patient(jane(nhs_number="4010232137", family_name="Jones"))
    store.save(
        "decisions",
        soon.uid,
        Decision(date(2026, 11, 20), "other", "Screening", next_review=date(2026, 12, 1)),
    )
    store.add_patient(jane(nhs_number="9876543210", family_name="Zed"))
    rows = store.reviews()
    assert [r.family_name for r in rows] == ["Smith", "Jones", "Zed"]
    # 3-month review due 01-Sep-2026; to 21-Nov: 30 (Sep) + 31 (Oct) + 20 = 81 days overdue
    assert rows[0].overdue(date(2026, 11, 21)) and rows[0].days_overdue(date(2026, 11, 21)) == 81


def test_photos_are_stored_once_and_read_back(store):
    p = store.add_patient(jane())
    digest = store.add_photo(p.uid, b"\x89PNG...", "image/png")
    assert store.add_photo(p.uid, b"\x89PNG...", "image/png") == digest
    assert store.photo(p.uid, digest) == (b"\x89PNG...", "image/png")


def _stale_forms(store, db_path, tmp_path):
    """Jane's summary under today's forms (no flag), then forms where her mRSS rise of 4 is a
    flag: her stored summary is stale."""
    p = store.add_patient(jane())
    store.save("infusions", p.uid, Infusion(date(2026, 5, 1), 25, "P", "B1", "iv"))
    store.save("assessments", p.uid, assessment(date(2026, 4, 30), mrss=30))
    store.save("assessments", p.uid, assessment(date(2026, 8, 1), mrss=34))
    assert store.summaries()[0].flags == ()
    store.close()
    copy = tmp_path / "forms"
    shutil.copytree(forms_dir(), copy)
    text = (copy / "response.toml").read_text().replace("mrss_points = 5", "mrss_points = 4")
    (copy / "response.toml").write_text(text)
    index = (copy / "index.toml").read_text().replace('version = "', 'version = "test-')
    (copy / "index.toml").write_text(index)
    return p.uid, load_forms(copy)


def test_a_threshold_change_in_forms_re_evaluates_every_patient(store, db_path, tmp_path):
    _, changed_forms = _stale_forms(store, db_path, tmp_path)  # no flag under today's forms
    changed = Store.open(db_path, user="tester", forms=changed_forms, clock=fixed_clock)
    assert changed.summaries()[0].flags == ("worsening_disease_activity",)
    changed.close()


def test_an_assessment_for_a_deleted_patient_is_refused(store):
    p = store.add_patient(jane())
    store.delete("patients", p.uid, base_version=1, reason="duplicate registration")
    with pytest.raises(Exception, match="deleted"):
        store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    assert store.summaries() == []


def test_correcting_an_nhs_number_moves_the_key(store):
    p = store.add_patient(jane(nhs_number="4010232137"))
    store.save("patients", p.uid, jane(), uid=p.uid, base_version=1, reason="typo corrected")
    assert store.patient_uid_for("9434765919") == p.uid
    assert store.patient_uid_for("4010232137") is None
    other = store.add_patient(jane(nhs_number="4010232137", family_name="Jones"))
    with pytest.raises(DuplicateRecord):
        store.save("patients", other.uid, jane(), uid=other.uid, base_version=1)
    assert dataclasses.replace(jane()) == store.patient(p.uid).value


def test_a_draft_is_kept_per_user_and_cleared_by_the_save(store, db_path):
    p = store.add_patient(jane())
    store.save_draft(p.uid, "assessments", {"itch": "4"})
    store.save_draft(p.uid, "assessments", {"itch": "45"})  # replaces, never piles up
    [draft] = store.drafts(p.uid, "assessments")
    assert draft.data == {"itch": "45"} and draft.record_uid is None
    colleague = Store.open(db_path, user="colleague", clock=fixed_clock)
    assert colleague.drafts(p.uid, "assessments") == []  # another user's draft is not theirs
    colleague.close()
    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    assert store.drafts(p.uid, "assessments") == []


def test_a_version_saved_elsewhere_at_the_same_moment_is_refused_not_lost(store, monkeypatch):
    p = store.add_patient(jane())
    v1 = store.save("assessments", p.uid, assessment(date(2026, 11, 1), itch=60))
    [row] = store.db.query("SELECT * FROM assessments WHERE uid = ?", [v1.uid])
    store.save(
        "assessments", p.uid, assessment(date(2026, 11, 1), itch=50), uid=v1.uid, base_version=1
    )
    before = table_counts(store)
    # a writer that read version 1 just before version 2 landed (as one that took no lock)
    latest = store._records.latest_row
    monkeypatch.setattr(
        store._records, "latest_row", lambda kind, uid: row if uid == v1.uid else latest(kind, uid)
    )
    with pytest.raises(ConcurrentEditError, match="saved elsewhere at the same moment"):
        store.save(
            "assessments", p.uid, assessment(date(2026, 11, 1), itch=40), uid=v1.uid, base_version=1
        )
    assert table_counts(store) == before


def test_a_constraint_other_than_a_duplicate_is_a_bug_and_propagates(store):
    p = store.add_patient(jane())
    before = table_counts(store)
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), store.transaction():
        # a record id that is not 32 characters: the table's CHECK, not a concurrent save
        store._add_child(
            "admissions", p.uid, Admission(date(2026, 11, 1), None, False), "short", "import"
        )
    assert table_counts(store) == before


# ---------------------------------------------------------------- opening reads


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_opening_writes_nothing_even_when_the_forms_have_changed(store, db_path, tmp_path):
    uid, changed_forms = _stale_forms(store, db_path, tmp_path)
    before = _files(db_path.parent)
    opened = Store.open(db_path, user="tester", forms=changed_forms, clock=fixed_clock)
    # what is read follows the forms in use, though nothing is stored yet
    assert opened.summaries()[0].flags == ("worsening_disease_activity",)
    assert opened.summaries("smith jane")[0].patient_uid == uid
    assert [s.patient_uid for s in opened.reviews()] == [uid]
    assert opened.count_patients() == 1
    assert opened.db.conn.total_changes == 0
    opened.close()
    assert _files(db_path.parent) == before  # not a byte, not a backup


def test_the_first_write_stores_the_summaries_gone_stale(store, db_path, tmp_path):
    uid, changed_forms = _stale_forms(store, db_path, tmp_path)
    opened = Store.open(db_path, user="tester", forms=changed_forms, clock=fixed_clock)
    other = opened.add_patient(jane(nhs_number="4010232137", family_name="Jones"))
    rows = {
        r["patient_uid"]: r
        for r in opened.db.query("SELECT patient_uid, flags, forms_version FROM patient_summary")
    }
    assert rows[uid]["flags"] == '["worsening_disease_activity"]'
    assert {r["forms_version"] for r in rows.values()} == {changed_forms.version}
    assert [s.patient_uid for s in opened.summaries()] == [other.uid, uid]  # Jones, Smith
    opened.close()


def test_a_read_only_file_with_stale_summaries_opens_and_shows_them_fresh(
    store, db_path, tmp_path, read_only
):
    from mdtapp.store.database import open_database

    uid, changed_forms = _stale_forms(store, db_path, tmp_path)
    read_only(db_path)
    # opening used to store the fresh summaries, so a read-only file could not be opened
    opened = Store(open_database(db_path), user="tester", path=db_path, forms=changed_forms)
    assert opened.summaries()[0].flags == ("worsening_disease_activity",)
    with pytest.raises(ReadOnlyDatabase, match="read-only: nothing was saved"):
        opened.save("assessments", uid, assessment(date(2026, 11, 1)))
    opened.close()


def test_fresh_summaries_follow_what_another_window_saves(store, db_path, tmp_path):
    uid, changed_forms = _stale_forms(store, db_path, tmp_path)
    reader = Store.open(db_path, user="reader", forms=changed_forms, clock=fixed_clock)
    assert reader.summaries()[0].latest_assessment == date(2026, 8, 1)
    writer = Store.open(db_path, user="writer", forms=changed_forms, clock=fixed_clock)
    writer.save("assessments", uid, assessment(date(2026, 11, 1), mrss=30))
    stored = writer.summaries()
    writer.close()
    assert reader.summaries() == stored
    assert stored[0].latest_assessment == date(2026, 11, 1)
    reader.close()


def test_the_summary_row_agrees_with_the_patient_state_of_the_whole_record(store):
    # the summary cache reads only what the list shows (infusion dates, not infusions): every
    # demo patient's row says what patient_state says of their whole record
    from mdtapp.domain.record import patient_state
    from mdtapp.store.demo import add_demo_patients

    add_demo_patients(store)
    rows = {s.patient_uid: s for s in store.summaries()}
    assert rows
    for uid, row in rows.items():
        record = store.load(uid).record
        state = patient_state(record, today=store.today(), forms=store.forms)
        evaluation = state.evaluation
        assert row.first_infusion == record.first_infusion
        assert row.latest_assessment == (
            record.assessments[-1].date if record.assessments else None
        )
        assert row.next_review == state.review.next_due
        assert row.review_reason == state.review.reason
        assert row.unscheduled == state.review.unscheduled
        assert row.stopped_on == state.review.stopped_on
        assert row.flags == (tuple(f.key for f in evaluation.raised) if evaluation else ())
        assert row.response == (evaluation.response if evaluation else None)


def test_a_record_read_twice_is_decoded_once_and_a_new_version_is_read_anew(store, monkeypatch):
    from mdtapp.store import codec

    uid = store.add_patient(jane()).uid
    saved = store.save("assessments", uid, assessment(date(2025, 1, 6)))
    decoded = []
    real = codec.decode
    monkeypatch.setattr(
        codec,
        "decode",
        lambda kind, data, forms=None: decoded.append(kind) or real(kind, data, forms),
    )
    store.load(uid)
    store.load(uid)
    assert decoded.count("assessments") <= 1  # kept from the save's own summary refresh
    changed = dataclasses.replace(saved.value, examiner="Dr Other")
    store.save("assessments", uid, changed, uid=saved.uid, base_version=saved.version)
    [again] = store.load(uid).assessments
    assert again.value.examiner == "Dr Other" and again.version == saved.version + 1
