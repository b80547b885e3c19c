"""Who may do what: roles, the permissions they carry, and the signed-in principal."""

from __future__ import annotations

from dataclasses import dataclass

from mdtapp.store.errors import PermissionDenied

ROLES = ("clinician", "pharmacist", "viewer", "admin")
ROLE_LABELS = {
    "clinician": "clinician (assess, decide, sign, dose plans awaiting verification)",
    "pharmacist": "pharmacist (dose plans and their verification, infusions)",
    "viewer": "viewer (read, letters)",
    "admin": "administrator (users, settings)",
}

# what each record kind's writes need; reading, letters, forms and the audit return need
# only a signed-in account
WRITE = {
    "patients": "clinician",
    "eligibility": "clinician",
    "assessments": "clinician",
    "decisions": "clinician",
    "admissions": "clinician",
    "meetings": "clinician",
    # a dose plan saved by a clinician awaits an Ig pharmacist's verification (issue 17)
    "regimens": "clinician or pharmacist",
    "infusions": "pharmacist",
}
ACTIONS = {
    "sign": "clinician",
    "photo": "clinician",
    "users": "admin",
    "settings": "admin",
    "import": "admin",
    "export": "admin",
    "restore": "admin",
    "demo": "admin",
}
SIGNABLE = ("assessments", "decisions")
# the role each signable kind's signature needs: a clinician signs an assessment or a
# decision; an Ig pharmacist verifies a dose plan (a regimen's version), domain.md section 6a
SIGN_ROLES = {"assessments": "clinician", "decisions": "clinician", "regimens": "pharmacist"}
VERIFIED = "verified by the Ig pharmacist"
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        """`role`, or one of "clinician or pharmacist"."""
        return any(r in self.roles for r in role.split(" or "))

    @property
    def roles_text(self) -> str:
        return ", ".join(r for r in ROLES if r in self.roles)


def authorise(principal: Principal, role: str, what: str) -> None:
    """Refuse, with who and what is needed, unless the signed-in account has the role."""
    if not principal.has(role):
        raise PermissionDenied(
            f"{principal.display_name} is signed in as {principal.roles_text or 'no role'}: "
            f"{what} needs the {role} role"
        )


def maintenance(username: str) -> Principal:
    """Direct access without an account (tests, maintenance scripts): every role."""
    return Principal(username, username, frozenset(ROLES))


def password_problem(password: str, username: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters (a passphrase is easiest)"
    if password.strip().casefold() == username.strip().casefold():
        return "must not be the same as the user name"
    return None
