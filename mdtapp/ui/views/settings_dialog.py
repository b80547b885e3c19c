"""Settings: the centre's letterhead, the default author of letters, the idle lock and the
daily backups kept. Kept in the database, changed by an administrator, each change audited."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.errors import ValidationError
from mdtapp.settings import BY_KEY, NOT_SET, centre_settings, save_centre_settings, values_of
from mdtapp.store.errors import StoreError
from mdtapp.ui.session import Session


class SettingsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.settings = centre_settings(session.store)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        lh, author = self.settings.letterhead, self.settings.author
        self.centre = QLineEdit("" if lh.centre == NOT_SET else lh.centre)
        self.department = QLineEdit(lh.department)
        self.address = QPlainTextEdit(lh.address)
        self.address.setFixedHeight(70)
        self.address.setTabChangesFocus(True)
        self.telephone = QLineEdit(lh.telephone)
        self.email = QLineEdit(lh.email)
        self.author_name = QLineEdit(author.name)
        self.author_role = QLineEdit(author.role)
        self.idle = self._spin("idle_lock_minutes", " minutes", self.settings.idle_lock_minutes)
        self.kept = self._spin("daily_backups_kept", "", self.settings.daily_backups_kept)
        self.fields: dict[str, Any] = {
            "letterhead.centre": self.centre,
            "letterhead.department": self.department,
            "letterhead.address": self.address,
            "letterhead.telephone": self.telephone,
            "letterhead.email": self.email,
            "author.name": self.author_name,
            "author.role": self.author_role,
            "idle_lock_minutes": self.idle,
            "daily_backups_kept": self.kept,
        }
        for name, widget in (
            ("settingsCentre", self.centre),
            ("settingsDepartment", self.department),
            ("settingsAddress", self.address),
            ("settingsTelephone", self.telephone),
            ("settingsEmail", self.email),
            ("settingsAuthor", self.author_name),
            ("settingsRole", self.author_role),
            ("settingsIdle", self.idle),
            ("settingsKept", self.kept),
        ):
            widget.setObjectName(name)
        for key, widget in self.fields.items():
            form.addRow(BY_KEY[key].label, widget)
        heading = QLabel(
            "<b>The centre's settings</b>: the letterhead printed on every clinic letter, "
            "for every computer that opens this database"
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        layout.addLayout(form)
        self.message = QLabel("\n".join(self.settings.problems))
        self.message.setObjectName("settingsMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if not session.store.can("admin"):
            for widget in self.fields.values():
                widget.setEnabled(False)
            buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            self.message.setText("Only an administrator changes the centre's settings.")

    @staticmethod
    def _spin(key: str, suffix: str, value: int) -> QSpinBox:
        setting = BY_KEY[key]
        spin = QSpinBox()
        spin.setRange(setting.low, setting.high)
        spin.setSuffix(suffix)
        spin.setValue(value)
        return spin

    def changes(self) -> dict[str, Any]:
        """What the fields say, as the settings' keys and values."""
        found: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QSpinBox):
                found[key] = widget.value()
            elif isinstance(widget, QPlainTextEdit):
                found[key] = widget.toPlainText().strip()
            else:
                found[key] = widget.text().strip()
        found["letterhead.centre"] = found["letterhead.centre"] or NOT_SET
        held = values_of(self.settings)
        return {k: v for k, v in found.items() if held.get(k) != v}

    def save(self) -> bool:
        try:
            save_centre_settings(self.session.store, self.changes())
        except ValidationError as e:
            self.message.setText("Not saved: " + "; ".join(str(err) for err in e.errors))
            return False
        except StoreError as e:
            self.message.setText(f"Not saved: {e}")
            return False
        self.accept()
        return True
