"""Photographic record: photos tagged by view, compared across two dates side by side."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.dates import format_date
from mdtapp.domain.model import PhotoRef
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import PatientFile
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card

VIEWS = (
    "face",
    "anterior chest",
    "back",
    "left forearm",
    "right forearm",
    "hands (dorsal)",
    "left thigh",
    "right thigh",
)
MAX_SIDE = 2400  # photos are stored at up to this size, as JPEG


def encode_photo(path: Path) -> tuple[bytes, str]:
    """A photo file as stored: re-encoded JPEG, at most MAX_SIDE pixels on its long side."""
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path.name} is not an image mdtapp can read")
    if max(image.width(), image.height()) > MAX_SIDE:
        image = image.scaled(
            MAX_SIDE,
            MAX_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 90)
    return bytes(data.data()), "image/jpeg"


class PhotosView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.file: PatientFile | None = None
        self.setObjectName("photos")
        outer = QVBoxLayout(self)
        add_card, add = card("Add a photo to an assessment")
        row = QHBoxLayout()
        self.assessment = QComboBox()
        self.assessment.setObjectName("photoAssessment")
        self.view = QComboBox()
        self.view.setEditable(True)
        self.view.setObjectName("photoView")
        self.view.addItems(VIEWS)
        self.add_button = QPushButton("Add photo…")
        self.add_button.setObjectName("addPhoto")
        row.addWidget(QLabel("Assessment"))
        row.addWidget(self.assessment)
        row.addWidget(QLabel("View"))
        row.addWidget(self.view)
        row.addWidget(self.add_button)
        row.addStretch(1)
        add.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("photoMessage")
        add.addWidget(self.message)
        outer.addWidget(add_card)
        cmp_card, cmp = card("Compare the same view")
        pick = QHBoxLayout()
        self.compare_view = QComboBox()
        self.compare_view.setObjectName("compareView")
        self.left = QComboBox()
        self.left.setObjectName("compareLeft")
        self.right = QComboBox()
        self.right.setObjectName("compareRight")
        for label, widget in (
            ("View", self.compare_view),
            ("Earlier", self.left),
            ("Later", self.right),
        ):
            pick.addWidget(QLabel(label))
            pick.addWidget(widget)
        pick.addStretch(1)
        cmp.addLayout(pick)
        images = QGridLayout()
        self.left_image = QLabel("—")
        self.right_image = QLabel("—")
        for i, label in enumerate((self.left_image, self.right_image)):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumSize(320, 260)
            label.setObjectName(("photoLeft", "photoRight")[i])
            images.addWidget(label, 0, i)
        cmp.addLayout(images, 1)
        outer.addWidget(cmp_card, 1)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.compare_view.currentIndexChanged.connect(self._fill_dates)
        self.left.currentIndexChanged.connect(self._show_images)
        self.right.currentIndexChanged.connect(self._show_images)

    def show_file(self, file: PatientFile) -> None:
        self.file = file
        self.assessment.clear()
        for saved in reversed(file.assessments):
            self.assessment.addItem(format_date(saved.value.date), saved.uid)
        views = sorted({p.view for s in file.assessments for p in s.value.photos})
        self.compare_view.blockSignals(True)
        self.compare_view.clear()
        self.compare_view.addItems(views)
        self.compare_view.blockSignals(False)
        self._fill_dates()
        self.message.setText("" if file.assessments else "Save an assessment first.")

    def add_photo(self, path: Path, view: str) -> bool:
        if self.file is None or self.assessment.currentData() is None:
            return False
        uid = self.assessment.currentData()
        saved = next(s for s in self.file.assessments if s.uid == uid)
        try:
            content, media_type = encode_photo(path)
            digest = self.session.store.add_photo(self.file.uid, content, media_type)
            updated = dataclasses.replace(
                saved.value, photos=(*saved.value.photos, PhotoRef(view, digest, media_type))
            )
            self.session.store.save(
                "assessments",
                self.file.uid,
                updated,
                uid=saved.uid,
                base_version=saved.version,
                reason=f"photo added: {view}",
            )
        except (ValueError, StoreError) as e:
            self.message.setText(f"Not added: {e}")
            return False
        self.message.setText(f"Added the {view} photo to {format_date(saved.value.date)}.")
        self.session.notify_saved(self.file.uid)
        return True

    def _on_add_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a photo", "", "Images (*.jpg *.jpeg *.png)"
        )
        if name:
            self.add_photo(Path(name), self.view.currentText().strip() or "unlabelled")

    def _fill_dates(self, *_: object) -> None:
        view = self.compare_view.currentText()
        for combo in (self.left, self.right):
            combo.blockSignals(True)
            combo.clear()
        if self.file is not None:
            for saved in self.file.assessments:
                for photo in saved.value.photos:
                    if photo.view == view:
                        for combo in (self.left, self.right):
                            combo.addItem(format_date(saved.value.date), photo.sha256)
        for combo in (self.left, self.right):
            combo.blockSignals(False)
        if self.right.count():
            self.right.setCurrentIndex(self.right.count() - 1)
        self._show_images()

    def _show_images(self, *_: object) -> None:
        for combo, label in ((self.left, self.left_image), (self.right, self.right_image)):
            digest = combo.currentData()
            if self.file is None or not digest:
                label.setText("—")
                continue
            content, _ = self.session.store.photo(self.file.uid, digest)
            pixmap = QPixmap()
            pixmap.loadFromData(content)
            label.setPixmap(
                pixmap.scaled(
                    label.width(),
                    label.height(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
