"""The centre's settings: the letterhead, the default author of letters, the idle lock and how
many daily backups are kept.

They belong to the record, not to a computer: they are stored in the database (store/centre.py),
changed only by an administrator (`mdtapp settings`, Settings in the app), each change audited.
Every value is checked against the limits below before anything is written, and a message names
the field and the allowed range. A stored value that cannot be used (a damaged file) is read as
its default and named in `Settings.problems`: a letter is never blocked by its settings.

Before this, they were a `settings.toml` in each computer's data folder. An administrator's first
sign-in moves that file's values into the database once (`adopt_legacy_settings`), and renames
the file `settings.toml.imported`; `mdtapp settings --import-file PATH` does the same for any
file. Until then, letters read the old file as before. This computer's own preferences (the
zoom) are preferences.py's.

`centre_settings(store)` is the one function letters, forms and the app call.
"""

from __future__ import annotations

import contextlib
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from mdtapp.store.repository import Store

NOT_SET = "(set the centre's letterhead: mdtapp settings, or Settings in the app)"


@dataclass
class Letterhead:
    centre: str = NOT_SET
    department: str = "Joint Rheumatology and Dermatology MDT"
    address: str = ""
    telephone: str = ""
    email: str = ""

    @property
    def configured(self) -> bool:
        return self.centre != NOT_SET


@dataclass
class Author:
    name: str = ""
    role: str = ""


@dataclass
class Settings:
    letterhead: Letterhead = field(default_factory=Letterhead)
    author: Author = field(default_factory=Author)
    idle_lock_minutes: int = 10
    daily_backups_kept: int = 14
    # what could not be used, each read as its default (shown; a letter asks for what is unset)
    problems: list[str] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class Setting:
    """One centre setting: where it lives in Settings, its label, and what it may be."""

    key: str
    label: str
    option: str  # the `mdtapp settings` option that sets it
    low: int = 0  # whole numbers: the range allowed
    high: int = 0
    max_length: int = 0  # text: the longest allowed
    lines: bool = False  # text: may hold line breaks (the address)

    @property
    def whole(self) -> bool:
        return self.max_length == 0

    @property
    def allowed(self) -> str:
        if self.whole:
            return f"a whole number {self.low}-{self.high}"
        return f"text of at most {self.max_length} characters" + (
            ", one or more lines" if self.lines else ", on one line"
        )


SETTINGS = (
    Setting("letterhead.centre", "Centre", "--centre", max_length=120),
    Setting("letterhead.department", "Department", "--department", max_length=120),
    Setting("letterhead.address", "Address", "--address", max_length=400, lines=True),
    Setting("letterhead.telephone", "Telephone", "--telephone", max_length=40),
    Setting("letterhead.email", "E-mail", "--email", max_length=120),
    Setting("author.name", "Letters signed by", "--author-name", max_length=120),
    Setting("author.role", "Their role", "--author-role", max_length=120),
    Setting("idle_lock_minutes", "Lock the window after", "--idle-lock-minutes", 1, 240),
    Setting("daily_backups_kept", "Daily backups kept", "--daily-backups-kept", 1, 365),
)
BY_KEY = {s.key: s for s in SETTINGS}


def _unprintable(text: str, lines: bool) -> bool:
    """Control characters (a carriage return, a form feed, a NUL...), bidirectional overrides
    and lone surrogates have no place on a letterhead: they corrupt files and letters."""
    for ch in text:
        if ch == "\n" and lines:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u202a\u202b\u202c\u202d\u202e":
            return True
        if "\u2066" <= ch <= "\u2069":
            return True
    return False


def problem(setting: Setting, value: Any) -> str | None:
    """What is wrong with a value for this setting, naming what is allowed; None if fine."""
    if setting.whole:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be {setting.allowed}; got {value!r}"
        if not setting.low <= value <= setting.high:
            return f"must be {setting.allowed}; got {value}"
        return None
    if not isinstance(value, str):
        return f"must be {setting.allowed}; got {value!r}"
    if len(value) > setting.max_length:
        return f"must be {setting.allowed}; got {len(value)}"
    if _unprintable(value, setting.lines):
        return "must not hold control characters (such as a carriage return or a form feed)"
    return None


