"""Merging a file from another site (issue 14.1 and 14.2): a merge applies only copies that
descend from the version held, never changes a signed record, and needs the roles a save
needs; anything else refuses the whole file, naming each record, and nothing is written."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest

from mdtapp.domain.model import Infusion, Regimen
from mdtapp.store.interchange import (
    ImportRejected,
    dumps,
    export_document,
    import_document,
)
from mdtapp.store.repository import Store
from mdtapp.store.security import Principal
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane, table_counts

PASSWORD = "site-a-passphrase"
NHS = "943 476 5919"


def earlier_clock() -> datetime:
    return datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def site_a(tmp_path) -> tuple[Store, str]:
    """Site A: one patient with two assessments, a regimen and two infusions."""
    store = Store.open(tmp_path / "a.db", user="site.a", clock=fixed_clock)
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 8, 3), itch=40))
    store.save("assessments", uid, assessment(date(2026, 11, 2), itch=50))
    store.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    for day in (5, 6):
        store.save("infusions", uid, Infusion(date(2026, 8, day), 25.0, "Privigen", "B1", "iv"))
    return store, uid


def doc(store: Store) -> dict:
    return json.loads(dumps(export_document(store)))


def site_b(tmp_path, document: dict) -> Store:
    """Site B: starts from site A's file, with its own user and clock."""
    store = Store.open(tmp_path / "b.db", user="site.b", clock=earlier_clock)
    import_document(store, document)
    return store


def edit(store: Store, uid: str, kind: str, index: int, **changes) -> None:
    saved = getattr(store.load(uid), kind)[index]
    store.save(
        kind,
        uid,
        dataclasses.replace(saved.value, **changes),
        uid=saved.uid,
        base_version=saved.version,
        reason="corrected",
    )


def itch(store: Store, uid: str, index: int = 0) -> int:
    return store.load(uid).assessments[index].value.itch_vas_mm


# ---------------------------------------------------------------- issue 14.2: lineage


def test_an_old_export_merged_over_newer_work_reverts_nothing(tmp_path):
    a, uid = site_a(tmp_path)
    old = doc(a)
    edit(a, uid, "assessments", 0, itch_vas_mm=10)  # newer work, after the export
    before = table_counts(a)
    result = import_document(a, old, merge=True)
    assert (result.records_added, result.records_updated, result.records_older) == (0, 0, 1)
    assert itch(a, uid) == 10  # not reverted to the export's 40
    assert [
        h.value.itch_vas_mm for h in a.history("assessments", a.load(uid).assessments[0].uid)
    ] == [40, 10]
    after = table_counts(a)
    assert after["assessments"] == before["assessments"] and after["audit"] == before["audit"] + 1


def test_a_copy_descending_from_the_held_version_is_applied_and_twice_is_a_no_op(tmp_path):
    a, uid = site_a(tmp_path)
    b = site_b(tmp_path, doc(a))
    edit(b, uid, "assessments", 0, itch_vas_mm=20)
    edit(b, uid, "assessments", 0, itch_vas_mm=25)  # two versions at B: A knows neither
    b.save("infusions", uid, Infusion(date(2026, 9, 2), 25.0, "Privigen", "B2", "iv"))
    from_b = doc(b)
    result = import_document(a, from_b, merge=True)
    assert (result.records_added, result.records_updated) == (1, 1)
    assert itch(a, uid) == 25
    held = a.history("assessments", a.load(uid).assessments[0].uid)
    assert [(h.version, h.change_reason) for h in held] == [(1, ""), (2, "import (merge)")]
    again = import_document(a, from_b, merge=True)
    assert (again.records_added, again.records_updated, again.records_older) == (0, 0, 0)
    # A states B's lineage for that version; A's next edit descends from it, and B takes it
    lineage = doc(a)["patients"][0]["assessments"][0]["lineage"]
    assert lineage == from_b["patients"][0]["assessments"][0]["lineage"]
    assert (lineage["version"], lineage["saved_by"]) == (3, "site.b")
    edit(a, uid, "assessments", 0, itch_vas_mm=30)
    back = import_document(b, doc(a), merge=True)
    assert (back.records_updated, itch(b, uid)) == (1, 30)


