from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mdtapp.domain.model import Infusion, Regimen
from mdtapp.store.repository import Store
from mdtapp.ui.app import application
from mdtapp.ui.main_window import MainWindow
from mdtapp.ui.session import Session
from tests.factories import assessment
from tests.store.conftest import jane

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ui.db"


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path, user="nurse", clock=clock)
    yield s
    s.close()


@pytest.fixture
def treated(store: Store) -> str:
    """Jane: baseline 03-Aug-2026, first infusion 05-Aug-2026, 2 g/kg IV 4-weekly."""
    p = store.add_patient(jane())
    store.save("regimens", p.uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    store.save(
        "assessments",
        p.uid,
        assessment(
            date(2026, 8, 3), mrss=20, itch=40, ptga=40, phga=40, papules=20, site="left forearm"
        ),
    )
    store.save("infusions", p.uid, Infusion(date(2026, 8, 5), 25.0, "Privigen", "B1", "iv"))
    return p.uid


@pytest.fixture
def window(qtbot, store: Store):
    application()
    w = MainWindow(Session(store))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


ASK_UNSAVED = MainWindow.ask_unsaved  # the real question, for the tests that answer it


@pytest.fixture(autouse=True)
def closing_keeps_drafts(monkeypatch):
    """Closing a window with unsaved changes asks (a modal question); tests that do not answer
    it themselves keep the draft, as the person who closed it would by default."""
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: "keep")


@pytest.fixture(autouse=True)
def letter_details_never_hang(monkeypatch):
    """The question a letter asks when the letterhead or author is missing is modal: a test that
    does not expect it fails here, naming it, instead of waiting for a click that never comes."""
    from mdtapp.ui.views import letter_details

    def unexpected(dialog) -> bool:
        raise AssertionError(f"the letter asked for {sorted(dialog.fields)}: set them first")

    monkeypatch.setattr(letter_details.LetterDetailsDialog, "exec", unexpected)
