from __future__ import annotations

import json

from mdtapp.cli import main


def test_dose_prints_a_plan_a_pharmacist_can_check(capsys):
    code = main(
        [
            "dose",
            "--sex",
            "female",
            "--height-cm",
            "165",
            "--weight-kg",
            "70",
            "--g-per-kg",
            "2",
            "--days",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Ideal body weight      56.9 kg" in out
    assert "Adjusted weight        62.1 kg" in out
    assert "Actual weight          70.0 kg" in out
    assert "Weight basis        adjusted" in out
    assert "Course total        120 g" in out
    assert "Daily doses         25, 25, 25, 25, 20 g over 5 days" in out
    assert "124.3 g → rounded down to whole 10 g: 120 g" in out


def test_dose_json(capsys):
    code = main(
        [
            "dose",
            "--sex",
            "female",
            "--height-cm",
            "165",
            "--weight-kg",
            "70",
            "--g-per-kg",
            "2",
            "--days",
            "5",
            "--vial-step",
            "5",
            "--json",
        ]
    )
    plan = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {
        k: plan[k]
        for k in (
            "ideal_weight_kg",
            "adjusted_weight_kg",
            "actual_weight_kg",
            "bmi",
            "weight_basis",
            "dosing_weight_kg",
            "course_total_g",
            "daily_doses_g",
        )
    } == {
        "ideal_weight_kg": 56.9,
        "adjusted_weight_kg": 62.1,
        "actual_weight_kg": 70,
        "bmi": 25.7,
        "weight_basis": "adjusted",
        "dosing_weight_kg": 62.1,
        "course_total_g": 120,
        "daily_doses_g": [25, 25, 25, 25, 20],
    }


def test_bad_input_is_one_line_per_problem_and_nothing_else(capsys):
    code = main(
        [
            "dose",
            "--sex",
            "unknownish",
            "--height-cm",
            "0",
            "--weight-kg",
            "900",
            "--g-per-kg",
            "3",
            "--days",
            "7",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "mdtapp: --sex: must be one of female, male, other, unknown; got 'unknownish'",
        "mdtapp: --height-cm: must be 120-230 cm; got 0",
        "mdtapp: --weight-kg: must be 25-350 kg; got 900",
        "mdtapp: --g-per-kg: must be 0.1-2 g/kg; got 3",
        "mdtapp: --days: must be 2-5 days; got 7",
    ]


def test_unparseable_numbers_are_named_alongside_other_problems(capsys):
    code = main(
        [
            "dose",
            "--sex",
            "other",
            "--height-cm",
            "tall",
            "--weight-kg",
            "80",
            "--g-per-kg",
            "2",
            "--days",
            "5",
        ]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err == [
        "mdtapp: --height-cm: must be a number; got 'tall'",
        "mdtapp: --ibw-basis: sex is recorded as other: choose the ideal-weight "
        "formula (female or male); it is never guessed",
    ]


JANE = ["--sex", "female", "--height-cm", "165", "--weight-kg", "70", "--g-per-kg", "2"]


def test_a_missing_option_is_named_with_what_it_accepts(capsys):
    # before: "--days: must be 2-5 days; got None"
    assert main(["dose", *JANE]) == 2
    assert capsys.readouterr().err.splitlines() == ["mdtapp: --days: is required for IV (2-5 days)"]
    assert main(["dose", *JANE, "--route", "sc"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "mdtapp: --sc-doses: is required for SC (one of 1, 2, 4 doses per 4 weeks)"
    ]


def test_the_override_is_named_by_its_option(capsys):
    code = main(["dose", *JANE, "--days", "5", "--override-weight-kg", "10"])
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "mdtapp: --override-weight-kg: must be 25-350 kg; got 10",
        "mdtapp: --override-reason: is required when the dosing weight is overridden",
    ]


def test_a_weekly_interval_reads_as_one_week(capsys):
    assert main(["dose", *JANE, "--days", "5", "--interval-weeks", "1"]) == 0
    out = capsys.readouterr().out
    assert "  Interval            every 1 week\n" in out
    assert "  7. Every 1 week\n" in out  # before: "Every 1 weeks"


def test_unreadable_forms_are_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    import shutil

    from mdtapp.paths import forms_dir

    copy = tmp_path / "forms"
    shutil.copytree(forms_dir(), copy)
    toml = copy / "dosing.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('round_down_to_g = "10"', ""))
    monkeypatch.setenv("MDTAPP_FORMS_DIR", str(copy))
    expected = ["mdtapp: forms/dosing.toml: course.round_down_to_g: missing"]
    assert main(["dose", *JANE, "--days", "5"]) == 1
    assert capsys.readouterr().err.splitlines() == expected
    assert main(["dose", "--help"]) == 1  # the help reads its limits from the forms too
    assert capsys.readouterr().err.splitlines() == expected
