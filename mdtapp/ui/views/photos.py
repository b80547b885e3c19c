"""Photographic record: photos tagged by view, compared across two dates side by side, and the
papule count made on a photo (the 2 × 2 cm square and a mark per papule).

Photos are checked and cleaned before storing (mdtapp.store.images: decoded, bounded, upright,
EXIF stripped). The views offered and the bounds are in forms/photos.toml.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.dates import format_date
from mdtapp.domain.model import PhotoRef
from mdtapp.domain.papule_count import PapuleCount
from mdtapp.domain.photo_rules import photo_rules
from mdtapp.store.errors import StoreError
from mdtapp.store.images import read_photo
from mdtapp.store.repository import PatientFile
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.views.papule_dialog import PapuleCountDialog
from mdtapp.ui.widgets.papule_side_by_side import PapuleSideBySide, Side

PhotoKey = tuple[str, str]  # (assessment uid, photo sha256)


class PhotosView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.file: PatientFile | None = None
        self.rules = photo_rules(session.forms.source_dir)
        # counts made on photos while this patient is open, by photo (not yet stored)
        self.counts: dict[PhotoKey, PapuleCount] = {}
        self.setObjectName("photos")
        outer = QVBoxLayout(self)
        add_card, add = card("Add a photo to an assessment")
        row = QHBoxLayout()
        self.assessment = QComboBox()
        self.assessment.setObjectName("photoAssessment")
        self.view = QComboBox()
        self.view.setEditable(True)
        self.view.setObjectName("photoView")
        self.view.addItems(self.rules.views)
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
        self.side_by_side = PapuleSideBySide(self.rules)
        cmp.addWidget(self.side_by_side, 1)
        count_row = QHBoxLayout()
        self.count_left = QPushButton("Count papules on the ea&rlier photo…")
        self.count_left.setObjectName("countEarlier")
        self.count_right = QPushButton("&Count papules on the later photo…")
        self.count_right.setObjectName("countLater")
        for button in (self.count_left, self.count_right):
            button.setEnabled(False)
            count_row.addWidget(button)
        cmp.addLayout(count_row)
        outer.addWidget(cmp_card, 1)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.count_left.clicked.connect(lambda: self.open_counter(0))
        self.count_right.clicked.connect(lambda: self.open_counter(1))
        self.compare_view.currentIndexChanged.connect(self._fill_dates)
        self.left.currentIndexChanged.connect(self._show_images)
        self.right.currentIndexChanged.connect(self._show_images)

    def show_file(self, file: PatientFile) -> None:
        if self.file is None or self.file.uid != file.uid:
            self.counts.clear()
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
            photo = read_photo(path, self.rules)
            digest = self.session.store.add_photo(self.file.uid, photo.content, photo.media_type)
            updated = dataclasses.replace(
                saved.value, photos=(*saved.value.photos, PhotoRef(view, digest, photo.media_type))
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
                            combo.addItem(format_date(saved.value.date), (saved.uid, photo.sha256))
        for combo in (self.left, self.right):
            combo.blockSignals(False)
        if self.right.count():
            self.right.setCurrentIndex(self.right.count() - 1)
        self._show_images()

    def _side(self, combo: QComboBox) -> Side | None:
        key = combo.currentData()
        if self.file is None or not key:
            return None
        content, _ = self.session.store.photo(self.file.uid, key[1])
        return Side(
            combo.currentText(),
            QImage.fromData(content),
            self.compare_view.currentText(),
            self.counts.get(key),
        )

    def _show_images(self, *_: object) -> None:
        sides = (self._side(self.left), self._side(self.right))
        self.side_by_side.show_sides(*sides)
        self.count_left.setEnabled(sides[0] is not None)
        self.count_right.setEnabled(sides[1] is not None)

    def counter_dialog(self, which: int) -> PapuleCountDialog | None:
        """The counter over the earlier (0) or later (1) photo, starting from its marks."""
        combo = (self.left, self.right)[which]
        side = self._side(combo)
        if side is None or side.image is None or side.image.isNull():
            return None
        dialog = PapuleCountDialog(
            self.rules,
            side.image,
            view=side.view,
            title=f"{side.view}, {side.label}",
            count=side.count,
            parent=self,
        )
        key = combo.currentData()
        dialog.finished.connect(lambda _result: self._on_counted(key, dialog.count))
        return dialog

    def open_counter(self, which: int) -> None:
        dialog = self.counter_dialog(which)
        if dialog is not None:
            dialog.resize(self.window().size() * 0.95)
            dialog.exec()
            dialog.deleteLater()

    def _on_counted(self, key: PhotoKey, count: PapuleCount) -> None:
        # not yet stored with the photo: kept while this patient is open
        self.counts[key] = count
        self._show_images()
