"""Help -> User guide (F1): the guide shipped with the app, readable offline, with its pictures."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QUrl
from PySide6.QtGui import QImage, QPixmap, QTextCursor, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from mdtapp.ui.widgets.screen import fit_to_screen

GUIDE = "user-guide.md"


class UserGuide(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        from mdtapp.paths import docs_dir

        self.setObjectName("userGuide")
        self.setWindowTitle("mdtapp — user guide")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setObjectName("userGuideText")
        self.browser.setOpenExternalLinks(False)  # the app never opens the network
        folder = docs_dir()
        self.browser.setSearchPaths([str(folder)])
        self.browser.setSource(QUrl.fromLocalFile(str(folder / GUIDE)))
        self.browser.installEventFilter(self)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        fit_to_screen(self, 900, 1000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.browser and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._fit_images()
        return False

    def _fit_images(self) -> None:
        """Screenshots are 1366 px wide: show each no wider than the page, in proportion."""
        width = max(200, self.browser.viewport().width() - 40)
        document = self.browser.document()
        block = document.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().isImageFormat():
                    image = fragment.charFormat().toImageFormat()
                    natural = document.resource(
                        QTextDocument.ResourceType.ImageResource.value, QUrl(image.name())
                    )
                    if isinstance(natural, (QImage, QPixmap)) and not natural.isNull():
                        shown = min(width, natural.width())
                        image.setWidth(shown)
                        image.setHeight(natural.height() * shown / natural.width())
                        cursor = QTextCursor(document)
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(
                            fragment.position() + fragment.length(),
                            QTextCursor.MoveMode.KeepAnchor,
                        )
                        cursor.setCharFormat(image)
                it += 1
            block = block.next()


_open: UserGuide | None = None


def show_user_guide(parent: QWidget | None = None) -> UserGuide:
    """One guide window, kept beside the app (not modal: read it while working)."""
    global _open
    if _open is None or not _open.isVisible():
        _open = UserGuide(parent)
    _open.show()
    _open.raise_()
    _open.activateWindow()
    return _open
