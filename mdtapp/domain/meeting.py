"""The MDT meeting (domain.md section 6a): attendees, the quorum for a joint decision, the
agenda. Pure Python: the rules come from forms/meeting.toml (MeetingRules), read once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from mdtapp.domain.errors import FieldError

VIRTUAL = "virtual"
TIME_FORMAT = "HH:MM"


@dataclass(frozen=True)
class MeetingRole:
    key: str
    label: str
    specialty: str
    account_role: str | None  # the account role that confirms in place, if any


@dataclass(frozen=True)
class QuorumNeed:
    role: str
    at_least: int


@dataclass(frozen=True)
class AgendaStatus:
    key: str
    label: str


@dataclass(frozen=True)
class MeetingRules:
    """forms/meeting.toml."""

    quorum_label: str
    quorum: tuple[QuorumNeed, ...]
    roles: tuple[MeetingRole, ...]
    statuses: tuple[AgendaStatus, ...]

    def role(self, key: str) -> MeetingRole | None:
        return next((r for r in self.roles if r.key == key), None)

    def role_label(self, key: str) -> str:
        role = self.role(key)
        return role.label if role else key

    def status_label(self, key: str) -> str:
        return next((s.label for s in self.statuses if s.key == key), key)

    def quorum_needs(self) -> str:
        """What the quorum needs: "at least 1 consultant rheumatologist, at least 1 …"."""
        return ", ".join(
            f"at least {n.at_least} {self.role_label(n.role).lower()}" for n in self.quorum
        )

    def quorum_text(self) -> str:
        """The rule as a sentence, for the screen, the PDFs and `mdtapp meeting`."""
        return f"{self.quorum_label}: {self.quorum_needs()} present"


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str  # a key of MeetingRules.roles
    specialty: str = ""
    username: str | None = None  # picked from the accounts, or None when typed
    present: bool = True  # people arrive late and leave early


@dataclass(frozen=True)
class AgendaItem:
    patient_uid: str
    source: str  # due | referral | added
    reason: str  # why it is on the agenda ("6-month review overdue since 02-Mar-2026")
    status: str = "to_discuss"


AGENDA_SOURCES = ("due", "referral", "added")


@dataclass(frozen=True)
class Meeting:
    date: date
    time: str  # "14:00"
    place: str  # a room, or "virtual"
    chair: str
    attendees: tuple[Attendee, ...] = ()
    agenda: tuple[AgendaItem, ...] = ()

    def present(self) -> tuple[Attendee, ...]:
        return tuple(a for a in self.attendees if a.present)

    def item(self, patient_uid: str) -> AgendaItem | None:
        return next((i for i in self.agenda if i.patient_uid == patient_uid), None)

    def with_status(self, patient_uid: str, status: str) -> Meeting:
        return replace(
            self,
            agenda=tuple(
                replace(i, status=status) if i.patient_uid == patient_uid else i
                for i in self.agenda
            ),
        )

    def moved(self, index: int, by: int) -> Meeting:
        """The agenda with item `index` moved up (by < 0) or down (by > 0), within bounds."""
        items = list(self.agenda)
        to = max(0, min(len(items) - 1, index + by))
        if not items or to == index:
            return self
        items.insert(to, items.pop(index))
        return replace(self, agenda=tuple(items))


@dataclass(frozen=True)
class QuorumLine:
    role: str
    label: str
    needed: int
    present: int

    @property
    def met(self) -> bool:
        return self.present >= self.needed

    def __str__(self) -> str:
        state = "met" if self.met else "NOT met"
        return f"{self.label}: {self.present} present, at least {self.needed} needed ({state})"


@dataclass(frozen=True)
class Quorum:
    """Whether the people present make a decision joint, with how that was reached."""

    quorate: bool
    lines: tuple[QuorumLine, ...]
    rule: str

    @property
    def verdict(self) -> str:
        return (
            "Quorate: a decision now is joint"
            if self.quorate
            else ("NOT quorate: a decision now is recorded as not joint")
        )

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(line.label for line in self.lines if not line.met)

    def text(self) -> str:
        return "; ".join([self.verdict, *(str(line) for line in self.lines)])


def quorum(attendees: tuple[Attendee, ...], rules: MeetingRules) -> Quorum:
    """The quorum among the attendees marked present (forms/meeting.toml [quorum])."""
    present = [a for a in attendees if a.present]
    lines = tuple(
        QuorumLine(
            need.role,
            rules.role_label(need.role),
            need.at_least,
            sum(1 for a in present if a.role == need.role),
        )
        for need in rules.quorum
    )
    return Quorum(all(line.met for line in lines), lines, rules.quorum_text())


def joint_text(joint: bool | None) -> str:
    if joint is None:
        return "not taken in a meeting"
    return "joint (rheumatology and dermatology present)" if joint else "NOT joint"


def attendee_text(a: Attendee, rules: MeetingRules) -> str:
    return f"{a.name} ({rules.role_label(a.role)})"


def place_text(place: str) -> str:
    return "virtual meeting" if place.strip().casefold() == VIRTUAL else place


def _time_ok(value: str) -> bool:
    if len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        return False
    return int(value[:2]) < 24 and int(value[3:]) < 60


def validate_meeting(meeting: Meeting, rules: MeetingRules) -> list[FieldError]:
    """Each problem names its field: an attendee with no role, a patient twice on the agenda..."""
    from mdtapp.domain.model import TEXT_MAX, text_problem

    errors: list[FieldError] = []

    def line(name: str, value: str, *, required: bool) -> None:
        if required and not value.strip():
            errors.append(FieldError(name, "is required"))
        elif len(value) > TEXT_MAX:
            errors.append(
                FieldError(name, f"must be at most {TEXT_MAX} characters; got {len(value)}")
            )
        elif problem := text_problem(value):
            errors.append(FieldError(name, problem))

    if not _time_ok(meeting.time):
        errors.append(
            FieldError("time", f"must be a time {TIME_FORMAT} (00:00-23:59); got {meeting.time!r}")
        )
    line("place", meeting.place, required=True)
    line("chair", meeting.chair, required=False)
    keys = [r.key for r in rules.roles]
    for i, a in enumerate(meeting.attendees):
        line(f"attendees[{i}].name", a.name, required=True)
        line(f"attendees[{i}].specialty", a.specialty, required=False)
        if not a.role:
            errors.append(
                FieldError(f"attendees[{i}].role", f"is required: one of {', '.join(keys)}")
            )
        elif a.role not in keys:
            errors.append(
                FieldError(
                    f"attendees[{i}].role", f"must be one of {', '.join(keys)}; got {a.role!r}"
                )
            )
    names = [a.name.strip().casefold() for a in meeting.attendees]
    for i, name in enumerate(names):
        if name and name in names[:i]:
            errors.append(
                FieldError(
                    f"attendees[{i}].name", f"{meeting.attendees[i].name!r} is already an attendee"
                )
            )
    statuses = [s.key for s in rules.statuses]
    seen: set[str] = set()
    for i, item in enumerate(meeting.agenda):
        if item.patient_uid in seen:
            errors.append(
                FieldError(
                    f"agenda[{i}].patient",
                    "is already on this meeting's agenda: a patient is on it once",
                )
            )
        seen.add(item.patient_uid)
        if item.source not in AGENDA_SOURCES:
            errors.append(
                FieldError(
                    f"agenda[{i}].source",
                    f"must be one of {', '.join(AGENDA_SOURCES)}; got {item.source!r}",
                )
            )
        if item.status not in statuses:
            errors.append(
                FieldError(
                    f"agenda[{i}].status",
                    f"must be one of {', '.join(statuses)}; got {item.status!r}",
                )
            )
        line(f"agenda[{i}].reason", item.reason, required=False)
    return errors
