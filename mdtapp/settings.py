"""Local settings (the centre's letterhead, the letter's author, idle lock, backups), kept in the
user's data folder as TOML, never in the install folder. No passwords or patient data here."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

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


def settings_path() -> Path:
    from mdtapp.paths import user_data_dir

    return user_data_dir() / "settings.toml"


def _section(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        return cls()
    known = {f.name for f in fields(cls)}
    values = {k: str(v) for k, v in data.items() if k in known and isinstance(v, str)}
    return cls(**values)


def load_settings(path: Path | None = None) -> Settings:
    """The settings in use; missing keys keep their defaults (a broken file is reported)."""
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot be read ({e}); fix or remove it") from None
    settings = Settings(
        letterhead=_section(Letterhead, data.get("letterhead"), "letterhead"),
        author=_section(Author, data.get("author"), "author"),
    )
    for name, lo, hi in (("idle_lock_minutes", 1, 240), ("daily_backups_kept", 1, 365)):
        value = data.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{path}: {name} must be a whole number {lo}-{hi}; got {value!r}")
            setattr(settings, name, value)
    return settings


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# mdtapp settings (no passwords or patient data belong here)",
        f"idle_lock_minutes = {settings.idle_lock_minutes}",
        f"daily_backups_kept = {settings.daily_backups_kept}",
        "",
    ]
    for section in ("letterhead", "author"):
        lines.append(f"[{section}]")
        for key, value in asdict(getattr(settings, section)).items():
            lines.append(f"{key} = {_toml_string(value)}")
        lines.append("")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, path)
    return path
