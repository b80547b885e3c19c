"""Preview a generated PDF (QtPdf), then save it or print it. QtPdf loads on first use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.store.interchange import write_atomically
from mdtapp.ui.widgets.screen import fit_to_screen


class PdfPreview(QDialog):
    def __init__(
        self,
        pdf: bytes,
        title: str,
        suggested_name: str,
        *,
        on_saved: object = None,
        on_printed: object = None,
        photos: bool = False,
        on_photos: Callable[[bool], bytes | None] | None = None,
        parent: QWidget | None = None,
    ):
        """`on_photos(with_photos)`: the document again with or without the papule site's
        photos (None: not made); when given, a tick box offers the choice."""
        super().__init__(parent)
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        self.setObjectName("pdfPreview")
        self.setWindowTitle(title)
        self.pdf = pdf
        self.suggested_name = suggested_name
        self.on_saved = on_saved
        self.on_printed = on_printed
        self.data = QByteArray(pdf)
        self.buffer = QBuffer(self.data, self)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self.buffer)
        layout = QVBoxLayout(self)
        self.view = QPdfView()
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.status = QLabel(f"{self.document.pageCount()} page(s)")
        self.status.setObjectName("pdfStatus")
        self.on_photos = on_photos
        self.photos = QCheckBox("Site &photos (square, marks, count)")
        self.photos.setObjectName("sitePhotos")
        self.photos.setToolTip(
            "The photos of the papule site at baseline, previous and now, as counted. Off by "
            "default: letters go by post. Remembered on this computer."
        )
        self.photos.setChecked(photos)
        self.photos.setVisible(on_photos is not None)
        self.photos.toggled.connect(self._on_photos_toggled)
        row.addWidget(self.photos)
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.setObjectName("savePdf")
        self.print_button = QPushButton("Print…")
        self.print_button.setObjectName("printPdf")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(self.status, 1)
        for button in (self.save_button, self.print_button, close):
            row.addWidget(button)
        layout.addLayout(row)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.print_button.clicked.connect(self._on_print_clicked)
        fit_to_screen(self, 900, 1000)  # Save, Print and Close stay on a 768-px screen

    def done(self, result: int) -> None:
        # QPdfView renders pages through posted events: detach the document first, so none
        # is delivered to a view that is gone (a second letter in one session once crashed)
        self.view.setDocument(None)  # type: ignore[arg-type]
        self.document.close()
        super().done(result)

    def _on_photos_toggled(self, checked: bool) -> None:
        pdf = self.on_photos(checked) if self.on_photos is not None else None
        if pdf is None:
            return
        self.pdf = pdf
        self.document.close()
        self.buffer.close()
        self.data = QByteArray(pdf)
        self.buffer = QBuffer(self.data, self)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self.buffer)
        self.status.setText(f"{self.document.pageCount()} page(s)")

    def page_count(self) -> int:
        return int(self.document.pageCount())

    def save_to(self, path: Path) -> None:
        write_atomically(path, self.pdf)
        self.status.setText(f"Saved to {path}")
        if callable(self.on_saved):
            self.on_saved(str(path))

    def _on_save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save as PDF", self.suggested_name, "PDF (*.pdf)"
        )
        if name:
            try:
                self.save_to(Path(name))
            except OSError as e:
                self.status.setText(f"Not saved: {e.strerror or e}")

    def print_to(self, printer: object) -> None:
        """Render each page at the printer's resolution, one page per sheet."""
        from PySide6.QtPrintSupport import QPrinter

        assert isinstance(printer, QPrinter)
        painter = QPainter(printer)
        try:
            for i in range(self.page_count()):
                if i:
                    printer.newPage()
                rect = painter.viewport()
                points = self.document.pagePointSize(i)
                # 300 dpi is sharp on paper; the printer's full 1200 dpi would be ~140 MB a page
                dots = min(printer.resolution(), 300) / 72
                image = self.document.render(
                    i, QSize(int(points.width() * dots), int(points.height() * dots))
                )
                scale = min(rect.width() / points.width(), rect.height() / points.height())
                target = QRectF(0, 0, points.width() * scale, points.height() * scale)
                painter.drawImage(target, image)
        finally:
            painter.end()
        if callable(self.on_printed):
            self.on_printed(printer.printerName() or printer.outputFileName())

    def _on_print_clicked(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec():
            self.print_to(printer)
            self.status.setText("Sent to the printer")
