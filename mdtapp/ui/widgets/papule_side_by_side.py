"""The same view at two dates, each photo with its square and marks, and what makes them unlike.

So the MDT can see that the same area was counted: each side shows its photo zoomed to its square
(or the whole photo when it has none), the count, the square's real size and the scale; the
warnings (a different view, squares whose real sizes differ by more than the tolerance in
forms/photos.toml) come from mdtapp.domain.papule_count.compare_counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from mdtapp.domain.papule_count import PapuleCount, compare_counts
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.domain.response import same_site
from mdtapp.ui.widgets.photo_canvas import PhotoCanvas


class _SideCanvas(PhotoCanvas):
    """A canvas that asks for no more than its minimum: the tab's scroll area sizes its page to
    the layout's preferred height (the captions wrap), so a 600-px wish pushed the captions and
    warnings below a laptop screen. The grid's stretch gives it the room there is."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.minimumSize()


@dataclass(frozen=True)
class Side:
    """One photo: its label (the date), its image, its view, and the count on it, if made."""

    label: str
    image: QImage | None
    view: str
    count: PapuleCount | None = None


class PapuleSideBySide(QWidget):
    def __init__(self, rules: PhotoRules, parent: QWidget | None = None):
        super().__init__(parent)
        self.rules = rules
        self.setObjectName("papuleSideBySide")
        self.canvases = (_SideCanvas(), _SideCanvas())
        self.captions = (QLabel(), QLabel())
        grid = QGridLayout()
        for i, (canvas, caption, name) in enumerate(
            zip(self.canvases, self.captions, ("Earlier", "Later"), strict=True)
        ):
            canvas.setObjectName(f"photo{name}")
            canvas.setAccessibleName(f"{name} photo")
            canvas.setMinimumSize(320, 260)
            # zoomed to the square: wheel, keys and arrows still zoom and pan
            canvas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            caption.setObjectName(f"caption{name}")
            caption.setWordWrap(True)
            caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(canvas, 0, i)
            grid.addWidget(caption, 1, i)
        grid.setRowStretch(0, 1)
        self.warning = QLabel()
        self.warning.setObjectName("comparisonWarning")
        self.warning.setProperty("role", "warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addWidget(self.warning)
        self.sides: tuple[Side | None, Side | None] = (None, None)

    def show_sides(self, first: Side | None, second: Side | None) -> None:
        self.sides = (first, second)
        for side, canvas, caption in zip(self.sides, self.canvases, self.captions, strict=True):
            canvas.set_image(side.image if side else None)
            canvas.set_count(side.count if side else None)
            if side and side.count and side.count.square:
                canvas.fit_square(side.count.square)
            caption.setText(self._caption(side))
        self._compare()

    def _caption(self, side: Side | None) -> str:
        if side is None:
            return "—"
        count = side.count
        if count is None or count.count is None:
            return f"{side.label}, {side.view}: not counted on the photo"
        size = count.real_side_mm()
        where = f"square {size} mm across" if size is not None else "no scale"
        return f"{side.label}, {side.view}: {count.count} papules ({where})"

    def _compare(self) -> None:
        first, second = self.sides
        warnings: list[str] = []
        if first and second and first.view and second.view:
            if first.count and second.count:
                result = compare_counts(
                    first.count,
                    second.count,
                    self.rules.size_tolerance_mm,
                    (first.label, second.label),
                )
                warnings = list(result.warnings)
            elif not same_site(first.view, second.view):
                warnings = [
                    f"Different views: {first.view} ({first.label}) and {second.view} "
                    f"({second.label})."
                ]
        self.warning.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning.setVisible(bool(warnings))
