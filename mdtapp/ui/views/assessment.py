"""The assessment editor's layout: Appendix 1 in one screen, keyboard first.

Layout only (TagStudio's views/controllers split): the header, the signing row, the banners, and
one card per section of forms/assessment.toml holding one input per measure, by type
(mdtapp.ui.widgets.measure_inputs), beside the response and stopping-criteria panel. Nothing here
reads or writes the record: mdtapp.ui.controllers.assessment wires it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.forms import Forms
from mdtapp.ui.widgets.fields import DateField
from mdtapp.ui.widgets.flags_panel import FlagsPanel
from mdtapp.ui.widgets.measure_inputs import (
    CountInput,
    DateInput,
    GridInput,
    MeasureInput,
    ScaleInput,
    TextInput,
    input_for,
    section_widget,
)
from mdtapp.ui.widgets.mrss_grid import MrssGrid
from mdtapp.ui.widgets.vas import VasInput


def card(title: str, object_name: str = "") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    if object_name:
        frame.setObjectName(object_name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 8)
    layout.setSpacing(4)
    heading = QLabel(title)
    heading.setProperty("role", "heading")
    layout.addWidget(heading)
    return frame, layout


def banner(name: str) -> tuple[QFrame, QHBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    row = QHBoxLayout(frame)
    row.setContentsMargins(8, 4, 8, 4)
    frame.hide()
    return frame, row


class AssessmentView(QWidget):
    """Every widget of the editor, built from the forms; no behaviour."""

    def __init__(self, forms: Forms, parent: QWidget | None = None):
        super().__init__(parent)
        self.forms = forms
        self.setObjectName("assessmentEditor")
        definition = forms.assessment
        # one input per measure the editor shows, keyed by the measure's key (the others keep
        # their saved values: photos are added in the Photos tab)
        self.inputs: dict[str, MeasureInput] = {}
        for section in definition.sections:
            measures = [m for m in definition.in_section(section.key) if m.shown_in("editor")]
            for m in measures:
                self.inputs[m.key] = input_for(m, forms, alone=len(measures) == 1)
        date_input = self.inputs[definition.date.key]
        examiner_input = self.inputs[definition.examiner.key]
        grid_input = self.inputs[definition.mrss.key]
        assert isinstance(grid_input, GridInput) and isinstance(examiner_input, TextInput)
        assert isinstance(date_input, DateInput)
        # the parts every assessment has (forms/ requires them), by name
        self.grid_input = grid_input
        self.grid: MrssGrid = grid_input.grid
        self.mrss_total = grid_input.total
        self.date: DateField = date_input.field
        self.examiner = examiner_input.widget
        self.vas: dict[str, VasInput] = {
            key: i.vas for key, i in self.inputs.items() if isinstance(i, ScaleInput)
        }
        self.counts: list[CountInput] = [
            i for i in self.inputs.values() if isinstance(i, CountInput)
        ]
        self.must = QLabel()
        self.must.setObjectName("mustScore")
        self.must.setWordWrap(True)
        self._build()

    def _build(self) -> None:
        forms = self.forms
        definition = forms.assessment
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        header = QHBoxLayout()
        self.picker = QComboBox()
        self.picker.setObjectName("assessmentPicker")
        self.picker.setAccessibleName("Assessment to show")
        self.picker.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        self.examiner.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 10)
        self.status = QLabel()
        self.status.setObjectName("assessmentStatus")
        self.status.setProperty("role", "muted")
        self.save_button = QPushButton("Save  (Ctrl+S)")
        self.save_button.setObjectName("saveAssessment")
        self.save_button.setProperty("role", "primary")
        self.save_button.setAccessibleName("Save assessment")
        self.letter_button = QPushButton("Letter…")
        self.letter_button.setObjectName("assessmentLetter")
        self.letter_button.setToolTip("The clinic letter for this assessment (Ctrl+L)")
        self.form_button = QPushButton("Print form…")
        self.form_button.setObjectName("assessmentForm")
        self.form_button.setToolTip("The Appendix 1 form as entered (Ctrl+P)")
        header.addWidget(QLabel("Assessment:"))
        header.addWidget(self.picker)
        for section in definition.sections:
            if section.editor_column != "header":
                continue
            for m in definition.in_section(section.key):
                if m.key in self.inputs:
                    for label, widget in self.inputs[m.key].rows():
                        if label:
                            header.addWidget(QLabel(label))
                        header.addWidget(widget)
        header.addWidget(self.status, 1)
        outer.addLayout(header)

        signing = QHBoxLayout()
        self.signature = QLabel()
        self.signature.setObjectName("signatureStatus")
        self.signature.setWordWrap(True)
        self.sign_button = QPushButton("Sign…")
        self.sign_button.setObjectName("signAssessment")
        self.sign_button.setToolTip("Sign this version with your password: it becomes read-only")
        self.amend_button = QPushButton("Amend…")
        self.amend_button.setObjectName("amendAssessment")
        self.amend_button.setToolTip("Change a signed assessment: a new version, with a reason")
        # the actions on their own row, so Save stays on screen however narrow the window
        signing.addWidget(self.signature, 1)
        signing.addWidget(self.sign_button)
        signing.addWidget(self.amend_button)
        signing.addWidget(self.letter_button)
        signing.addWidget(self.form_button)
        signing.addWidget(self.save_button)
        outer.addLayout(signing)

        self.draft_banner, draft_row = banner("draftBanner")
        self.draft_text = QLabel()
        self.restore_button = QPushButton("Restore it")
        self.restore_button.setObjectName("restoreDraft")
        self.discard_button = QPushButton("Discard it")
        self.discard_button.setObjectName("discardDraft")
        draft_row.addWidget(self.draft_text, 1)
        draft_row.addWidget(self.restore_button)
        draft_row.addWidget(self.discard_button)
        outer.addWidget(self.draft_banner)

        self.error_banner, error_row = banner("saveErrorBanner")
        self.save_error = QLabel()
        self.save_error.setObjectName("saveError")
        self.save_error.setWordWrap(True)
        error_row.addWidget(self.save_error)
        outer.addWidget(self.error_banner)

        body = QHBoxLayout()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        page = QVBoxLayout(content)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(8)
        # two columns side by side where they fit; one under the other on a narrow window or
        # a large zoom (resizeEvent), so nothing needs scrolling sideways
        self.columns = columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        columns.setSpacing(8)
        left, right = QVBoxLayout(), QVBoxLayout()
        for column in (left, right):
            column.setSpacing(8)
            columns.addLayout(column, 1)
        page.addLayout(columns)
        placed = {"left": left, "right": right, "wide": page}
        # one card per section, in the order of forms/assessment.toml
        for section in definition.sections:
            inputs = [
                self.inputs[m.key]
                for m in definition.in_section(section.key)
                if m.key in self.inputs
            ]
            if section.editor_column == "header" or not inputs:
                continue
            # the grid's section is titled by its definition: "... (20 areas)"
            title = forms.mrss.title if self.grid_input in inputs else section.title
            frame, layout = card(title, f"{section.key}Card")
            layout.addWidget(section_widget(inputs))
            if forms.assessment.measure(forms.must.weight_measure).section == section.key:
                layout.addWidget(self.must)  # MUST beside the measures it is scored from
            placed[section.editor_column].addWidget(frame)
        left.addStretch(1)
        right.addStretch(1)
        self.scroll_area.setWidget(content)
        self.scroll_area.viewport().installEventFilter(self)
        body.addWidget(self.scroll_area, 1)

        self.flags = FlagsPanel(forms.response)
        # the flags scroll on their own: at a large zoom they are longer than the screen
        side_page = QWidget()
        side = QVBoxLayout(side_page)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.flags)
        side.addStretch(1)
        self.flags_scroll = QScrollArea()
        self.flags_scroll.setObjectName("flagsScroll")
        self.flags_scroll.setWidgetResizable(True)
        self.flags_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.flags_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.flags_scroll.setWidget(side_page)
        body.addWidget(self.flags_scroll)
        self._size_flags()
        outer.addLayout(body, 1)

        # keyboard order: the picker, then every input in the order of the forms, then save
        order: list[QWidget] = [self.picker]
        for m in definition.measures:
            if m.key in self.inputs:
                order += self.inputs[m.key].focus_chain()
        order.append(self.save_button)
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.focus_order = order

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # the scroll area's own width, once its layout has given it (not this view's)
        if watched is self.scroll_area.viewport() and event.type() == QEvent.Type.Resize:
            self._arrange_columns()
        return False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._size_flags()
            self._arrange_columns()

    def _size_flags(self) -> None:
        """The flags' column: between 14 and 22 letters wide, at any zoom."""
        em = self.fontMetrics().horizontalAdvance("M")
        self.flags_scroll.setMinimumWidth(em * 14)
        self.flags_scroll.setMaximumWidth(em * 22)

    def _arrange_columns(self) -> None:
        """Side by side when both columns fit the scroll area's width, else one under the
        other (a 1024-pixel projector, a large zoom)."""
        widths: list[int] = []
        for i in range(self.columns.count()):
            item = self.columns.itemAt(i)
            column = item.layout() if item is not None else None
            if column is not None:
                widths.append(column.minimumSize().width())
        needed = sum(widths) + self.columns.spacing()
        # a margin either way, so a scroll bar coming and going cannot make it flip back and forth
        now_wide = self.columns.direction() == QBoxLayout.Direction.LeftToRight
        margin = -self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) if now_wide else 0
        wide = self.scroll_area.viewport().width() >= needed + margin
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

    def input_after(self, key: str) -> QWidget | None:
        """The first field after a measure's, in keyboard order (the grid moves on to it)."""
        chain = self.inputs[key].focus_chain()
        if not chain or chain[-1] not in self.focus_order:
            return None
        i = self.focus_order.index(chain[-1]) + 1
        return self.focus_order[i] if i < len(self.focus_order) else None