def test_copies_changed_on_both_sides_are_conflicts_listed_and_nothing_changes(tmp_path):
    a, uid = site_a(tmp_path)
    b = site_b(tmp_path, doc(a))
    edit(b, uid, "assessments", 0, itch_vas_mm=20)
    edit(b, uid, "infusions", 0, batch="B9")  # only B changed it: fine on its own
    edit(b, uid, "assessments", 1, itch_vas_mm=70)
    from_b = doc(b)
    edit(a, uid, "assessments", 0, itch_vas_mm=10)
    edit(a, uid, "assessments", 1, itch_vas_mm=80)
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, from_b, merge=True)
    assert refused.value.problems == [
        f"patients[0] (NHS {NHS}): assessments[{i}]: conflict: the assessment of {day} was "
        "changed here (version 2, saved by site.a at 21-Nov-2026 10:00) and in the file "
        "(version 2, saved by site.b at 20-Nov-2026 09:00), neither from the other"
        for i, day in ((0, "03-Aug-2026"), (1, "02-Nov-2026"))
    ]
    assert table_counts(a) == before
    assert a.load(uid).infusions[0].value.batch == "B1"  # B's other change waits with the file


def test_export_is_deterministic_and_import_export_of_a_file_with_lineage_is_byte_identical(
    tmp_path,
):
    a, uid = site_a(tmp_path)
    b = site_b(tmp_path, doc(a))
    edit(b, uid, "assessments", 0, itch_vas_mm=20)
    edit(b, uid, "assessments", 0, itch_vas_mm=25)
    import_document(a, doc(b), merge=True)
    edit(a, uid, "regimens", 0, interval_weeks=6)
    exported = dumps(export_document(a))
    assert dumps(export_document(a)) == exported  # same data, same bytes
    fresh = Store.open(tmp_path / "fresh.db", user="someone.else")
    import_document(fresh, json.loads(exported))
    assert dumps(export_document(fresh)) == exported
    lineages = [r["lineage"] for r in json.loads(exported)["patients"][0]["assessments"]]
    assert [(x["version"], len(x["ancestors"])) for x in lineages] == [(3, 2), (1, 0)]


def test_a_file_written_before_lineage_imports_and_merges_new_records(tmp_path):
    a, uid = site_a(tmp_path)
    old = _without_lineage(doc(a))
    fresh = Store.open(tmp_path / "fresh.db", user="fresh")
    assert import_document(fresh, old).patients_added == 1
    b = site_b(tmp_path, doc(a))
    b.save("infusions", uid, Infusion(date(2026, 9, 2), 25.0, "Privigen", "B2", "iv"))
    new_record = _without_lineage(doc(b))
    result = import_document(a, new_record, merge=True)
    assert (result.records_added, result.records_updated) == (1, 0)  # the identical rest: no-op
    edit(b, uid, "assessments", 0, itch_vas_mm=20)
    changed = _without_lineage(doc(b))
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, changed, merge=True)
    assert refused.value.problems == [
        f"patients[0] (NHS {NHS}): assessments[0]: conflict: the assessment of 03-Aug-2026 "
        "here (version 1, saved by site.a at 21-Nov-2026 10:00) differs from the file's copy, "
        "which has no lineage (a file written before mdtapp recorded versions in files)"
    ]
    assert table_counts(a) == before


def test_a_copy_edited_after_export_is_refused(tmp_path):
    a, uid = site_a(tmp_path)
    edited = doc(a)
    edited["patients"][0]["assessments"][0]["itch_vas_mm"] = 99  # by hand, lineage kept
    for target in (a, Store.open(tmp_path / "empty.db", user="x")):
        before = table_counts(target)
        with pytest.raises(ImportRejected) as refused:
            import_document(target, edited, merge=True)
        assert refused.value.problems == [
            f"patients[0] (NHS {NHS}): assessments[0].lineage.revision: the record no longer "
            "matches it: it was changed after it was written (remove its lineage to import it "
            "as a copy without one)"
        ]
        assert table_counts(target) == before


