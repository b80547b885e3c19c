"""Property tests of merging (issue 14.2): two sites start from one file, each changes records
(often to the same values, and back again), then B's file is merged into A. Whatever the
histories: a refused merge changes nothing; an accepted one loses no update of either site; it
is refused only when a record was changed at both sites without either seeing the other's
version; and merging the same file again changes nothing."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdtapp.domain.model import Infusion
from mdtapp.store.interchange import ImportRejected, dumps, export_document, import_document
from mdtapp.store.repository import Store
from tests.store.conftest import fixed_clock, jane

RECORDS = 3
BATCHES = ("B1", "B2", "B3")
FIRST = date(2026, 8, 1)

# (site, record index or None for a new record, batch)
changes = st.lists(
    st.tuples(
        st.sampled_from("AB"),
        st.one_of(st.none(), st.integers(0, RECORDS - 1)),
        st.sampled_from(BATCHES),
    ),
    max_size=8,
)


def _batches(store: Store, uid: str) -> dict[str, str]:
    return {s.uid: s.value.batch for s in store.load(uid).infusions}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=changes)
def test_a_merge_loses_no_update_and_refuses_only_true_conflicts(steps):
    folder = Path(tempfile.mkdtemp())
    a = Store.open(folder / "a.db", user="site.a", clock=fixed_clock)
    uid = a.add_patient(jane()).uid
    for i in range(RECORDS):
        a.save("infusions", uid, Infusion(FIRST + timedelta(days=i), 25.0, "P", "B1", "iv"))
    b = Store.open(folder / "b.db", user="site.b", clock=fixed_clock)
    import_document(b, json.loads(dumps(export_document(a))))
    sites = {"A": a, "B": b}
    # every content each record has had at each site, in order (B starts from A's file)
    seen = {name: {r: ["B1"] for r in _batches(a, uid)} for name in sites}
    new_days = iter(range(10, 40))
    for site, index, batch in steps:
        store = sites[site]
        if index is None:
            day = FIRST + timedelta(days=next(new_days))
            saved = store.save("infusions", uid, Infusion(day, 25.0, "P", batch, "iv"))
            seen[site][saved.uid] = [batch]
            continue
        record = store.load(uid).infusions[index]
        store.save(
            "infusions",
            uid,
            dataclasses.replace(record.value, batch=batch),
            uid=record.uid,
            base_version=record.version,
        )
        if seen[site][record.uid][-1] != batch:
            seen[site][record.uid].append(batch)

    held, theirs = _batches(a, uid), _batches(b, uid)
    before = dumps(export_document(a))
    from_b = json.loads(dumps(export_document(b)))
    common = set(held) & set(theirs)
    true_conflicts = {
        r
        for r in common
        if held[r] != theirs[r] and held[r] not in seen["B"][r] and theirs[r] not in seen["A"][r]
    }
    try:
        import_document(a, from_b, merge=True)
    except ImportRejected as refused:
        event("refused: a true conflict")
        assert dumps(export_document(a)) == before  # refused: nothing changed
        assert true_conflicts, refused.problems  # and only for a real conflict
        assert len(refused.problems) == len(true_conflicts)
        return
    assert not true_conflicts
    after = _batches(a, uid)
    event(f"accepted: {sum(after[r] != held[r] for r in common)} record(s) changed by it")
    for r in common:
        assert after[r] in (held[r], theirs[r])
        if after[r] != held[r]:
            assert held[r] in seen["B"][r]  # B's version was made from A's: nothing lost
        if after[r] != theirs[r]:
            assert theirs[r] in seen["A"][r]  # A had B's content already: nothing ignored
    for r in set(theirs) - set(held):
        assert after[r] == theirs[r]  # B's new records arrive
    for r in set(held) - set(theirs):
        assert after[r] == held[r]  # A's own new records stay
    settled = dumps(export_document(a))
    again = import_document(a, from_b, merge=True)
    assert (again.records_added, again.records_updated) == (0, 0)
    assert dumps(export_document(a)) == settled
    a.close()
    b.close()
