"""What every part of the store shares: the open database, who is acting, the clock, the forms.

The parts (records, audit, drafts, photos, signatures, accounts, summaries) write only inside
a transaction their caller opened: the Store facade opens one per user action, so an action is
all or nothing however many parts it touches.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from mdtapp.domain.forms import Forms
from mdtapp.store.security import Principal
from mdtapp.store.sqlite import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say something honest
        return "unknown-os-user"


@dataclass
class Context:
    db: Database
    principal: Principal  # the signed-in account: replaced when someone else signs in
    forms: Forms
    clock: Callable[[], datetime] = utc_now

    @property
    def user(self) -> str:
        """Who every saved version and audit entry is attributed to: the signed-in account."""
        return self.principal.username

    def now_text(self) -> str:
        return self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def today(self) -> date:
        """The clinician's calendar date (local time)."""
        return self.clock().astimezone().date()

    def writing(self) -> None:
        """Guard for every write: it must be inside the caller's transaction."""
        if not self.db.conn.in_transaction:
            raise RuntimeError("a store write outside a transaction (a bug)")
