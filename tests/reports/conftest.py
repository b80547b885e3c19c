from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from mdtapp.domain.model import Decision, Infusion, OrganStatus, Regimen
from mdtapp.settings import Author, Letterhead, Settings
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane

SETTINGS = Settings(
    Letterhead("Test Hospital", "Joint MDT", "1 Road\nTown", "0123", "a@b"),
    Author("Dr B Derm", "Consultant dermatologist"),
)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of white space folded to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "r.db", user="tester", clock=fixed_clock)
    yield s
    s.close()


@pytest.fixture
def jane_treated(store) -> str:
    """Jane (165 cm, 70 kg: the dose worked example): baseline, infusions, a worse 3 months."""
    p = store.add_patient(jane())
    store.save("regimens", p.uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    store.save(
        "assessments",
        p.uid,
        assessment(date(2026, 8, 3), mrss=20, itch=40, ptga=40, phga=40, papules=20),
    )
    for day, grams in enumerate((25, 25, 25, 25, 20)):
        store.save(
            "infusions",
            p.uid,
            Infusion(date(2026, 8, 5 + day), float(grams), "Privigen", f"PRV{day}", "iv"),
        )
    store.save("infusions", p.uid, Infusion(date(2026, 9, 2), 25.0, "Privigen", "PRV9", "iv"))
    store.save(
        "assessments",
        p.uid,
        assessment(
            date(2026, 11, 5),
            mrss=27,
            itch=65,
            ptga=40,
            phga=40,
            papules=20,
            systemic={"renal": OrganStatus(True, True)},
        ),
    )
    store.save(
        "decisions",
        p.uid,
        Decision(
            date(2026, 11, 5),
            "stop",
            "Worse skin and itch; renal progression.",
            ("Dr B Derm", "Dr A Rheum"),
            date(2027, 2, 5),
            actions_gp="Please stop repeat prescriptions.",
            actions_local_centre="Cancel the booked December course.",
            actions_patient="We will see you in February.",
        ),
    )
    return p.uid


def store_settings(store, settings) -> None:
    """The centre's settings stored in the database, as an administrator would (Settings)."""
    from dataclasses import asdict

    from mdtapp.settings import save_centre_settings
    from mdtapp.store.repository import Store
    from mdtapp.store.security import maintenance

    admin = Store(store.db, user=maintenance("test-admin"), clock=store.clock)
    changes = {f"letterhead.{k}": v for k, v in asdict(settings.letterhead).items() if v}
    changes.update({f"author.{k}": v for k, v in asdict(settings.author).items() if v})
    save_centre_settings(admin, changes)