def test_a_record_deleted_here_stays_deleted_and_one_changed_there_is_a_conflict(tmp_path):
    a, uid = site_a(tmp_path)
    first = doc(a)
    b = site_b(tmp_path, first)
    infusion = a.load(uid).infusions[0]
    a.delete("infusions", infusion.uid, base_version=1, reason="entered twice")
    result = import_document(a, first, merge=True)
    assert (result.records_added, result.records_updated, result.records_older) == (0, 0, 1)
    assert infusion.uid not in [s.uid for s in a.load(uid).infusions]
    edit(b, uid, "infusions", 0, batch="B7")
    with pytest.raises(ImportRejected) as refused:
        import_document(a, doc(b), merge=True)
    assert refused.value.problems == [
        f"patients[0] (NHS {NHS}): infusions[0]: conflict: the infusion of 05-Aug-2026 was "
        'deleted here (version 2, by site.a at 21-Nov-2026 10:00: "entered twice") and changed '
        "in the file (version 2, saved by site.b at 20-Nov-2026 09:00)"
    ]


def test_a_new_record_that_clashes_with_one_held_is_a_problem_not_a_crash(tmp_path):
    a, uid = site_a(tmp_path)
    b = site_b(tmp_path, doc(a))
    b.save("assessments", uid, assessment(date(2026, 11, 20), itch=30))
    a.save("assessments", uid, assessment(date(2026, 11, 20), itch=35))  # the same day at A
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, doc(b), merge=True)
    (problem,) = refused.value.problems
    assert problem.startswith(
        f"patients[0] (NHS {NHS}): assessments[2]: an assessment dated 2026-11-20 is already held"
    )
    assert problem.endswith("one assessment per patient per date")
    assert table_counts(a) == before


# ---------------------------------------------------------------- issue 14.1: sign-and-lock


def signed_site(tmp_path) -> tuple[Store, str]:
    a, uid = site_a(tmp_path)
    a.add_account("dr.a", "Dr A", ["admin", "clinician", "pharmacist"], PASSWORD, first=True)
    a.principal = a.account("dr.a").principal
    first = a.load(uid).assessments[0]
    a.sign("assessments", first.uid, first.version, PASSWORD)
    return a, uid


SIGNED = (
    f"patients[0] (NHS {NHS}): assessments[0]: the assessment of 03-Aug-2026 is signed here "
    "(version 1, signed by Dr A on 21-Nov-2026 10:00): a merge never changes a signed record, "
    "and the file's copy ({file}) differs from it. If the change is wanted, amend the record "
    "here, with its reason, then merge again"
)


def test_a_merge_never_changes_a_signed_record_and_refuses_the_whole_file(tmp_path):
    a, uid = signed_site(tmp_path)
    b = site_b(tmp_path, doc(a))
    edit(b, uid, "assessments", 0, itch_vas_mm=10)  # B does not know it is signed
    b.save("infusions", uid, Infusion(date(2026, 9, 2), 25.0, "Privigen", "B2", "iv"))
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, doc(b), merge=True)
    assert refused.value.problems == [
        SIGNED.format(file="version 2, saved by site.b at 20-Nov-2026 09:00")
    ]
    assert table_counts(a) == before
    assert itch(a, uid) == 40


def test_a_hand_made_copy_of_a_signed_record_is_refused_too(tmp_path):
    a, uid = signed_site(tmp_path)
    hand = _without_lineage(doc(a))
    hand["patients"][0]["assessments"][0]["itch_vas_mm"] = 10
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, hand, merge=True)
    assert refused.value.problems == [SIGNED.format(file="a copy without lineage")]
    assert table_counts(a) == before


