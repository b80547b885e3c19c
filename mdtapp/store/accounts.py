"""Named accounts inside the database: user names, roles, each password's check (argon2id,
passwords.py) and, for an encrypted database, the account's public key.

Each change is audited. The Store facade checks who may change what and changes the keyring
together with these rows (keys.py); the rules about accounts themselves (valid names, password
strength, always one active administrator) are here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.store import passwords
from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import DuplicateRecord, RecordNotFound, StoreError
from mdtapp.store.models import Account
from mdtapp.store.security import ROLES, password_problem


def _roles_json(roles: Sequence[str]) -> str:
    return json.dumps([r for r in ROLES if r in roles])  # in the one fixed order


def _check_roles(roles: Sequence[str]) -> list[FieldError]:
    if not roles or any(r not in ROLES for r in roles):
        return [FieldError("roles", f"choose from {', '.join(ROLES)}")]
    return []


class Accounts:
    def __init__(self, ctx: Context, audit: AuditTrail):
        self.ctx = ctx
        self.audit = audit

    def all(self) -> list[Account]:
        return [
            self._account(r) for r in self.ctx.db.query("SELECT * FROM users ORDER BY username")
        ]

    def get(self, username: str) -> Account | None:
        rows = list(self.ctx.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return self._account(rows[0]) if rows else None

    @staticmethod
    def _account(row: dict[str, Any]) -> Account:
        return Account(
            row["username"],
            row["display_name"],
            tuple(json.loads(row["roles"])),
            bool(row["active"]),
            bool(row["must_change_password"]),
        )

    def verify_password(self, username: str, password: str) -> bool:
        """One argon2id computation, whether or not the account exists (no clue either way)."""
        rows = list(
            self.ctx.db.query(
                "SELECT password_hash, active FROM users WHERE username = ?", [username]
            )
        )
        if not rows or not rows[0]["active"]:
            passwords.waste_time(password)
            return False
        return passwords.verify(rows[0]["password_hash"], password)

    @staticmethod
    def check_new(username: str, password: str, roles: Sequence[str]) -> None:
        errors = []
        if (
            not username
            or len(username) > 64
            or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
        ):
            errors.append(FieldError("username", "use 1-64 letters, digits, '.', '-' or '_'"))
        problem = password_problem(password, username)
        if problem:
            errors.append(FieldError("password", problem))
        errors.extend(_check_roles(roles))
        if errors:
            raise ValidationError(errors)

    def add(
        self,
        username: str,
        display_name: str,
        roles: Sequence[str],
        password_record: str,
        *,
        public_key: str | None,
        created_by: str,
    ) -> None:
        """A new account (checked with `check_new` first), with its password's stored check
        (passwords.record) and, encrypted, the public key its keyring entry seals to."""
        self.ctx.writing()
        if self.get(username) is not None:
            raise DuplicateRecord(f"There is already a user called {username}")
        now = self.ctx.now_text()
        self.ctx.db.execute(
            "INSERT INTO users (username, display_name, roles, password_hash, public_key, "
            "active, must_change_password, failed_logins, last_failure, created_at, "
            "created_by, updated_at) VALUES (?, ?, ?, ?, ?, 1, 0, 0, NULL, ?, ?, ?)",
            [
                username,
                display_name.strip() or username,
                _roles_json(roles),
                password_record,
                public_key,
                now,
                created_by,
                now,
            ],
        )
        self.audit.add(
            "user-add",
            entity="users",
            entity_uid=username,
            detail=f"{display_name} as {', '.join(roles)}",
        )

    def check_password(self, username: str, new_password: str) -> None:
        problem = password_problem(new_password, username)
        if problem:
            raise ValidationError([FieldError("password", problem)])
        if self.get(username) is None:
            raise RecordNotFound(f"No user called {username}")

    def change_password(
        self, username: str, password_record: str, *, public_key: str | None, own: bool
    ) -> None:
        """A new password (checked with `check_password` first): chosen by the user (`own`),
        or set by an administrator, after which the user must change it."""
        self.ctx.writing()
        self.ctx.db.execute(
            "UPDATE users SET password_hash = ?, public_key = ?, must_change_password = ?, "
            "updated_at = ? WHERE username = ?",
            [password_record, public_key, int(not own), self.ctx.now_text(), username],
        )
        self.audit.add(
            "user-password",
            entity="users",
            entity_uid=username,
            detail="changed by the user" if own else f"set by {self.ctx.user}",
        )

    def check_roles(self, username: str, roles: Sequence[str], *, active: bool) -> None:
        """Valid roles, and never leaving the database without an active administrator."""
        if self.get(username) is None:
            raise RecordNotFound(f"No user called {username}")
        errors = _check_roles(roles)
        if errors:
            raise ValidationError(errors)
        admins = [
            a for a in self.all() if a.active and "admin" in a.roles and a.username != username
        ]
        if not admins and ("admin" not in roles or not active):
            raise StoreError("That would leave no active administrator")

    def change_roles(self, username: str, roles: Sequence[str], *, active: bool) -> None:
        """New roles (checked with `check_roles` first). Disabling an encrypted database's
        account also replaces the database key (Store.set_roles, keys.py)."""
        self.ctx.writing()
        self.ctx.db.execute(
            "UPDATE users SET roles = ?, active = ?, updated_at = ? WHERE username = ?",
            [_roles_json(roles), int(active), self.ctx.now_text(), username],
        )
        self.audit.add(
            "user-roles",
            entity="users",
            entity_uid=username,
            detail=f"{', '.join(roles)}{'' if active else '; account disabled'}",
        )
