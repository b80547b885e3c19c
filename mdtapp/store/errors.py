"""Store errors: each carries a message a person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """A known, explainable problem with the database (not a bug)."""


class NotAnMdtappDatabase(StoreError):
    pass


class NewerDatabase(StoreError):
    pass


class CorruptDatabase(StoreError):
    pass


class WrongKey(StoreError):
    pass


class ConcurrentEditError(StoreError):
    """Someone else saved the record after it was opened; nothing was written."""


class RecordNotFound(StoreError):
    pass


class DuplicateRecord(StoreError):
    pass


class ReadOnlyDatabase(StoreError):
    pass


class PermissionDenied(StoreError):
    pass


class SignedRecordError(StoreError):
    """A signed record cannot change except by an amendment with a reason."""
