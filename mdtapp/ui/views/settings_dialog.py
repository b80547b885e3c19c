"""Settings: the centre's letterhead and the default author of letters."""

from __future__ import annotations

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

from mdtapp.settings import NOT_SET, Settings, load_settings, save_settings


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        try:
            self.settings = load_settings()
            problem = ""
        except ValueError as e:
            self.settings, problem = Settings(), str(e)
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
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" minutes")
        self.idle.setValue(self.settings.idle_lock_minutes)
        for name, widget in (
            ("settingsCentre", self.centre),
            ("settingsDepartment", self.department),
            ("settingsAddress", self.address),
            ("settingsTelephone", self.telephone),
            ("settingsEmail", self.email),
            ("settingsAuthor", self.author_name),
            ("settingsRole", self.author_role),
            ("settingsIdle", self.idle),
        ):
            widget.setObjectName(name)
        form.addRow("Centre", self.centre)
        form.addRow("Department", self.department)
        form.addRow("Address", self.address)
        form.addRow("Telephone", self.telephone)
        form.addRow("E-mail", self.email)
        form.addRow("Letters signed by", self.author_name)
        form.addRow("Their role", self.author_role)
        form.addRow("Lock the window after", self.idle)
        layout.addWidget(QLabel("<b>Letterhead</b> (printed on every clinic letter)"))
        layout.addLayout(form)
        self.message = QLabel(problem)
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        s = self.settings
        s.letterhead.centre = self.centre.text().strip() or NOT_SET
        s.letterhead.department = self.department.text().strip()
        s.letterhead.address = self.address.toPlainText().strip()
        s.letterhead.telephone = self.telephone.text().strip()
        s.letterhead.email = self.email.text().strip()
        s.author.name = self.author_name.text().strip()
        s.author.role = self.author_role.text().strip()
        s.idle_lock_minutes = self.idle.value()
        try:
            save_settings(s)
        except OSError as e:
            self.message.setText(f"Not saved: {e.strerror or e}")
            return
        self.accept()
