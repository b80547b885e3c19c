"""Accounts: an administrator adds users and sets roles and passwords; anyone changes their own
password. Passwords are read from the fields and cleared at once; they are never stored here."""

from __future__ import annotations

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

from mdtapp.store.errors import StoreError
from mdtapp.store.security import ROLE_LABELS, ROLES
from mdtapp.ui.models.records import RecordTableModel
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.tables import record_table


def _secret(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class AccountsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("accountsDialog")
        self.setWindowTitle("Users")
        layout = QVBoxLayout(self)
        self.model = RecordTableModel(
            [
                ("User", lambda a: a.username),
                ("Name", lambda a: a.display_name),
                ("Roles", lambda a: ", ".join(a.roles)),
                (
                    "State",
                    lambda a: (
                        ("active" if a.active else "disabled")
                        + (", must change password" if a.must_change_password else "")
                    ),
                ),
            ]
        )
        self.table = record_table(self.model, "accountsTable", "User accounts")
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("accountUser")
        self.name = QLineEdit()
        self.name.setObjectName("accountName")
        self.password = _secret("accountPassword")
        self.roles: dict[str, QCheckBox] = {}
        roles = QHBoxLayout()
        for role in ROLES:
            box = QCheckBox(ROLE_LABELS[role])
            box.setObjectName(f"accountRole_{role}")
            roles.addWidget(box)
            self.roles[role] = box
        self.active = QCheckBox("Active")
        self.active.setObjectName("accountActive")
        self.active.setChecked(True)
        form.addRow("User name", self.username)
        form.addRow("Name", self.name)
        form.addRow("Roles", roles)
        form.addRow("", self.active)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add user")
        self.add_button.setObjectName("addAccount")
        self.roles_button = QPushButton("Set roles")
        self.roles_button.setObjectName("setRoles")
        self.password_button = QPushButton("Set password")
        self.password_button.setObjectName("setPassword")
        self.key_button = QPushButton("Replace the database key…")
        self.key_button.setObjectName("replaceKey")
        self.key_button.setToolTip(
            "A new database key and recovery key: copies of the keyring and old passwords "
            "open nothing from then on (disabling an account does this too)"
        )
        self.key_button.setEnabled(session.store.encrypted)
        for button in (self.add_button, self.roles_button, self.password_button, self.key_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.message = QLabel()
        self.message.setObjectName("accountsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self.add)
        self.roles_button.clicked.connect(self.set_roles)
        self.password_button.clicked.connect(self.set_password)
        self.key_button.clicked.connect(self.replace_key)
        self.refresh()
        self.resize(820, 480)

    def refresh(self) -> None:
        self.model.set_rows(self.session.store.accounts())

    def _roles(self) -> list[str]:
        return [r for r, box in self.roles.items() if box.isChecked()]

    def _run(self, action: object, done: str) -> bool:
        try:
            action()  # type: ignore[operator]
        except StoreError as e:
            self.message.setText(f"Not done: {e}")
            return False
        except ValueError as e:
            self.message.setText(f"Not done: {e}")
            return False
        finally:
            self.password.clear()
        self.message.setText(done)
        self.refresh()
        return True

    def add(self) -> bool:
        user, password = self.username.text().strip(), self.password.text()
        return self._run(
            lambda: self.session.store.add_account(
                user, self.name.text().strip() or user, self._roles(), password
            ),
            f"Added {user}",
        )

    def confirm_recovery_key(self, code: str) -> bool:
        """A new recovery key, shown before the database key is replaced; Cancel: nothing."""
        from mdtapp.ui.login import RecoveryKeyDialog

        dialog = RecoveryKeyDialog(code, self, database=self.session.store.path, replacing=True)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def set_roles(self) -> bool:
        user = self.username.text().strip()
        disabling = not self.active.isChecked()
        return self._run(
            lambda: self.session.store.set_roles(
                user,
                self._roles(),
                active=not disabling,
                confirm_recovery_key=self.confirm_recovery_key,
            ),
            f"Changed {user}'s roles"
            + (
                "; the database key was replaced"
                if disabling and self.session.store.encrypted
                else ""
            ),
        )

    def set_password(self) -> bool:
        user, password = self.username.text().strip(), self.password.text()
        return self._run(
            lambda: self.session.store.set_password(user, password),
            f"Set {user}'s password: they must change it when they next sign in",
        )

    def replace_key(self) -> bool:
        left_out: list[str] = []

        def replace() -> None:
            new = self.session.store.replace_key(confirm_recovery_key=self.confirm_recovery_key)
            left_out.extend(new.left_out)

        done = self._run(replace, "Replaced the database key")
        if done and left_out:
            self.message.setText(
                "Replaced the database key. Set a password for: " + ", ".join(left_out)
            )
        return done


class PasswordDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("passwordDialog")
        self.setWindowTitle("Change my password")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = _secret("currentPassword")
        self.new = _secret("newPassword")
        self.again = _secret("newPasswordAgain")
        form.addRow("Current password", self.current)
        form.addRow("New password", self.new)
        form.addRow("New password again", self.again)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("passwordMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def change(self) -> bool:
        try:
            if self.new.text() != self.again.text():
                self.message.setText("The two new passwords differ")
                return False
            store = self.session.store
            store.set_password(store.user, self.new.text(), current_password=self.current.text())
        except (StoreError, ValueError) as e:
            self.message.setText(f"Not changed: {e}")
            return False
        finally:
            for field in (self.current, self.new, self.again):
                field.clear()
        self.accept()
        return True
