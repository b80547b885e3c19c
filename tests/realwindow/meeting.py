"""domain.md's "A meeting, step by step", as the nurse drives it: keys typed through the X
server into the real window; a field is reached by Tab where the form's order leads there, or
"clicked into" (given the focus) where a person would reach for the mouse.

Patient A, a new referral, is added, found eligible, scored at baseline, dosed, decided on,
signed, and her letter saved as PDF. Patient B, at her 6-month review, is scored: the panel
shows no response since baseline, and the MDT decides to stop. The reviews dashboard is read
before and after. Everything stored is checked afterwards by the test, from the database and
the letter's text.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication, QWidget

from tests.realwindow.harness import Driver

USER, PASSWORD = "nurse", "nurse-passphrase"
A_NHS = "943 476 5919"
B_NHS = "999 000 1049"  # a demo patient, overdue for her 6-month review


def scenario(d: Driver) -> None:
    d.wait_window("loginDialog")
    d.step("1. sign in; the reviews dashboard shows who is due")
    d.type(USER)
    d.key("Tab")
    d.type(PASSWORD)
    d.key("Return")
    window = d.wait_window("mainWindow")
    d.key("ctrl+2")
    d.wait_until(lambda: window.stack.currentWidget() is window.reviews, "the reviews list")
    d.record("due_before", d.gui(lambda: _rows(window.reviews.table)))
    d.shot("reviews-before")

    d.step("2. patient A, new referral: NHS number checked as typed")
    d.key("ctrl+n")
    dialog = d.wait_window("patientDialog")
    d.type(A_NHS.replace(" ", "")[:9] + "8")  # a wrong check digit first
    d.record("nhs_wrong", d.gui(lambda: dialog.nhs_state.text()))
    d.key("BackSpace")
    d.type("9")
    d.record("nhs_right", d.gui(lambda: dialog.nhs_state.text()))
    d.key("Tab")
    d.type("Ng")
    d.key("Tab")
    d.type("Mei Ling")
    d.key("Tab")
    d.type("07031971")  # a date as typed on a keypad
    d.key("Tab")
    _expect_focus(d, "sex")
    d.key("f")  # the combo box's first letter: Female
    d.key("Tab")
    _expect_focus(d, "hospitalNumber")
    d.type("RX12345")
    d.key("Tab")
    _expect_focus(d, "heightCm")
    d.type("165")
    d.shot("new-patient")
    d.key("Return")
    d.wait_until(lambda: not dialog.isVisible(), "the new patient saved")
    workspace = d.wait_until(lambda: window._workspace, "the patient open")
    d.wait_until(lambda: window.stack.currentWidget() is workspace, "the patient shown")

    d.step("   eligibility: three criteria yes, histology unknown (biopsy pending)")
    d.key("alt+e")
    elig = workspace.eligibility
    _focus(d, elig, "criterion_papular_sclerodermoid_eruption")
    d.key("y", "Tab", "y", "Tab", "y", "Tab", "u")
    _focus(d, elig, "rheumatology_agreed_clinician")
    d.type("Dr R Rheum")
    d.key("Tab")
    d.type(date.today().strftime("%d/%m/%Y"))
    _focus(d, elig, "dermatology_agreed_clinician")
    d.type("Dr D Derm")
    d.key("Tab")
    d.type(date.today().strftime("%d/%m/%Y"))
    _focus(d, elig, "contraindicationsReviewed")
    d.key("space")
    d.record("checklist", d.gui(lambda: elig.checklist.label.text()))
    d.shot("eligibility")
    _focus(d, elig, "saveEligibility")
    d.key("space")
    d.wait_until(lambda: elig.saved.text().startswith("Saved"), "eligibility saved")

    d.step("3. baseline assessment: 20 mRSS digits, three VAS, papules, systemic, weight")
    d.key("alt+a")
    editor = workspace.assessment
    d.gui(lambda: editor.examiner.setFocus())
    d.type("Dr D Derm")
    d.key("Tab")  # on to the grid (a completer's list, if shown, closes)
    _expect_focus(d, "mrssGrid")
    d.type("11221122112211221122")  # 30 / 60
    d.wait_until(
        lambda: QApplication.focusWidget() is editor.vas["itch_vas_mm"].mm,
        "typing flows on to the itch VAS",
    )
    d.type("60")
    d.key("Tab")
    d.type("55")
    d.key("Tab")
    d.type("50")
    papules = editor.inputs["papules"]
    d.gui(lambda: papules.count.setFocus())
    d.type("30")
    d.gui(lambda: papules.site.setFocus())
    d.key("ctrl+a")
    d.type("left forearm")
    d.gui(lambda: _weight(editor).setFocus())
    d.type("70")
    d.record("mrss_total_text", d.gui(lambda: editor.mrss_total.text()))
    d.record("itch", d.gui(lambda: editor.vas["itch_vas_mm"].value()))
    d.shot("assessment-typed")
    d.key("ctrl+s")
    d.wait_until(lambda: editor.status.text().startswith("Saved"), "the assessment saved")

    d.step("4. the dose plan: 165 cm, female, 70 kg, 2 g/kg over 5 days")
    d.key("alt+t")
    treatment = workspace.treatment
    d.gui(lambda: treatment.weight.setFocus())
    d.key("ctrl+a")
    d.type("70")
    d.gui(lambda: treatment.g_per_kg.setFocus())
    d.key("ctrl+a")
    d.type("2")
    d.record("plan", d.gui(lambda: treatment.plan.text()))
    d.shot("dose-plan")
    d.gui(lambda: treatment.save_regimen_button.setFocus())
    d.key("space")
    d.wait_until(lambda: workspace.file and workspace.file.regimens, "the regimen saved")

    d.step("5. the decision: start, review at 3 months; signed by the consultant")
    d.key("alt+d")
    decisions = workspace.decisions
    d.gui(lambda: decisions.kind.setFocus())
    d.gui(lambda: decisions.kind.setCurrentIndex(decisions.kind.findData("start")))
    d.gui(lambda: decisions.reason.setFocus())
    d.type("Eligible: 3 of 4 criteria; both specialties agree. Start 2 g/kg 4-weekly.")
    d.gui(lambda: decisions.clinicians.setFocus())
    d.type("Dr R Rheum; Dr D Derm")
    d.gui(lambda: decisions.findChild(QWidget, "review_plus_3").setFocus())
    d.key("space")
    d.gui(lambda: decisions.save_button.setFocus())
    d.key("space")
    d.wait_until(lambda: decisions.model.rowCount() == 1, "the decision saved")
    d.gui(lambda: decisions.table.selectRow(0))
    d.gui(lambda: decisions.sign_button.setFocus())
    d.key("space")
    sign = d.wait_window("signDialog")
    d.type(PASSWORD)
    d.key("Return")
    d.wait_until(lambda: not sign.isVisible(), "the sign dialog closed")
    d.record("signed", d.gui(lambda: decisions.sign_message.text()))
    d.shot("decision-signed")

    d.step("   the letter, previewed and saved as PDF")
    d.key("ctrl+l")
    _letter_details(d)
    preview = d.wait_window("pdfPreview")
    d.record("letter_pages", d.gui(lambda: preview.page_count()))
    d.shot("letter-preview")
    d.gui(lambda: preview.save_to(d.out / "letter-A.pdf"))
    d.key("Escape")
    d.wait_until(lambda: d.top_level("pdfPreview") is None, "the preview closed")

    d.step("6. patient B, 6-month review: no response since baseline")
    d.key("ctrl+2")
    d.wait_until(lambda: window.stack.currentWidget() is window.reviews, "the reviews list")
    row = d.gui(lambda: _row_of(window.reviews.table, B_NHS))
    d.gui(lambda: window.reviews.table.selectRow(row))
    d.gui(lambda: window.reviews.table.setFocus())
    d.key("Return")
    d.wait_until(
        lambda: window._workspace.file.patient.value.nhs_number == B_NHS.replace(" ", ""),
        "patient B open",
    )
    d.key("ctrl+shift+a")
    editor = window.workspace.assessment
    d.wait_until(lambda: editor.date.hasFocus(), "a new assessment")
    d.key("Tab")
    _expect_focus(d, "examiner")
    d.type("Dr D Derm")
    d.key("Tab")
    _expect_focus(d, "mrssGrid")
    d.type("22222222222222222222")  # 40 / 60: no better than baseline
    d.type("70")
    d.key("Tab")
    d.type("70")
    d.key("Tab")
    d.type("70")
    d.record("panel_B", d.gui(lambda: _panel_text(editor.flags)))
    d.shot("review-B-typed")
    d.key("ctrl+s")
    d.wait_until(lambda: editor.status.text().startswith("Saved"), "B's review saved")
    d.key("alt+d")
    decisions = window.workspace.decisions
    d.gui(lambda: decisions.kind.setCurrentIndex(decisions.kind.findData("stop")))
    d.gui(lambda: decisions.reason.setFocus())
    d.type("No response after 6 months; the patient agrees to stop.")
    d.gui(lambda: decisions.save_button.setFocus())
    d.key("space")
    d.wait_until(lambda: decisions.model.rowCount() >= 1, "B's decision saved")
    d.key("ctrl+l")
    _letter_details(d)
    preview = d.wait_window("pdfPreview")
    d.gui(lambda: preview.save_to(d.out / "letter-B.pdf"))
    d.key("Escape")
    d.wait_until(lambda: d.top_level("pdfPreview") is None, "the preview closed")

    d.step("   the reviews dashboard afterwards")
    d.key("ctrl+2")
    d.wait_until(lambda: window.stack.currentWidget() is window.reviews, "the reviews list")
    d.record("due_after", d.gui(lambda: _rows(window.reviews.table)))
    d.shot("reviews-after")


# what the letter asks for the first time (domain.md 7: never a placeholder letterhead or name)
LETTER_DETAILS = {
    "letterhead.centre": "Royal Example Hospital",
    "author.name": "Dr D Derm",
    "author.role": "Consultant dermatologist",
}


def _letter_details(d: Driver) -> None:
    """The first letter asks for the centre's name and the author: typed, Tab between, Enter."""
    d.wait_until(
        lambda: d.top_level("letterDetailsDialog") or d.top_level("pdfPreview"),
        "the letter, or the question before it",
    )
    dialog = d.top_level("letterDetailsDialog")
    if dialog is None:
        return
    keys = d.gui(lambda: list(dialog.fields))
    d.record("letter_asked", keys)
    d.shot("letter-details")
    for i, key in enumerate(keys):
        _expect_focus(d, f"letter_{key.replace('.', '_')}")
        d.type(LETTER_DETAILS[key])
        if i < len(keys) - 1:
            d.key("Tab")
    d.key("Return")
    d.wait_until(lambda: d.top_level("letterDetailsDialog") is None, "the question answered")


def _focus(d: Driver, root: QWidget, name: str, fallback=None) -> None:
    """Give a field the focus, as a click into it would."""

    def find() -> bool:
        widget = root.findChild(QWidget, name) or (fallback() if fallback else None)
        if widget is None:
            raise AssertionError(f"no field {name!r}")
        widget.setFocus()
        return widget.hasFocus()

    d.wait_until(find, f"focus on {name}")


def _expect_focus(d: Driver, name: str) -> None:
    """Tab has taken the focus to this field (the form's keyboard order is right)."""

    def there() -> bool:
        widget = QApplication.focusWidget()
        return widget is not None and widget.objectName() == name

    d.wait_until(there, f"Tab to reach {name}")


def _weight(editor) -> QWidget:
    """The weight box (its measure key comes from forms/assessment.toml)."""
    return editor.inputs["nutrition.weight_kg"].focus_chain()[0]


def _panel_text(panel) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in panel.findChildren(QLabel))


def _rows(table) -> list[list[str]]:
    model = table.model()
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def _row_of(table, nhs: str) -> int:
    for r, row in enumerate(_rows(table)):
        if nhs in row:
            return r
    raise AssertionError(f"{nhs} not in the list")
