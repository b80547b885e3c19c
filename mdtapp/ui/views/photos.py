"""Photographic record: photos tagged by view, compared across two dates side by side, and the
papule count made on a photo (the 2 × 2 cm square and a mark per papule).

Photos are checked and cleaned before storing (mdtapp.store.images: decoded, bounded, upright,
EXIF stripped). The views offered and the bounds are in forms/photos.toml.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

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
from mdtapp.domain.model import Assessment, PhotoRef
from mdtapp.store.errors import StoreError
from mdtapp.store.images import read_photo
from mdtapp.store.repository import PatientFile, Saved
from mdtapp.ui.controllers.photo_count import count_dialog
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.views.papule_dialog import PapuleCountDialog
from mdtapp.ui.widgets.papule_side_by_side import PapuleSideBySide, Side
from mdtapp.ui.widgets.photo_canvas import upright_image

PhotoKey = tuple[str, int]  # (assessment uid, the photo's place in the assessment)


class PhotosView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.file: PatientFile | None = None
        self.rules = session.forms.photos
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
        same_patient = self.file is not None and self.file.uid == file.uid
        # what was being compared stays on screen when the record is saved again
        shown = (
            (self.compare_view.currentText(), self._kept(self.left), self._kept(self.right))
            if same_patient
            else None
        )
        chosen = self.assessment.currentData() if same_patient else None
        self.file = file
        self.assessment.clear()
        for saved in reversed(file.assessments):
            self.assessment.addItem(format_date(saved.value.date), saved.uid)
        if chosen is not None and self.assessment.findData(chosen) >= 0:  # uid: a str
            self.assessment.setCurrentIndex(self.assessment.findData(chosen))
        views = sorted({p.view for s in file.assessments for p in s.value.photos})
        self.compare_view.blockSignals(True)
        self.compare_view.clear()
        self.compare_view.addItems(views)
        if shown is not None and shown[0] in views:
            self.compare_view.setCurrentText(shown[0])
        self.compare_view.blockSignals(False)
        self._fill_dates(keep=shown[1:] if shown else None)
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

    @staticmethod
    def _kept(combo: QComboBox) -> object:
        """A side's photo to show again; None when it showed the newest (it shows the newest
        again, which may be one just added)."""
        newest = combo.currentIndex() == combo.count() - 1
        return None if newest else combo.currentData()

    def _fill_dates(self, *_: object, keep: tuple[object, object] | None = None) -> None:
        view = self.compare_view.currentText()
        for combo in (self.left, self.right):
            combo.blockSignals(True)
            combo.clear()
        if self.file is not None:
            for saved in self.file.assessments:
                for index, photo in enumerate(saved.value.photos):
                    if photo.view == view:
                        for combo in (self.left, self.right):
                            combo.addItem(format_date(saved.value.date), (saved.uid, index))
        if self.right.count():
            self.right.setCurrentIndex(self.right.count() - 1)
        for combo, key in zip((self.left, self.right), keep or (None, None), strict=True):
            # by value: findData compares Python objects by identity
            found = [i for i in range(combo.count()) if combo.itemData(i) == key]
            if key is not None and found:
                combo.setCurrentIndex(found[0])
        for combo in (self.left, self.right):
            combo.blockSignals(False)
        self._show_images()

    def _photo(self, key: PhotoKey | None) -> tuple[Saved[Assessment], PhotoRef] | None:
        if self.file is None or not key:
            return None
        saved = next((s for s in self.file.assessments if s.uid == key[0]), None)
        if saved is None or key[1] >= len(saved.value.photos):
            return None
        return saved, saved.value.photos[key[1]]

    def _side(self, combo: QComboBox) -> Side | None:
        found = self._photo(combo.currentData())
        if found is None or self.file is None:
            return None
        _, photo = found
        content, _ = self.session.store.photo(self.file.uid, photo.sha256)
        return Side(combo.currentText(), upright_image(content), photo.view, photo.count)

    def _show_images(self, *_: object) -> None:
        sides = (self._side(self.left), self._side(self.right))
        self.side_by_side.show_sides(*sides)
        self.count_left.setEnabled(sides[0] is not None)
        self.count_right.setEnabled(sides[1] is not None)

    def counter_dialog(self, which: int) -> PapuleCountDialog | None:
        """The counter over the earlier (0) or later (1) photo, starting from its stored marks;
        they are saved with the photo, and "Use this count" fills the assessment's count."""
        combo = (self.left, self.right)[which]
        found = self._photo(combo.currentData())
        side = self._side(combo)
        if found is None or side is None or side.image is None or side.image.isNull():
            return None
        assert self.file is not None
        saved, _ = found
        return count_dialog(
            self.session,
            self.file.uid,
            saved,
            combo.currentData()[1],
            side.image,
            title=f"{side.view}, {side.label}",
            parent=self,
        )

    def open_counter(self, which: int) -> None:
        dialog = self.counter_dialog(which)
        if dialog is not None:
            dialog.resize(self.window().size() * 0.95)
            dialog.exec()
            dialog.deleteLater()
