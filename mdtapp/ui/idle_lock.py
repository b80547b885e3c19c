"""The idle lock: after a quiet spell, patient data is hidden behind a sign-in screen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.store.attempts import wait_seconds

ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits `idle` when no key, click or mouse movement has come for `minutes`."""

    idle = Signal()

    def __init__(self, app: QObject, minutes: float):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.set_minutes(minutes)
        self.timer.timeout.connect(self.idle)
        self.parent_app = app
        app.installEventFilter(self)
        self.timer.start()

    def detach(self) -> None:
        self.timer.stop()
        self.parent_app.removeEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False


class LockScreen(QFrame):
    """Nothing about any patient is on this screen."""

    unlock_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lockScreen")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QFrame()
        box.setProperty("role", "card")
        box.setFixedWidth(460)  # centred word-wrapped text needs a definite width
        layout = QVBoxLayout(box)
        title = QLabel("mdtapp is locked")
        title.setProperty("role", "heading")
        layout.addWidget(title)
        self.who = QLabel()
        self.who.setObjectName("lockWho")
        self.who.setWordWrap(True)
        layout.addWidget(self.who)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("unlockUser")
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("unlockMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.button = QPushButton("Unlock")
        self.button.setObjectName("unlock")
        self.button.setDefault(True)
        layout.addWidget(self.button)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.button.clicked.connect(self._on_unlock_clicked)
        self.password.returnPressed.connect(self._on_unlock_clicked)
        self.failures = 0
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        self._wait.timeout.connect(lambda: self.button.setEnabled(True))

    def show_for(self, display_name: str, username: str) -> None:
        self.who.setText(
            f"{display_name} was signed in. Sign in again to carry on where you "
            "left off; another user starts a fresh view."
        )
        self.who.setMinimumHeight(self.who.heightForWidth(420))
        self.username.setText(username)
        self.password.clear()
        self.message.clear()
        self.password.setFocus()

    def refused(self, *, wait: int | None = None) -> None:
        """A wrong password, or (`wait`) one not tried because the account must wait first."""
        self.failures += 1
        self.password.clear()
        if wait is None:
            wait = wait_seconds(self.failures)
            text = "The user name or password is not right" + (f": wait {wait} s" if wait else "")
        else:
            text = f"Too many failed attempts: wait {wait} s"
        self.message.setText(text)
        if wait:
            self.button.setEnabled(False)
            self._wait.start(wait * 1000)

    def _on_unlock_clicked(self) -> None:
        if self.button.isEnabled():
            self.unlock_requested.emit(self.username.text().strip(), self.password.text())
            self.password.clear()
