"""The dose plan is defined once (domain/dosing.py) and every output renders it: a change to
forms/dosing.toml reaches the command line, its help, the overview and the letter with no code
change."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from mdtapp.cli import main
from mdtapp.domain.forms import load_forms
from mdtapp.domain.model import Regimen
from mdtapp.paths import forms_dir
from mdtapp.reports.service import produce_letter
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.reports.conftest import SETTINGS, pages_text
from tests.store.conftest import fixed_clock, jane

JANE = ["--sex", "female", "--height-cm", "165", "--weight-kg", "70", "--g-per-kg", "2"]


@pytest.fixture
def forms_50g(tmp_path, monkeypatch):
    """A reviewed copy of forms/ that rounds the course down to whole 50 g instead of 10 g
    (every allowed vial step, 1-10 g, divides 50 g, so the copy loads)."""
    copy = tmp_path / "forms"
    shutil.copytree(forms_dir(), copy)
    path = copy / "dosing.toml"
    text = path.read_text(encoding="utf-8")
    assert 'round_down_to_g = "10"' in text
    path.write_text(text.replace('round_down_to_g = "10"', 'round_down_to_g = "50"'), "utf-8")
    monkeypatch.setenv("MDTAPP_FORMS_DIR", str(copy))
    return copy


def test_a_new_rounding_unit_reaches_the_cli_its_help_the_overview_and_the_letter(
    forms_50g, tmp_path, qtbot, capsys
):
    # Jane, the worked example: adjusted weight 62.1 kg; 2 x 62.1 = 124.3 g. Rounded down to
    # whole 50 g that is 100 g (two 50 g units), not 120 g; 100 g over 5 days = 20 g a day.
    assert main(["dose", *JANE, "--days", "5"]) == 0
    out = capsys.readouterr().out
    assert "  Course total        100 g\n" in out
    assert "  Daily doses         20, 20, 20, 20, 20 g over 5 days\n" in out
    assert "= 124.3 g → rounded down to whole 50 g: 100 g" in out
    assert "10 g" not in out

    with pytest.raises(SystemExit):
        main(["dose", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the course total rounded down to whole 50 g" in help_text

    store = Store.open(
        tmp_path / "d.db", user="tester", clock=fixed_clock, forms=load_forms(forms_50g)
    )
    try:
        uid = store.add_patient(jane()).uid
        store.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
        store.save("assessments", uid, assessment(date(2026, 11, 5), mrss=20, itch=40))

        letter = " ".join(pages_text(produce_letter(store, uid, settings=SETTINGS).pdf))
        assert "Course total 100 g (rounded down to whole 50 g)" in letter
        assert "5 days: 20 + 20 + 20 + 20 + 20 = 100 g" in letter
        assert "whole 10 g" not in letter

        from mdtapp.ui.app import application
        from mdtapp.ui.session import Session
        from mdtapp.ui.views.overview import OverviewView

        application()
        overview = OverviewView(Session(store))
        qtbot.addWidget(overview)
        overview.show_file(store.load(uid))
        shown = overview.dose.text()
        assert "<b>100 g</b>" in shown and "rounded down to whole 50 g" in shown
        assert "whole 10 g" not in shown
    finally:
        store.close()


def test_the_help_reads_every_limit_and_default_from_the_forms(forms_50g, capsys):
    path = forms_50g / "dosing.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("days_max = 5", "days_max = 4"),
        ('default_vial_step_g = "5"', 'default_vial_step_g = "10"'),
        ("starting_weeks = 4", "starting_weeks = 3"),
        ("doses_per_period_choices = [1, 2, 4]", "doses_per_period_choices = [1, 4]"),
        ('height_cm_max = "230"', 'height_cm_max = "220"'),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
    with pytest.raises(SystemExit):
        main(["dose", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "IV: days the course is given over (2-4 days)" in help_text
    assert "(one of 1, 2, 2.5, 5, 10 g; default 10 g)" in help_text
    assert "weeks between courses (1-26 weeks; default 3, said so)" in help_text
    assert "(one of 1, 4 doses per 4 weeks)" in help_text
    assert "height (120-220 cm)" in help_text
    assert "dose (0.1-2 g/kg; policy start: 1-2 g/kg)" in help_text
    # and the messages say the same limits
    assert main(["dose", *JANE, "--days", "5", "--height-cm", "225"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "mdtapp: --height-cm: must be 120-220 cm; got 225",
        "mdtapp: --days: must be 2-4 days; got 5",
    ]


def test_every_output_shows_the_plans_own_lines(forms_50g):
    from mdtapp.domain.dosing import DoseRequest, plan_dose

    plan = plan_dose(DoseRequest("female", 165, 70, 2, 5), load_forms(forms_50g).dosing)
    lines = {line.key: line for line in plan.lines}
    assert [line.key for line in plan.lines] == [
        "ideal_weight",
        "adjusted_weight",
        "actual_weight",
        "bmi",
        "weight_basis",
        "dosing_weight",
        "dose",
        "course_total",
        "doses",
        "interval",
    ]
    assert (lines["course_total"].value, lines["course_total"].detail) == (
        "100 g",
        "rounded down to whole 50 g",
    )
    brief = {line.key: line.value for line in plan.brief_lines}
    assert brief["course_total"] == "100 g (rounded down to whole 50 g)"
    assert brief["weights"] == "ideal 56.9 kg · adjusted 62.1 kg · actual 70.0 kg · BMI 25.7 kg/m²"
