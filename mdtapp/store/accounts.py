"""Named accounts inside the database: user names, roles, password hashes (argon2id).

Each change is audited and, for an encrypted database, re-wraps the database key for that user
in the keyring beside it (the data is never re-encrypted). Who may change what is the Store
facade's to check; the rules about accounts themselves (valid names, password strength, always
one active administrator) are here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import DuplicateRecord, RecordNotFound, StoreError
from mdtapp.store.models import Account
from mdtapp.store.security import ROLES, password_problem

if TYPE_CHECKING:  # argon2 and cryptography load when a password is first used
    from mdtapp.store.keyring import Keyring


def _hash(password: str) -> str:
    from argon2 import PasswordHasher  # loaded when a password is set

    return PasswordHasher().hash(password)


def _roles_json(roles: Sequence[str]) -> str:
    return json.dumps([r for r in ROLES if r in roles])  # in the one fixed order


def _wrap_key(keyring: Keyring | None, username: str, password: str, key: bytes | None) -> None:
    """An encrypted database: its key, wrapped for this user's password, in the keyring."""
    if keyring is not None and key is not None:
        keyring.wrap(username, password, key)
        keyring.save()


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
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        rows = list(
            self.ctx.db.query(
                "SELECT password_hash, active FROM users WHERE username = ?", [username]
            )
        )
        if not rows or not rows[0]["active"]:
            return False
        try:
            return bool(PasswordHasher().verify(rows[0]["password_hash"], password))
        except (VerificationError, InvalidHashError):
            return False

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
        password: str,
        *,
        created_by: str,
        keyring: Keyring | None,
        key: bytes | None,
    ) -> None:
        """A new account (checked with `check_new` first); for an encrypted database, the
        key wrapped for it in the keyring."""
        self.ctx.writing()
        if self.get(username) is not None:
            raise DuplicateRecord(f"There is already a user called {username}")
        now = self.ctx.now_text()
        self.ctx.db.execute(
            "INSERT INTO users (username, display_name, roles, password_hash, active, "
            "must_change_password, failed_logins, last_failure, created_at, created_by, "
            "updated_at) VALUES (?, ?, ?, ?, 1, 0, 0, NULL, ?, ?, ?)",
            [
                username,
                display_name.strip() or username,
                _roles_json(roles),
                _hash(password),
                now,
                created_by,
                now,
            ],
        )
        _wrap_key(keyring, username, password, key)
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
        self,
        username: str,
        new_password: str,
        *,
        own: bool,
        keyring: Keyring | None,
        key: bytes | None,
    ) -> None:
        """A new password (checked with `check_password` first): chosen by the user (`own`),
        or set by an administrator, after which the user must change it."""
        self.ctx.writing()
        self.ctx.db.execute(
            "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? "
            "WHERE username = ?",
            [_hash(new_password), int(not own), self.ctx.now_text(), username],
        )
        _wrap_key(keyring, username, new_password, key)
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

    def change_roles(
        self, username: str, roles: Sequence[str], *, active: bool, keyring: Keyring | None
    ) -> None:
        """New roles (checked with `check_roles` first); a disabled account loses its key."""
        self.ctx.writing()
        self.ctx.db.execute(
            "UPDATE users SET roles = ?, active = ?, updated_at = ? WHERE username = ?",
            [_roles_json(roles), int(active), self.ctx.now_text(), username],
        )
        if not active and keyring is not None:
            keyring.remove(username)
            keyring.save()
        self.audit.add(
            "user-roles",
            entity="users",
            entity_uid=username,
            detail=f"{', '.join(roles)}{'' if active else '; account disabled'}",
        )
