"""Errors a person can act on: each names the field and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(ValueError):
    """One or more fields are invalid; nothing was computed or written."""

    def __init__(self, errors: Iterable[FieldError]):
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def prefixed(self, prefix: str) -> ValidationError:
        return ValidationError(FieldError(f"{prefix}{e.field}", e.message) for e in self.errors)


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError(errors)
