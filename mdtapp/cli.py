"""The `mdtapp` command. No subcommand opens the app; subcommands do everything else.

Exit codes: 0 done; 1 refused (e.g. a file that is not an mdtapp database); 2 bad input, with one
line per problem on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mdtapp import __version__
from mdtapp.domain.errors import FieldError, ValidationError

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


class CommandError(Exception):
    """A problem to tell the user in one or more lines, with an exit code."""

    def __init__(self, lines: Sequence[str] | str, code: int = EXIT_REFUSED):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        self.code = code
        super().__init__("; ".join(self.lines))


def _number(errors: list[FieldError], option: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(FieldError(option, f"must be a number; got {text!r}"))
        return None
    if value != value or value in (float("inf"), float("-inf")):
        errors.append(FieldError(option, f"must be a number; got {text!r}"))
        return None
    return value


def _whole(errors: list[FieldError], option: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        errors.append(FieldError(option, f"must be a whole number; got {text!r}"))
        return None


# option names as typed, for messages that name the field the user wrote
_DOSE_OPTIONS = {
    "sex": "--sex", "height_cm": "--height-cm", "weight_kg": "--weight-kg",
    "g_per_kg": "--g-per-kg", "days": "--days", "vial_step_g": "--vial-step",
    "interval_weeks": "--interval-weeks", "route": "--route", "ibw_basis": "--ibw-basis",
    "override_weight_kg": "--override-weight-kg", "override_reason": "--override-reason",
    "sc_doses_per_period": "--sc-doses",
}


def cmd_dose(args: argparse.Namespace) -> int:
    from mdtapp.domain.dosing import DoseRequest, plan_dose
    from mdtapp.domain.forms import forms

    errors: list[FieldError] = []
    request = DoseRequest(
        sex=args.sex,
        height_cm=_number(errors, "--height-cm", args.height_cm),  # type: ignore[arg-type]
        weight_kg=_number(errors, "--weight-kg", args.weight_kg),  # type: ignore[arg-type]
        g_per_kg=_number(errors, "--g-per-kg", args.g_per_kg),  # type: ignore[arg-type]
        days=_whole(errors, "--days", args.days),
        route=args.route,
        interval_weeks=_whole(errors, "--interval-weeks", args.interval_weeks),
        vial_step_g=_number(errors, "--vial-step", args.vial_step),
        ibw_basis=args.ibw_basis,
        override_weight_kg=_number(errors, "--override-weight-kg", args.override_weight_kg),
        override_reason=args.override_reason or "",
        sc_doses_per_period=_whole(errors, "--sc-doses", args.sc_doses),
    )
    # unparseable numbers reach the domain as None; its own checks then report everything else
    problems = [f"{err.field}: {err.message}" for err in errors]
    unparsed = {err.field for err in errors}
    try:
        plan = plan_dose(request, forms().dosing)
    except ValidationError as e:
        for err in e.errors:
            option = _DOSE_OPTIONS.get(err.field, err.field)
            if option not in unparsed:
                problems.append(f"{option}: {err.message}")
    if problems:
        raise CommandError(problems, EXIT_BAD_INPUT)
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, ensure_ascii=False))
    else:
        print(format_dose_plan(plan))
    return EXIT_OK


def format_dose_plan(plan: Any) -> str:
    from mdtapp.domain.numbers import plain, show

    lines = [
        "Ig dose plan (policy 2271)",
        f"  Ideal body weight   {show(plan.ideal_weight_kg):>7} kg",
        f"  Adjusted weight     {show(plan.adjusted_weight_kg):>7} kg",
        f"  Actual weight       {show(plan.actual_weight_kg):>7} kg",
        f"  BMI                 {show(plan.bmi):>7} kg/m²",
        f"  Weight basis        {plan.weight_basis} — {plan.rule}",
        f"  Dosing weight       {show(plan.dosing_weight_kg):>7} kg"
        + (" (MDT override)" if plan.overridden else ""),
        f"  Dose                {plain(plan.g_per_kg)} g/kg",
        f"  Course total        {plain(plan.course_total_g)} g",
    ]
    if plan.route == "iv":
        lines.append(f"  Daily doses         {', '.join(plain(d) for d in plan.doses_g)} g "
                     f"over {plan.days} days")
        lines.append(f"  Interval            every {plan.interval_weeks} weeks")
    else:
        lines.append(f"  SC doses            {', '.join(plain(d) for d in plan.doses_g)} g per "
                     f"{plan.sc_period_weeks} weeks")
    lines.append("How it was reached:")
    lines.extend(f"  {i}. {step}" for i, step in enumerate(plan.steps, 1))
    if plan.notes:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in plan.notes)
    return "\n".join(lines)


def cmd_gui(args: argparse.Namespace) -> int:
    from mdtapp.ui.app import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH",
                        help="database file (default: MDTAPP_DB, else the user data folder)")

    parser = argparse.ArgumentParser(
        prog="mdtapp",
        parents=[common],
        description="Scleromyxedema immunoglobulin MDT assessments (NHS England policy 2271). "
                    "With no command, opens the app.",
        epilog="Run 'mdtapp COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"mdtapp {__version__}")
    parser.add_argument("--open", metavar="NHS_NUMBER", help="open the app on this patient")
    parser.add_argument("--quit-when-ready", action="store_true",
                        help="open the window, wait until the patient list is painted, exit 0")
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str,
                description: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text,
                           description=description or help_text)
        p.set_defaults(handler=handler)
        return p

    dose = command(
        "dose", cmd_dose, "calculate an Ig dose plan (weights, course total, daily split)",
        "Calculate the Ig dose plan a pharmacist can check by hand: ideal, adjusted and actual "
        "weight, which applies and why, the course total rounded down to whole 10 g, and the "
        "daily doses in whole vial steps.")
    dose.add_argument("--sex", required=True, help="female, male, other or unknown")
    dose.add_argument("--height-cm", required=True, help="height in cm")
    dose.add_argument("--weight-kg", required=True, help="actual weight in kg")
    dose.add_argument("--g-per-kg", required=True, help="dose in g/kg (policy start: 1-2)")
    dose.add_argument("--days", help="IV: days the course is given over (2-5)")
    dose.add_argument("--route", default="iv", help="iv (default) or sc")
    dose.add_argument("--sc-doses", help="SC: doses per 4 weeks (1, 2 or 4)")
    dose.add_argument("--interval-weeks", help="weeks between courses (default: 4, said so)")
    dose.add_argument("--vial-step", help="daily doses are multiples of this many g (default 5)")
    dose.add_argument("--ibw-basis", help="female or male IBW formula, when sex is other/unknown")
    dose.add_argument("--override-weight-kg", help="MDT override of the dosing weight")
    dose.add_argument("--override-reason", help="why the weight is overridden (required with it)")
    dose.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CommandError as e:
        for line in e.lines:
            print(f"mdtapp: {line}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
