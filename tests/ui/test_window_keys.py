"""The window's keys: every Alt+letter goes to one place, F1 opens the guide, the zoom scales every
view and is remembered on this computer."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mdtapp.preferences import load_preferences, preferences_path


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else None


def test_no_two_menus_or_tabs_share_an_alt_letter(window, treated):
    window.open_patient(treated)
    menus = [a.text() for a in window.menuBar().actions()]
    tabs = [window.workspace.tabs.tabText(i) for i in range(window.workspace.tabs.count())]
    letters = [_mnemonic(t) for t in menus + tabs]
    assert None not in letters, menus + tabs
    assert len(set(letters)) == len(letters), dict(zip(menus + tabs, letters, strict=True))


def test_alt_t_opens_the_treatment_tab_not_a_menu(qtbot, window, treated):
    window.open_patient(treated)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert window.workspace.tabs.currentWidget() is window.workspace.tabs.widget(3)
    assert "Treatment" in window.workspace.tabs.tabText(3)


def test_f1_opens_the_user_guide_with_its_pictures(qtbot, window):
    window.guide_action.trigger()
    guide = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "userGuide")
    qtbot.addWidget(guide)
    text = guide.browser.toPlainText()
    assert "The meeting, step by step" in text and "What the flags mean" in text
    # the screenshots load from the shipped docs folder, offline
    from mdtapp.paths import docs_dir

    names = re.findall(r"screenshots/\w+\.png", (docs_dir() / "user-guide.md").read_text())
    assert names and all((docs_dir() / n).is_file() for n in names)
    for name in names:
        image = guide.browser.loadResource(2, guide.browser.source().resolved(name))  # 2: image
        assert image is not None and not image.isNull(), name
    screen = guide.screen().availableGeometry()
    assert guide.width() <= screen.width() and guide.height() <= screen.height()
    guide.close()


def test_zoom_scales_every_view_and_is_remembered(qtbot, window, treated):
    window.open_patient(treated, "assessment")
    app = QApplication.instance()
    before = app.font().pointSizeF()
    label_before = window.workspace.banner.name.fontInfo().pointSizeF()
    try:
        window.zoom_in_action.trigger()  # 100 -> 110
        window.zoom_in_action.trigger()  # -> 125
        assert load_preferences().zoom_percent == 125
        assert app.font().pointSizeF() == before * 1.25
        assert window.workspace.banner.name.fontInfo().pointSizeF() > label_before
        window.zoom_out_action.trigger()
        assert load_preferences().zoom_percent == 110
        window.zoom_reset_action.trigger()
        assert load_preferences().zoom_percent == 100
        assert app.font().pointSizeF() == before
    finally:
        preferences_path().unlink(missing_ok=True)
        window.zoom_reset_action.trigger()
