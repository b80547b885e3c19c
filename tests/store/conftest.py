from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mdtapp.domain.model import GP, Patient
from mdtapp.store.repository import Store

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 21)


def fixed_clock() -> datetime:
    return NOW


def jane(**kw) -> Patient:
    args = dict(
        nhs_number="9434765919",
        family_name="Smith",
        given_names="Jane",
        date_of_birth=date(1970, 1, 2),
        sex="female",
        hospital_number="H123456",
        height_cm=165.0,
        address="1 High St",
        gp=GP("Dr Who", "Surgery", "2 Low St"),
    )
    args.update(kw)
    return Patient(**args)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mdtapp.db"


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path, user="tester", clock=fixed_clock)
    yield s
    s.close()


def table_counts(store: Store) -> dict[str, int]:
    """Every table's row count: the fingerprint of 'nothing was written'."""
    names = [
        r["name"]
        for r in store.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: store.db.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}


@pytest.fixture
def read_only(monkeypatch):
    """`read_only(path)`: from then on every connection to that file is read-only (as if its
    permissions said so: root, which tests may run as, ignores file modes)."""
    from mdtapp.store import connection

    real = connection.dbapi.connect

    def make(path: Path) -> None:
        def connect(target, *args, **kwargs):
            if str(target) == str(path):
                return real(f"file:{target}?mode=ro", *args, uri=True, **kwargs)
            return real(target, *args, **kwargs)

        monkeypatch.setattr(connection.dbapi, "connect", connect)

    return make