def test_an_amendment_here_to_the_same_content_lets_the_file_merge(tmp_path):
    # the documented way to take a change made elsewhere to a record signed here
    a, uid = signed_site(tmp_path)
    b = site_b(tmp_path, doc(a))
    edit(b, uid, "assessments", 0, itch_vas_mm=10)
    from_b = doc(b)
    with pytest.raises(ImportRejected):
        import_document(a, from_b, merge=True)
    edit(a, uid, "assessments", 0, itch_vas_mm=10)  # an amendment: the reason is "corrected"
    result = import_document(a, from_b, merge=True)
    assert (result.records_updated, itch(a, uid)) == (0, 10)


def test_a_signed_record_unchanged_in_the_file_does_not_stop_a_merge(tmp_path):
    a, uid = signed_site(tmp_path)
    b = site_b(tmp_path, doc(a))
    b.save("infusions", uid, Infusion(date(2026, 9, 2), 25.0, "Privigen", "B2", "iv"))
    assert import_document(a, doc(b), merge=True).records_added == 1


# ---------------------------------------------------------------- issue 14.1: roles


def test_roles_apply_to_merged_records_as_to_saves(tmp_path):
    a, uid = site_a(tmp_path)
    b = site_b(tmp_path, doc(a))
    b.save("assessments", uid, assessment(date(2026, 11, 20), itch=30))
    edit(b, uid, "infusions", 0, batch="B9")
    from_b = doc(b)
    before = table_counts(a)
    a.principal = Principal("ada", "Ada Admin", frozenset({"admin"}))
    with pytest.raises(ImportRejected) as refused:
        import_document(a, from_b, merge=True)
    assert refused.value.problems == [
        "Ada Admin is signed in as admin: importing infusions (1 changed) needs the pharmacist "
        "role",
        "Ada Admin is signed in as admin: importing assessments (1 new) needs the clinician role",
    ]
    a.principal = Principal("ada", "Ada Admin", frozenset({"admin", "pharmacist"}))
    with pytest.raises(ImportRejected) as refused:
        import_document(a, from_b, merge=True)
    assert len(refused.value.problems) == 1
    assert table_counts(a) == before
    a.principal = Principal("ada", "Ada Admin", frozenset({"admin", "pharmacist", "clinician"}))
    result = import_document(a, from_b, merge=True)
    assert (result.records_added, result.records_updated) == (1, 1)


def test_an_administrator_without_clinical_roles_cannot_import_a_new_patient(tmp_path):
    a, _ = site_a(tmp_path)
    empty = Store.open(tmp_path / "empty.db", user="x")
    empty.principal = Principal("ada", "Ada Admin", frozenset({"admin"}))
    before = table_counts(empty)
    with pytest.raises(ImportRejected) as refused:
        import_document(empty, doc(a))
    assert refused.value.problems == [
        "Ada Admin is signed in as admin: importing patients (1 new) needs the clinician role",
        "Ada Admin is signed in as admin: importing regimens (1 new) needs the clinician or "
        "pharmacist role",
        "Ada Admin is signed in as admin: importing infusions (2 new) needs the pharmacist role",
        "Ada Admin is signed in as admin: importing assessments (2 new) needs the clinician role",
    ]
    assert table_counts(empty) == before


def test_a_merge_into_a_patient_deleted_here_is_refused(tmp_path):
    a, uid = site_a(tmp_path)
    first = doc(a)
    a.delete("patients", uid, base_version=1, reason="registered in error")
    before = table_counts(a)
    with pytest.raises(ImportRejected) as refused:
        import_document(a, first, merge=True)
    assert refused.value.problems == [
        f"patients[0] (NHS {NHS}): this patient's record was deleted here (version 2, by site.a "
        'at 21-Nov-2026 10:00: "registered in error"): a merge does not bring it back'
    ]
    assert table_counts(a) == before


def _without_lineage(node):
    if isinstance(node, dict):
        return {k: _without_lineage(v) for k, v in node.items() if k != "lineage"}
    if isinstance(node, list):
        return [_without_lineage(v) for v in node]
    return node
