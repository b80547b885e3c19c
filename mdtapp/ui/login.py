"""Signing in to the app: the first administrator on first run, then named accounts."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.store import access
from mdtapp.store.errors import CorruptDatabase, StoreError
from mdtapp.store.repository import Store
from mdtapp.store.security import MIN_PASSWORD_LENGTH, password_problem


def _password_field(name: str, accessible: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(accessible)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class LoginDialog(QDialog):
    """Sign in; after repeated failures the button waits, counting down."""

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        username: str = "",
        title: str = "Sign in to mdtapp",
    ):
        super().__init__(parent)
        self.path = Path(path)
        self.store: Store | None = None
        self.setObjectName("loginDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"<b>{self.path.name}</b> — "
                + (
                    "encrypted"
                    if access.is_encrypted(self.path)
                    else "<b style='color:#d5281b'>UNENCRYPTED</b>"
                )
            )
        )
        form = QFormLayout()
        self.username = QLineEdit(username)
        self.username.setObjectName("loginUser")
        self.username.setAccessibleName("User name")
        self.password = _password_field("loginPassword", "Password")
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.button = QPushButton("Sign in")
        self.button.setObjectName("signIn")
        self.button.setDefault(True)
        self.button.clicked.connect(self.try_sign_in)
        layout.addWidget(self.button)
        self.restore_button = QPushButton("Restore the newest good backup (administrator)…")
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(lambda: self.restore_latest())  # not (checked)
        self.restore_button.hide()
        layout.addWidget(self.restore_button)
        self._wait = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        (self.password if username else self.username).setFocus()

    def try_sign_in(self) -> bool:
        try:
            self.store = access.sign_in(
                self.path, self.username.text().strip(), self.password.text()
            )
        except access.LoginThrottled as e:
            self._start_wait(e.seconds)
            return False
        except CorruptDatabase as e:
            self.message.setText(str(e))
            self.restore_button.show()  # the way back: a backup, restored by an administrator
            return False
        except StoreError as e:
            self.message.setText(str(e))
            return False
        finally:
            self.password.clear()  # a password never stays in a widget longer than needed
        self.accept()
        return True

    def restore_latest(self, password: str | None = None) -> bool:
        """Restore the newest backup that verifies, with the administrator's credentials just
        typed (the damaged file is kept beside the backups), then sign in."""
        from mdtapp.store.restoring import restore_latest

        user = self.username.text().strip()
        secret = self.password.text() if password is None else password
        self.password.clear()
        try:
            restored = restore_latest(self.path, user, secret)
            self.store = access.sign_in(self.path, user, secret)
        except access.LoginThrottled as e:
            self._start_wait(e.seconds)
            return False
        except StoreError as e:
            self.message.setText(f"Not restored: {e}")
            return False
        self.restored = restored  # its notes are in the restore's audit entry too
        self.accept()
        return True

    def _start_wait(self, seconds: int) -> None:
        self._wait = seconds
        self.button.setEnabled(False)
        self._tick()
        self._timer.start()

    def _tick(self) -> None:
        if self._wait <= 0:
            self._timer.stop()
            self.button.setEnabled(True)
            self.message.setText("You can try again now.")
            return
        self.message.setText(f"Too many failed attempts: wait {self._wait} s")
        self._wait -= 1


class FirstRunDialog(QDialog):
    """A new database: its first administrator, then the recovery key, shown once."""

    def __init__(self, path: Path, *, plaintext: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.plaintext = plaintext
        self.store: Store | None = None
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Set up mdtapp")
        layout = QVBoxLayout(self)
        exists = self.path.exists()
        layout.addWidget(
            QLabel(
                f"{'This database has no accounts yet' if exists else 'A new database'}: "
                f"<b>{self.path}</b>.<br>Create the first administrator (who can also assess).<br>"
                + (
                    "<b style='color:#d5281b'>UNENCRYPTED (--plaintext): demonstrations and tests "
                    "only.</b>"
                    if plaintext or (exists and not access.is_encrypted(self.path))
                    else "The database will be encrypted."
                )
            )
        )
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("firstUser")
        self.display = QLineEdit()
        self.display.setObjectName("firstName")
        self.display.setPlaceholderText("as printed on letters, e.g. Dr A Smith")
        self.password = _password_field("firstPassword", "Password")
        self.again = _password_field("firstPasswordAgain", "Password again")
        form.addRow("User name", self.username)
        form.addRow("Name", self.display)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.again)
        layout.addLayout(form)
        # the rules are shown before anything is typed, and checked as it is typed
        self.rules = QLabel()
        self.rules.setObjectName("passwordRules")
        self.rules.setWordWrap(True)
        layout.addWidget(self.rules)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.setObjectName("firstRunMessage")
        layout.addWidget(self.message)
        for field in (self.username, self.password, self.again):
            field.textChanged.connect(self._show_rules)
        self._show_rules()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.create_administrator)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.recovery_code: str | None = None

    def create_administrator(self) -> bool:
        user, password, again = (
            self.username.text().strip(),
            self.password.text(),
            self.again.text(),
        )
        problem = password_problem(password, user) if user else "a user name is needed first"
        wrong = self.password if user else self.username
        if not problem and password != again:
            problem, wrong = "the two passwords differ", self.again
        if problem:
            # what was typed stays, selected, so the person corrects it rather than starts over
            self.message.setText(f"Password: {problem}" if user else problem)
            wrong.setFocus()
            wrong.selectAll()
            return False
        try:
            store = access.open_as(
                self.path,
                user,
                password,
                plaintext=self.plaintext,
                on_created=self._on_created,
                display_name=self.display.text(),  # named as the account is added (audited)
            )
        except StoreError as e:
            self.message.setText(str(e))
            return False
        finally:
            self.password.clear()  # once used, a password does not stay in the fields
            self.again.clear()
        self.store = store
        if self.recovery_code:
            RecoveryKeyDialog(self.recovery_code, self, database=self.path).exec()
        self.accept()
        return True

    def _on_created(self, code: str | None) -> None:
        self.recovery_code = code

    def _show_rules(self) -> None:
        user, password, again = (
            self.username.text().strip(),
            self.password.text(),
            self.again.text(),
        )
        rules = [
            (
                len(password) >= MIN_PASSWORD_LENGTH,
                f"at least {MIN_PASSWORD_LENGTH} characters (a passphrase is easiest)",
            ),
            (
                bool(password) and password.strip().casefold() != user.casefold(),
                "not the same as the user name",
            ),
            (bool(again) and password == again, "typed the same twice"),
        ]
        self.rules.setText(
            "Password:<br>" + "<br>".join(f"{'✓' if ok else '○'} {text}" for ok, text in rules)
        )


class RecoveryKeyDialog(QDialog):
    """A recovery key shown once. `replacing`: a new database key, which takes effect only
    if this is confirmed (Cancel changes nothing)."""

    def __init__(
        self,
        code: str,
        parent: QWidget | None = None,
        *,
        database: Path | None = None,
        replacing: bool = False,
    ):
        super().__init__(parent)
        self.code = code
        self.database = database
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle("New recovery key" if replacing else "Recovery key")
        layout = QVBoxLayout(self)
        text = QLabel(
            "<b>Write down or print this recovery key and keep it in a safe.</b><br>"
            "It opens the database if the keyring file or every administrator's "
            "password is lost. It is shown only now."
            + (
                "<br><b>The database key is being replaced:</b> once you continue, the "
                "old recovery key opens nothing. Cancel changes nothing."
                if replacing
                else ""
            )
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        key = QLabel(f"<pre style='font-size:large'>{code}</pre>")
        key.setObjectName("recoveryCode")
        key.setTextInteractionFlags(
            key.textInteractionFlags() | key.textInteractionFlags().TextSelectableByMouse
        )
        layout.addWidget(key)
        actions = QHBoxLayout()
        copy = QPushButton("&Copy")
        copy.setObjectName("copyRecoveryKey")
        copy.setToolTip("Copy the recovery key to the clipboard (paste it into your password safe)")
        copy.clicked.connect(self._copy)
        printing = QPushButton("&Print…")
        printing.setObjectName("printRecoveryKey")
        printing.clicked.connect(self._print)
        actions.addWidget(copy)
        actions.addWidget(printing)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.copied = QLabel()
        self.copied.setObjectName("recoveryKeyCopied")
        self.copied.setProperty("role", "muted")
        layout.addWidget(self.copied)
        self.stored = QCheckBox("I have stored the recovery key safely")
        self.stored.setObjectName("recoveryStored")
        layout.addWidget(self.stored)
        self.ok = QPushButton("Continue")
        self.ok.setObjectName("recoveryContinue")
        self.ok.setEnabled(False)
        self.stored.toggled.connect(self.ok.setEnabled)
        self.ok.clicked.connect(self.accept)
        if replacing:
            row = QHBoxLayout()
            cancel = QPushButton("Cancel")
            cancel.setObjectName("recoveryCancel")
            cancel.clicked.connect(self.reject)
            row.addWidget(cancel)
            row.addStretch(1)
            row.addWidget(self.ok)
            layout.addLayout(row)
        else:
            layout.addWidget(self.ok)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code)
        self.copied.setText("Copied. Paste it into the password safe, then clear the clipboard.")

    def _print(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        where = f"<p>Database: {html.escape(str(self.database))}</p>" if self.database else ""
        page = QTextDocument()
        page.setHtml(
            "<h2>mdtapp recovery key</h2>"
            f"{where}<p>Printed {html.escape(datetime.now().strftime('%d-%b-%Y %H:%M'))}</p>"
            f"<pre style='font-size:14pt'>{html.escape(self.code)}</pre>"
            "<p>Keep this page in a safe. It opens the database if every administrator's "
            "password or the keyring file is lost.</p>"
        )
        page.print_(printer)
        self.copied.setText("Sent to the printer.")