def check(changes: Mapping[str, Any]) -> list[FieldError]:
    """Every problem with a set of changes, each naming the field as the screen labels it."""
    errors = []
    for key, value in changes.items():
        setting = BY_KEY.get(key)
        if setting is None:
            errors.append(FieldError(key, "is not a centre setting"))
            continue
        found = problem(setting, value)
        if found:
            errors.append(FieldError(setting.label, found))
    return errors


def _get(settings: Settings, key: str) -> Any:
    target: Any = settings
    for part in key.split("."):
        target = getattr(target, part)
    return target


def values_of(settings: Settings) -> dict[str, Any]:
    return {s.key: _get(settings, s.key) for s in SETTINGS}


def from_values(values: Mapping[str, Any], *, source: str = "the database") -> Settings:
    """Settings from stored values: a missing one is its default; one that cannot be used is
    its default too, and named in `problems`."""
    settings = Settings(Letterhead(), Author())
    for setting in SETTINGS:
        if setting.key not in values:
            continue
        value = values[setting.key]
        found = problem(setting, value)
        if found:
            settings.problems.append(
                f"{setting.label} in {source} {found}: the default is used instead"
            )
            continue
        section, _, name = setting.key.rpartition(".")
        target = getattr(settings, section) if section else settings
        setattr(target, name, value)
    return settings


def kept_daily_backups(values: Mapping[str, Any]) -> int:
    """The daily backups to keep, from stored values (Store.daily_backups_kept follows it)."""
    return from_values(values).daily_backups_kept


# ------------------------------------------------------------------ the database


def centre_settings(store: Store) -> Settings:
    """THE settings a letter, a form and the app use: the database's; before an administrator
    has moved this computer's old settings.toml in, that file's (as before)."""
    values = store.centre_values()
    if not values and settings_path().exists():
        legacy = load_settings()
        legacy.problems.insert(
            0,
            f"The centre's settings still come from {settings_path()} on this computer: an "
            "administrator's next sign-in moves them into the database",
        )
        return legacy
    return from_values(values)


def save_centre_settings(store: Store, changes: Mapping[str, Any]) -> list[str]:
    """Check every change (ValidationError naming each field and its allowed range; nothing
    is written), then store them, audited (an administrator only). Returns what changed."""
    errors = check(changes)
    if errors:
        raise ValidationError(errors)
    return store.save_centre_settings(changes)


# ------------------------------------------------------------------ the old per-computer file


def settings_path() -> Path:
    """Where each computer kept the centre's settings before they moved into the database."""
    from mdtapp.paths import user_data_dir

    return user_data_dir() / "settings.toml"


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _read_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as e:
        why = getattr(e, "strerror", None) or str(e)
        return {}, [f"{path} cannot be read ({why}): the defaults are used instead"]
    flat = _flatten(data)
    return {k: v for k, v in flat.items() if k in BY_KEY}, []


def load_settings(path: Path | None = None) -> Settings:
    """The settings in an old per-computer settings.toml (default: this computer's). Never
    raises: a damaged file or value gives the defaults, named in `problems`."""
    path = path or settings_path()
    values, problems = _read_file(path)
    settings = from_values(values, source=str(path))
    settings.problems[:0] = problems
    return settings


def adopt_legacy_settings(store: Store, path: Path | None = None) -> list[str] | None:
    """Move a settings.toml's values into the database (an administrator), once: only while
    the database holds none, unless `path` is given (mdtapp settings --import-file). Returns
    the settings stored, or None if there was nothing to do."""
    explicit = path is not None
    path = path or settings_path()
    if not path.exists() or (not explicit and store.centre_values()):
        return None
    values, problems = _read_file(path)
    if problems and explicit:
        raise ValidationError([FieldError(str(path), problems[0])])
    usable = {k: v for k, v in values.items() if problem(BY_KEY[k], v) is None}
    changed = store.save_centre_settings(usable) if usable else []
    if not explicit:
        with contextlib.suppress(OSError):  # done: kept, renamed, so it is not read again
            path.replace(path.with_name(path.name + ".imported"))
    return changed


def with_changes(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """A copy with some values changed (for showing what would be saved)."""
    values = {**values_of(settings), **changes}
    return replace(from_values(values), problems=list(settings.problems))
