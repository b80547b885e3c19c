"""What every view shares: the open store, the user, the forms, and change notifications."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject, Signal

from mdtapp.domain.forms import Forms
from mdtapp.store.repository import Store


class Session(QObject):
    patient_saved = Signal(str)  # a record of this patient changed (patient uid)
    patients_changed = Signal()  # the list of patients changed

    def __init__(self, store: Store, *, plaintext: bool = True):
        super().__init__()
        self.store = store
        self.plaintext = plaintext

    @property
    def forms(self) -> Forms:
        return self.store.forms

    @property
    def user(self) -> str:
        return self.store.user

    def today(self) -> date:
        return self.store.today()

    def notify_saved(self, patient_uid: str) -> None:
        self.patient_saved.emit(patient_uid)
        self.patients_changed.emit()
