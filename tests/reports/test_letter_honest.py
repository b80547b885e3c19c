"""Letters never print what a person would have to cross out (domain.md section 7, issue
15.7): DRAFT on every page until the assessment and its decision are signed; a person's name
and role, never a login name; never a placeholder letterhead (what is missing is asked for, and
the command refuses, naming the setting); one full stop where parts meet."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from mdtapp.cli import main
from mdtapp.domain.model import Decision, Eligibility, Infusion, Regimen, SpecialtyAgreement
from mdtapp.reports.service import LetterNotReady, letter_settings, produce_letter
from mdtapp.settings import Author, Letterhead, Settings
from mdtapp.store import access
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.reports.conftest import pages_text, store_settings
from tests.store.conftest import fixed_clock, jane

PW = "cons1-long-passphrase"
ANN_PW = "ann-long-passphrase"
LETTERHEAD_ONLY = Settings(Letterhead("Test Hospital", "Joint MDT", "1 Road\nTown"), Author())


@pytest.fixture
def clinic(tmp_path):
    """cons1, the first administrator, named only by the login; Dr Ann Smith, a clinician;
    Jane treated, assessed at 3 months on 05-Nov-2026 with a stop decision that day."""
    created = access.create_database(
        tmp_path / "c.db",
        username="cons1",
        display_name="",
        password=PW,
        plaintext=True,
        clock=fixed_clock,
    )
    store = created.store
    store.add_account("ann", "Dr Ann Smith", ["clinician"], ANN_PW)
    setup = Store(store.db, user="setup", clock=fixed_clock)  # every role, for the records
    uid = setup.add_patient(jane()).uid
    setup.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    setup.save("assessments", uid, assessment(date(2026, 8, 3), mrss=20, itch=40))
    setup.save("infusions", uid, Infusion(date(2026, 8, 5), 25.0, "Privigen", "B1", "iv"))
    setup.save("assessments", uid, assessment(date(2026, 11, 5), mrss=27, itch=65))
    setup.save(
        "decisions",
        uid,
        Decision(date(2026, 11, 5), "stop", "Worse skin and itch.", ("Dr B Derm", "Dr A Rheum.")),
    )
    ann = Store(store.db, user=store.account("ann").principal, clock=fixed_clock)
    yield store, ann, uid
    store.close()


def _text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def test_unsigned_records_make_every_page_say_draft(clinic):
    _, ann, uid = clinic
    pdf = produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf
    pages = pages_text(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert (
            "DRAFT: the assessment of 05-Nov-2026 and the MDT decision of 05-Nov-2026 not yet "
            "signed" in page
        )
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "DRAFT MDT letter 05-Nov-2026"
    assert "(DRAFT: not signed)" in ann.audit_entries(patient_uid=uid, limit=1)[0].detail


def test_signing_the_assessment_then_the_decision_removes_the_draft(clinic):
    _, ann, uid = clinic
    file = ann.load(uid)
    now, decision = file.assessments[-1], file.decisions[-1]
    ann.sign("assessments", now.uid, now.version, ANN_PW)
    for page in pages_text(produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf):
        assert "DRAFT: the MDT decision of 05-Nov-2026 not yet signed" in page
    ann.sign("decisions", decision.uid, decision.version, ANN_PW)
    pdf = produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf
    text = _text(pdf)
    assert "DRAFT" not in text
    assert not PdfReader(io.BytesIO(pdf)).metadata.title.startswith("DRAFT")
    assert (
        "Assessment electronically signed by Dr Ann Smith (clinician) on 21-Nov-2026 10:00." in text
    )
    assert "MDT decision electronically signed by Dr Ann Smith (clinician) on 21-Nov-2026" in text
    # an amendment is a new version, not signed: a draft again
    ann.save(
        "assessments",
        uid,
        assessment(date(2026, 11, 5), mrss=27, itch=60),
        uid=now.uid,
        base_version=now.version,
        reason="itch re-measured",
    )
    assert "DRAFT: the assessment of 05-Nov-2026 not yet signed" in _text(
        produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf
    )


def test_the_letter_is_black_and_white_draft_mark_included(clinic):
    _, ann, uid = clinic
    reader = PdfReader(io.BytesIO(produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf))
    colours = []
    for page in reader.pages:
        data = page.get_contents().get_data().decode("latin-1")
        colours += re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b", data)
        assert not re.search(r"\b(?:k|K)\b", data)  # no CMYK either
    assert colours and all(r == g == b for r, g, b in colours)


def test_the_signed_in_account_is_named_with_its_role_never_by_its_login(clinic):
    _, ann, uid = clinic
    text = _text(produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf)
    assert "Person completing the record Dr Ann Smith, clinician" in text
    assert not re.search(r"\bann\b", text)


def test_a_login_name_is_never_printed_where_a_persons_name_belongs(clinic):
    store, _, uid = clinic  # signed in as cons1: the account has no name but its login
    assert letter_settings(store, settings=LETTERHEAD_ONLY).author.role == "clinician"
    before = len(store.audit_entries(patient_uid=uid))
    with pytest.raises(LetterNotReady) as refused:
        produce_letter(store, uid, settings=LETTERHEAD_ONLY)
    assert [m.key for m in refused.value.missing] == ["author.name"]
    assert len(store.audit_entries(patient_uid=uid)) == before  # nothing produced
    given = Author("Dr C Cons", "Consultant rheumatologist")
    text = _text(produce_letter(store, uid, settings=LETTERHEAD_ONLY, author=given).pdf)
    assert "Person completing the record Dr C Cons, Consultant rheumatologist" in text
    assert "cons1" not in text


def test_a_missing_letterhead_or_role_is_asked_for_never_printed(clinic):
    from mdtapp.reports.letter import LetterRequest, build_letter

    store, _, uid = clinic
    with pytest.raises(LetterNotReady) as refused:
        produce_letter(store, uid, settings=Settings(), author=Author("Dr C Cons"))
    assert [m.key for m in refused.value.missing] == ["letterhead.centre", "author.role"]
    assert "mdtapp settings --centre NAME" in str(refused.value)
    # the letter itself refuses a request made without them
    file = store.load(uid)
    request = LetterRequest(
        file.record,
        date(2026, 11, 5),
        store.forms,
        date(2026, 11, 21),
        fixed_clock(),
        Letterhead(),
        Author("Dr C Cons", ""),
    )
    with pytest.raises(ValueError, match="the centre's letterhead and the author's role"):
        build_letter(request)
    # typed for this letter (as the app asks): used, and no placeholder anywhere
    text = _text(
        produce_letter(
            store,
            uid,
            settings=Settings(),
            author=Author("Dr C Cons", "Consultant rheumatologist"),
            letterhead=Letterhead("Royal Example Hospital"),
        ).pdf
    )
    assert "Royal Example Hospital" in text and "(set the centre" not in text


def test_the_letter_command_refuses_naming_each_setting(clinic, tmp_path, monkeypatch, capsys):
    store, _, _ = clinic
    path = store.path
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MDTAPP_USER", "cons1")
    monkeypatch.setenv("MDTAPP_PASSWORD", PW)
    out = tmp_path / "letter.pdf"
    args = ["letter", "--db", str(path), "--nhs-number", "9434765919", "--out", str(out)]
    assert main(args) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "mdtapp: letter not written: the centre's letterhead is not set: mdtapp settings "
        "--centre NAME (an administrator; or Settings in the app)",
        "mdtapp: letter not written: the letter's author has no name: give --author NAME, or "
        "set the default author with mdtapp settings --author-name NAME",
    ]
    assert not out.exists()
    store_settings(store, LETTERHEAD_ONLY)
    assert main([*args, "--author", "Dr C Cons", "--role", "Consultant rheumatologist"]) == 0
    text = _text(out.read_bytes())
    assert "Dr C Cons, Consultant rheumatologist" in text and "cons1" not in text


def test_parts_that_bring_their_own_full_stop_never_make_two(clinic):
    _, ann, uid = clinic
    # no biopsy: the eligibility note ends "... so the other 3 must be met." before the
    # specialties; the decision's reason and a clinician's name end with a full stop too
    ann.save(
        "eligibility",
        uid,
        Eligibility(
            {
                "papular_sclerodermoid_eruption": "yes",
                "monoclonal_gammopathy": "yes",
                "no_thyroid_disease": "yes",
                "histological_triad": "unknown",
            },
            SpecialtyAgreement("Dr A Rheum", date(2026, 7, 1)),
            SpecialtyAgreement("Dr B Derm", date(2026, 7, 1)),
        ),
    )
    text = _text(produce_letter(ann, uid, settings=LETTERHEAD_ONLY).pdf)
    assert "so the other 3 must be met. Rheumatology: Dr A Rheum, 01-Jul-2026;" in text
    assert "with Dr B Derm; Dr A Rheum. Diagnoses" in text
    assert "Stop immunoglobulin. Reason: Worse skin and itch. " in text
    assert ".." not in text


def test_a_signature_by_an_account_with_no_name_says_so_never_its_login(clinic):
    """cons1 has no name on record: its signature is printed as that, never as 'cons1'."""
    store, _, uid = clinic
    file = store.load(uid)
    now = file.assessments[-1]
    store.sign("assessments", now.uid, now.version, PW)
    given = Author("Dr C Cons", "Consultant rheumatologist")
    text = _text(produce_letter(store, uid, settings=LETTERHEAD_ONLY, author=given).pdf)
    assert "Assessment electronically signed (clinician" in text
    assert "by an account with no name on record" in text
    assert "cons1" not in text
