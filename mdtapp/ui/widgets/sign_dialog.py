"""Signing a record: says what is being signed and what the signature means, then asks for the
signer's password. Sized to show its whole title and text."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class SignDialog(QDialog):
    def __init__(
        self,
        title: str,
        what: str,
        meaning: str,
        signer: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("signDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{title}</b>")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        for text, name in ((what, "signWhat"), (meaning, "signMeaning")):
            label = QLabel(text)
            label.setObjectName(name)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        self.signer = QLabel(signer)
        self.signer.setObjectName("signSigner")
        self.password = QLineEdit()
        self.password.setObjectName("signPassword")
        self.password.setAccessibleName("Your password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Signing as", self.signer)
        form.addRow("Your password", self.password)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(max(420, self.fontMetrics().horizontalAdvance(title) + 120))
        self.password.setFocus()

    def take_password(self) -> str:
        """The password typed, cleared from the field as it is handed over."""
        password = self.password.text()
        self.password.clear()
        return password


class ReasonDialog(QDialog):
    """A reason that is kept with the record (an amendment): asked in words, required."""

    def __init__(self, title: str, question: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonText")
        self.reason.setAccessibleName("Reason")
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)  # a reason is required
        self.reason.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(max(420, self.fontMetrics().horizontalAdvance(title) + 120))


class SignInPlaceDialog(SignDialog):
    """Another person signs or verifies at this session (the MDT's one laptop): their own user
    name and password, with no one signing out. The store checks the password (throttled like
    signing in) and their role."""

    def __init__(self, title: str, what: str, meaning: str, parent: QWidget | None = None):
        super().__init__(title, what, meaning, "the person whose user name is given", parent)
        self.setObjectName("signInPlaceDialog")
        form = self.findChild(QFormLayout)
        self.username = QLineEdit()
        self.username.setObjectName("signUsername")
        self.username.setAccessibleName("Their user name")
        assert form is not None
        form.removeRow(0)  # "Signing as": they say who they are with their user name
        form.insertRow(0, "Their user name", self.username)
        label = form.labelForField(self.password)
        if isinstance(label, QLabel):
            label.setText("Their password")
        self.password.setAccessibleName("Their password")
        self.signer = QLabel()
        self.username.setFocus()

    def take_username(self) -> str:
        return self.username.text().strip()
