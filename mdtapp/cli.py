"""The `mdtapp` command. No subcommand opens the app; subcommands do everything else.

Exit codes: 0 done; 1 refused (e.g. a file that is not an mdtapp database); 2 bad input, with one
line per problem on stderr; 70 a bug: one line saying where its report (no patient data) went.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from mdtapp.domain.dosing import DosePlan
    from mdtapp.domain.forms import DosingRules

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_BUG = 0, 1, 2, 70


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


# option names as typed, for messages that name the field the user wrote (the domain names
# fields as the interchange file does)
_DOSE_OPTIONS = {
    "sex": "--sex",
    "height_cm": "--height-cm",
    "weight_kg": "--weight-kg",
    "g_per_kg": "--g-per-kg",
    "days": "--days",
    "vial_step_g": "--vial-step",
    "interval_weeks": "--interval-weeks",
    "route": "--route",
    "ibw_basis": "--ibw-basis",
    "dosing_weight_override_kg": "--override-weight-kg",
    "override_reason": "--override-reason",
    "sc_doses_per_period": "--sc-doses",
}


def cmd_dose(args: argparse.Namespace) -> int:
    from mdtapp.domain.dosing import DoseRequest, plan_dose

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
        plan = plan_dose(request, _dosing_rules())
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


def _dosing_rules() -> DosingRules:
    from mdtapp.domain.forms import FormsError, forms

    try:
        return forms().dosing
    except FormsError as e:
        raise CommandError(str(e)) from None


def format_dose_plan(plan: DosePlan) -> str:
    """The plan's lines as a table (weights aligned on the point), then the working."""
    lines = ["Ig dose plan (policy 2271)"]
    for line in plan.lines:
        value = line.value
        if line.decimal:
            number, _, unit = value.partition(" ")
            value = f"{number:>7} {unit}"
        lines.append(f"  {line.label:<20}{value}")
    lines.append("How it was reached:")
    lines.extend(f"  {i}. {step}" for i, step in enumerate(plan.steps, 1))
    if plan.notes:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in plan.notes)
    return "\n".join(lines)


class _DoseHelp(argparse.HelpFormatter):
    """The dose command's help, with the numbers filled in from forms/dosing.toml when the help
    is shown: reading the forms for every command would slow each start by ~30 ms."""

    def _format_text(self, text: str) -> str:
        return super()._format_text(text.format_map(_dose_help_numbers()))

    def _expand_help(self, action: argparse.Action) -> str:
        return super()._expand_help(action).format_map(_dose_help_numbers())


def _dose_help_numbers() -> dict[str, str]:
    from mdtapp.domain.dosing import allowed, starting_range
    from mdtapp.domain.numbers import plain

    rules = _dosing_rules()
    return {
        **allowed(rules),
        "round_down_to_g": plain(rules.round_down_to_g),
        "default_vial_step_g": plain(rules.default_vial_step_g),
        "starting_weeks": str(rules.interval_starting_weeks),
        "starting_range": starting_range(rules),
    }


def _username(args: argparse.Namespace) -> str:
    import os

    name = getattr(args, "user", None) or os.environ.get("MDTAPP_USER", "")
    if not name and sys.stdin.isatty():
        name = input("User name: ").strip()
    if not name:
        raise CommandError("no user: give --user NAME or set MDTAPP_USER", EXIT_BAD_INPUT)
    return name


def _password(prompt: str, *, env: str = "MDTAPP_PASSWORD", confirm: bool = False) -> str:
    """From the environment (automation) or typed at a hidden prompt; never echoed or logged."""
    import getpass
    import os

    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise CommandError(f"no password: run in a terminal or set {env}", EXIT_BAD_INPUT)
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again, to check: ") != first:
        raise CommandError("the two passwords differ: nothing was created", EXIT_BAD_INPUT)
    return first


def open_store(args: argparse.Namespace, *, create: bool = True) -> Any:
    """The one way commands open the database: signed in as a named user. A database created
    here is encrypted (unless --plaintext) and its creator is its first administrator."""
    from mdtapp.store import access
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.errors import StoreError

    path = resolve_db_path(getattr(args, "db", None))
    plaintext = bool(getattr(args, "plaintext", False))

    def created(code: str | None) -> None:
        if code:
            print(
                f"Created the encrypted database {path}, with {user} as its first "
                f"administrator.\nRecovery key (print it and keep it in a safe; it opens the "
                f"database if the keyring or every password is lost):\n  {code}",
                file=sys.stderr,
            )
        else:
            print(
                f"Created {path} UNENCRYPTED (--plaintext): for demonstrations and tests "
                "only, never real patients",
                file=sys.stderr,
            )

    try:
        if not path.exists() and not create:
            raise CommandError(f"{path} does not exist")
        user = _username(args)
        if access.needs_new_password(path):
            password = _password(
                f"Choose a password for {user} (the first administrator): ", confirm=True
            )
        else:
            password = _password(f"Password for {user}: ")
        return access.open_as(
            path, user, password, create=create, plaintext=plaintext, on_created=created
        )
    except StoreError as e:
        raise CommandError(str(e)) from None


def _nhs_arg(text: str) -> str:
    from mdtapp.domain.nhs_number import nhs_number_problem, normalise_nhs_number

    problem = nhs_number_problem(text)
    if problem:
        raise CommandError(f"--nhs-number: {problem}", EXIT_BAD_INPUT)
    return normalise_nhs_number(text)


def _load_patient(store: Any, nhs_number: str) -> Any:
    from mdtapp.store.errors import RecordNotFound

    try:
        return store.load_by_nhs(nhs_number)
    except RecordNotFound as e:
        raise CommandError(str(e)) from None


def cmd_demo(args: argparse.Namespace) -> int:
    from mdtapp.domain.nhs_number import format_nhs_number
    from mdtapp.store.demo import add_demo_patients

    with open_store(args) as store:
        added = add_demo_patients(store)
        where = store.path
    if added:
        print(
            f"Added {len(added)} synthetic demo patients to {where}: "
            + ", ".join(format_nhs_number(n) for n in added)
        )
    else:
        print(f"The demo patients are already in {where}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from mdtapp.store.interchange import export_file

    with open_store(args, create=False) as store:
        count = export_file(store, args.file)
    print(f"Exported {count} patient(s) to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.errors import StoreError
    from mdtapp.store.interchange import (
        ImportRejected,
        import_document,
        read_document,
        refuse_bad_file,
    )

    path = resolve_db_path(getattr(args, "db", None))
    new = not path.exists()
    refused: list[str] = []
    deep = f"{args.file}: nested far deeper than any mdtapp/1 file: nothing was imported"
    try:
        document = read_document(args.file)
        if new:  # a file refused on its own creates no database
            refuse_bad_file(document)
    except ImportRejected as e:
        raise CommandError(
            [*e.problems, f"{args.file}: nothing was imported"], EXIT_BAD_INPUT
        ) from None
    except RecursionError:  # json and jsonschema recurse once per level of nesting
        raise CommandError(deep, EXIT_BAD_INPUT) from None
    there_before = _database_files(path)
    code = EXIT_BAD_INPUT
    with open_store(args) as store:
        try:
            result = import_document(store, document, merge=args.merge, source=str(args.file))
        except ImportRejected as e:
            refused = [*e.problems, f"{args.file}: nothing was imported"]
        except RecursionError:
            refused = [deep]
        except StoreError as e:  # a known fault (a full disk...): nothing was written either
            refused, code = [str(e), f"{args.file}: nothing was imported"], EXIT_REFUSED
        empty = new and bool(refused) and _holds_no_patient(store)
    if refused:
        if empty:  # the database this command made for the import goes with it
            _remove_files_made(path, there_before)
            refused.append(f"{path}: the new database was removed")
        raise CommandError(refused, code)
    older = (
        f", {result.records_older} older in the file (the newer version here kept)"
        if result.records_older
        else ""
    )
    print(
        f"Imported {args.file}: {result.patients_added} patient(s) added, "
        f"{result.patients_merged} merged, {result.records_added} record(s) added, "
        f"{result.records_updated} updated{older}"
    )
    return EXIT_OK


def _holds_no_patient(store: Any) -> bool:
    from mdtapp.store.errors import StoreError
    from mdtapp.store.sqlite import dbapi

    try:
        return bool(store.count_patients() == 0)
    except (StoreError, dbapi.Error):  # cannot tell: keep it
        return False


def _database_files(path: Path) -> set[Path]:
    """The files a database at `path` has: itself, its keyring (and its lock), its sign-in
    attempts, its journal, daily backups."""
    from mdtapp.store.attempts import attempts_path
    from mdtapp.store.backup import backups_dir
    from mdtapp.store.keyring import keyring_path, lock_path

    files = {path, keyring_path(path), lock_path(path), attempts_path(path)}
    files |= {Path(f"{path}-wal"), Path(f"{path}-shm")}
    folder = backups_dir(path)
    files |= set(folder.glob(f"{path.stem}-daily-*")) if folder.is_dir() else set()
    return {f for f in files if f.exists()} | ({folder} if folder.is_dir() else set())


def _remove_files_made(path: Path, there_before: set[Path]) -> None:
    """Remove what this command made for a database it created (nothing that was there)."""
    from mdtapp.store import files
    from mdtapp.store.backup import backups_dir

    folder = backups_dir(path)
    for made in sorted(_database_files(path) - there_before - {folder}):
        files.remove(made)
    if folder.is_dir() and folder not in there_before:
        with contextlib.suppress(OSError):
            folder.rmdir()


def cmd_summary(args: argparse.Namespace) -> int:
    from mdtapp.domain.record import patient_state, summary_json

    nhs = _nhs_arg(args.nhs_number)
    with open_store(args, create=False) as store:
        file = _load_patient(store, nhs)
        record = file.record
        today = store.today()
        state = patient_state(record, today=today, forms=store.forms)
        summary = summary_json(record, state, today=today, forms=store.forms)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(record, state, store.forms))
    return EXIT_OK


def summary_text(m: Any, a: Any, forms: Any) -> str:
    """One measure of the latest assessment, as `mdtapp summary` prints it (one rule per type)."""
    from mdtapp.domain.instruments import mrss_total, vas_cm
    from mdtapp.domain.measures import CountAtSiteMeasure, MrssGridMeasure, VasMeasure

    if isinstance(m, MrssGridMeasure):
        return f"{forms.mrss.short_title} {mrss_total(m.scores(a), forms.mrss).text}"
    if isinstance(m, VasMeasure):
        mm = m.mm(a)
        if mm is None:
            return f"{m.short_label} not recorded"
        band = m.band(mm)  # millimetres beside centimetres, as the letter and the panel read
        return f"{m.short_label} {vas_cm(mm)} ({mm} mm" + (f", {band})" if band else ")")
    if isinstance(m, CountAtSiteMeasure):
        count = m.count(a)
        return f"{m.short_label} " + (f"{count.count} ({count.site})" if count else "not recorded")
    value = m.value(a)
    return f"{m.short_label} {'not recorded' if value is None else value}"


def format_summary(record: Any, state: Any, forms: Any) -> str:
    from mdtapp.domain.dates import format_date
    from mdtapp.domain.nhs_number import format_nhs_number

    p = record.patient
    lines = [
        f"{p.display_name} — NHS No. {format_nhs_number(p.nhs_number)} — "
        f"Born {format_date(p.date_of_birth)}"
    ]
    if state.eligibility:
        e = state.eligibility
        lines.append(f"Eligibility: {e.verdict} — {'; '.join(e.reasons)}")
    else:
        lines.append("Eligibility: not recorded")
    latest = record.assessments[-1] if record.assessments else None
    if latest is None:
        lines.append("Assessments: none yet")
    else:
        scores = "; ".join(
            summary_text(m, latest, forms)
            for m in forms.assessment.shown_in("summary")
            if m.section != "header"
        )
        lines.append(f"Latest assessment {format_date(latest.date)} ({latest.examiner}): {scores}")
    ev = state.evaluation
    if ev is not None:
        lines.append(
            f"Baseline {format_date(ev.baseline_date)}; first infusion "
            f"{format_date(ev.first_infusion)}; {ev.response_text}"
            + (
                ": " + "; ".join(x.text for x in ev.response_evidence)
                if ev.response_evidence
                else ""
            )
        )
        if ev.raised:
            lines.append("Stopping criteria met:")
            for flag in ev.raised:
                lines.append(f"  {flag.label}:")
                lines.extend(f"    - {x.text}" for x in flag.evidence)
                lines.extend(f"    · {n}" for n in flag.notes)
        elif ev.on_treatment:
            lines.append("Stopping criteria: none met")
    lines.append(f"Next review: {state.review.text}")
    if state.dose_plan is not None:
        plan = state.dose_plan
        lines.append(
            f"Dose plan: {plan.summary}; {plan.weight_basis} weight basis "
            f"({'MDT override' if plan.overridden else plan.rule})"
        )
    elif state.dose_problem:
        lines.append(f"Dose plan: {state.dose_problem}")
    return "\n".join(lines)


def cmd_reviews(args: argparse.Namespace) -> int:
    from mdtapp.domain.dates import format_date
    from mdtapp.domain.nhs_number import format_nhs_number

    with open_store(args, create=False) as store:
        today = store.today()
        rows = store.reviews()
        labels = {f.key: f.label for f in store.forms.response.flags}
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "nhs_number": r.nhs_number,
                        "name": f"{r.given_names} {r.family_name}",
                        "next_review_due": r.next_review.isoformat() if r.next_review else None,
                        "reason": r.review_reason,
                        "overdue": r.overdue(today),
                        "days_overdue": r.days_overdue(today),
                        "unscheduled": r.unscheduled,
                        "treatment_stopped_on": r.stopped_on.isoformat() if r.stopped_on else None,
                        "flags": list(r.flags),
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    if not rows:
        print("No patients")
    for r in rows:
        when = format_date(r.next_review) if r.next_review else "—"
        state = (
            f"OVERDUE {r.days_overdue(today)} days"
            if r.overdue(today)
            else "due today"
            if r.next_review == today
            else "UNSCHEDULED"
            if r.unscheduled
            else "stopped"
            if r.stopped_on
            else ""
        )
        flags = "; ".join(labels.get(f, f) for f in r.flags)
        print(
            f"{when:11}  {state:18}  {format_nhs_number(r.nhs_number)}  "
            f"{r.display_name:28}  {r.review_reason}" + (f"  [{flags}]" if flags else "")
        )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from mdtapp.store.access import copy_keyring_with_backup
    from mdtapp.store.backup import backup_to
    from mdtapp.store.errors import StoreError

    with open_store(args, create=False) as store:
        try:
            out = backup_to(store.db.conn, Path(args.out), key=store.key)
            copy_keyring_with_backup(store.path, out)
        except StoreError as e:
            raise CommandError(str(e)) from None
        store.record_event("backup", detail=f"to {out}")
    print(f"Backed up {store.path} to {out} (verified)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.errors import StoreError
    from mdtapp.store.restoring import restore

    path = resolve_db_path(args.db)
    user = _username(args)
    try:
        restored = restore(path, Path(args.backup), user, _password(f"Password for {user}: "))
    except StoreError as e:
        raise CommandError([str(e), f"{path} was not changed"]) from None
    print(
        f"Restored {path} from {args.backup}"
        + (f"; the previous content is kept at {restored.kept}" if restored.kept else "")
    )
    for note in restored.notes:
        print(f"  {note}")
    return EXIT_OK


def _assessment_arg(text: str | None) -> Any:
    from mdtapp.domain.dates import parse_iso_date

    if text is None or text == "latest":
        return None
    try:
        return parse_iso_date(text)
    except ValueError as e:
        raise CommandError(f"--assessment: {e} (or 'latest')", EXIT_BAD_INPUT) from None


def _write_pdf(path: str, pdf: bytes) -> None:
    from mdtapp.store.interchange import write_atomically

    try:
        write_atomically(Path(path), pdf)
    except OSError as e:
        raise CommandError(f"{path}: cannot be written ({e.strerror or e})") from None


def cmd_letter(args: argparse.Namespace) -> int:
    from mdtapp.reports.service import LetterNotReady, produce_letter
    from mdtapp.settings import Author, centre_settings
    from mdtapp.store.errors import StoreError

    nhs = _nhs_arg(args.nhs_number)
    on = _assessment_arg(args.assessment)
    with open_store(args, create=False) as store:
        for problem in centre_settings(store).problems:  # a damaged value: its default, said
            print(f"Note: {problem}", file=sys.stderr)
        file = _load_patient(store, nhs)
        try:
            produced = produce_letter(
                store,
                file.uid,
                on=on,
                author=Author(args.author or "", args.role or ""),
                destination=args.out,
            )
        except LetterNotReady as e:  # never printed with a placeholder (domain.md section 7)
            raise CommandError([f"letter not written: {m.how}" for m in e.missing]) from None
        except (StoreError, ValueError) as e:  # ValueError: a settings file that cannot be read
            raise CommandError(str(e)) from None
    _write_pdf(args.out, produced.pdf)
    print(f"Wrote the letter for the assessment of {produced.assessment_date} to {args.out}")
    return EXIT_OK


def cmd_form(args: argparse.Namespace) -> int:
    from mdtapp.reports.service import produce_form
    from mdtapp.store.errors import StoreError

    if args.assessment and not args.nhs_number:
        raise CommandError("--assessment needs --nhs-number", EXIT_BAD_INPUT)
    if not args.nhs_number:
        produced = produce_form(None, None)
        _write_pdf(args.out, produced.pdf)
        print(f"Wrote a blank assessment form to {args.out}")
        return EXIT_OK
    nhs = _nhs_arg(args.nhs_number)
    on = _assessment_arg(args.assessment) if args.assessment else None
    with open_store(args, create=False) as store:
        file = _load_patient(store, nhs)
        try:
            produced = produce_form(
                store, file.uid, filled=bool(args.assessment), on=on, destination=args.out
            )
        except StoreError as e:
            raise CommandError(str(e)) from None
    _write_pdf(args.out, produced.pdf)
    what = (
        f"the form as entered on {produced.assessment_date}"
        if produced.assessment_date
        else "a blank form with the patient's details"
    )
    print(f"Wrote {what} to {args.out}")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    """Show the centre's settings (anyone signed in); change them (an administrator)."""
    from mdtapp.settings import (
        SETTINGS,
        adopt_legacy_settings,
        centre_settings,
        save_centre_settings,
    )
    from mdtapp.store.errors import StoreError

    changes: dict[str, Any] = {}
    for setting in SETTINGS:
        value = getattr(args, setting.option[2:].replace("-", "_"))
        if value is None:
            continue
        if setting.whole:
            try:
                value = int(value)
            except ValueError:
                raise CommandError(
                    f"{setting.option}: must be {setting.allowed}; got {value!r}", EXIT_BAD_INPUT
                ) from None
        elif setting.lines:
            value = value.replace("\\n", "\n")
        changes[setting.key] = value
    with open_store(args, create=False) as store:
        try:
            if args.import_file:
                imported = adopt_legacy_settings(store, Path(args.import_file)) or []
                print(f"Imported {len(imported)} setting(s) from {args.import_file}")
            if changes:
                changed = save_centre_settings(store, changes)
                print(f"Saved {len(changed)} change(s) in {store.path} (audited)")
        except ValidationError as e:
            labels = {s.label: s.option for s in SETTINGS}
            raise CommandError(
                [f"{labels.get(err.field, err.field)}: {err.message}" for err in e.errors]
                + ["nothing was saved"],
                EXIT_BAD_INPUT,
            ) from None
        except StoreError as e:
            raise CommandError([str(e), "nothing was saved"]) from None
        settings = centre_settings(store)
    lh = settings.letterhead
    print(
        f"Letterhead: {lh.centre} / {lh.department} / {lh.address.replace(chr(10), ', ')} / "
        f"{lh.telephone} / {lh.email}"
    )
    print(
        f"Letter author: {settings.author.name or '(not set)'}, "
        f"{settings.author.role or '(no role)'}"
    )
    print(f"Idle lock: {settings.idle_lock_minutes} minutes")
    print(f"Daily backups kept: {settings.daily_backups_kept}")
    for problem in settings.problems:
        print(f"Note: {problem}", file=sys.stderr)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from mdtapp.domain.audit import summarise
    from mdtapp.store.audit_return import export_audit

    if not 2000 <= args.year <= 2100:
        raise CommandError(f"--year: must be 2000-2100; got {args.year}", EXIT_BAD_INPUT)
    if not args.out.lower().endswith(".csv"):
        raise CommandError(
            f"--out: the audit return is written as CSV (.csv); got {args.out}", EXIT_BAD_INPUT
        )
    with open_store(args, create=False) as store:
        try:
            rows = export_audit(store, args.year, Path(args.out))
        except OSError as e:
            raise CommandError(f"{args.out}: cannot be written ({e.strerror or e})") from None
    print(f"Wrote the {args.year} audit return to {args.out}")
    print(summarise(rows, args.year).text)
    return EXIT_OK


def cmd_fhir(args: argparse.Namespace) -> int:
    """One patient's signed records as a FHIR R4 Bundle (docs/fhir.md)."""
    from mdtapp.fhir.export import (
        ExportRefused,
        check_destination,
        export_fhir,
        parse_since,
        patient_uid_for,
    )

    nhs = _nhs_arg(args.nhs_number)
    out = Path(args.out)
    with open_store(args, create=False) as store:
        try:
            since = parse_since(args.since, store.today()) if args.since else None
            check_destination(out)
            result = export_fhir(store, patient_uid_for(store, nhs), out, since=since)
        except ExportRefused as e:
            raise CommandError(str(e), EXIT_BAD_INPUT) from None
        except OSError as e:
            raise CommandError(f"{out}: cannot be written ({e.strerror or e})") from None
    print(f"Wrote {result.resources} FHIR R4 resources to {out}: {result.counts}")
    for line in result.left_out:
        print(f"Left out: {line}")
    return EXIT_OK


def cmd_user(args: argparse.Namespace) -> int:
    from mdtapp.store.errors import StoreError
    from mdtapp.store.security import ROLE_LABELS

    with open_store(args, create=False) as store:
        try:
            if args.action == "list":
                for a in store.accounts():
                    state = "" if a.active else "  (disabled)"
                    print(f"{a.username:20} {a.display_name:28} {', '.join(a.roles)}{state}")
            elif args.action == "add":
                if not args.username or not args.role:
                    raise CommandError(
                        "user add needs --username and at least one --role", EXIT_BAD_INPUT
                    )
                password = _password(
                    f"A first password for {args.username}: ",
                    env="MDTAPP_NEW_PASSWORD",
                    confirm=True,
                )
                store.add_account(args.username, args.name or args.username, args.role, password)
                print(f"Added {args.username}: " + "; ".join(ROLE_LABELS[r] for r in args.role))
            elif args.action == "password":
                target = args.username or store.user
                if target == store.user:
                    current = _password("Current password: ")
                    new = _password("New password: ", env="MDTAPP_NEW_PASSWORD", confirm=True)
                    store.set_password(target, new, current_password=current)
                else:
                    new = _password(
                        f"New password for {target}: ", env="MDTAPP_NEW_PASSWORD", confirm=True
                    )
                    store.set_password(target, new)
                print(f"Changed the password of {target}")
            elif args.action == "roles":
                if not args.username or not args.role:
                    raise CommandError("user roles needs --username and --role", EXIT_BAD_INPUT)
                store.set_roles(
                    args.username,
                    args.role,
                    active=not args.disable,
                    confirm_recovery_key=_recovery_key_confirmation(args),
                )
                print(
                    f"{args.username}: {', '.join(args.role)}"
                    + (" (disabled; the database key was replaced)" if args.disable else "")
                )
            elif args.action == "rotate-key":
                new = store.replace_key(confirm_recovery_key=_recovery_key_confirmation(args))
                print(
                    f"Replaced the database key (generation {new.generation}); it is sealed "
                    f"for: {', '.join(new.sealed_for) or 'no one'}"
                )
                if new.left_out:
                    print(
                        "These accounts need an administrator to set their password "
                        f"(mdtapp user password --username NAME): {', '.join(new.left_out)}"
                    )
        except StoreError as e:
            raise CommandError(str(e)) from None
    return EXIT_OK


def _recovery_key_confirmation(args: argparse.Namespace) -> Callable[[str], bool]:
    """Show a new recovery key and have it confirmed as stored before it takes effect: typed
    back at a terminal, or --i-have-stored-the-recovery-key (automation, which keeps the
    printed key itself)."""

    def confirm(code: str) -> bool:
        print(
            "New recovery key. Print it and keep it in a safe: it opens the database if the "
            f"keyring or every administrator's password is lost.\n  {code}",
            flush=True,
        )
        if getattr(args, "i_have_stored_the_recovery_key", False):
            return True
        if not sys.stdin.isatty():
            print(
                "mdtapp: not confirmed: type the key back in a terminal, or give "
                "--i-have-stored-the-recovery-key",
                file=sys.stderr,
            )
            return False
        from mdtapp.store.keyring import key_from_recovery_code

        for _ in range(3):
            typed = input("Type the recovery key back to confirm you have stored it: ")
            try:
                if key_from_recovery_code(typed) == key_from_recovery_code(code):
                    return True
            except ValueError:
                pass
            print("That is not the key shown above.", file=sys.stderr)
        return False

    return confirm


def cmd_encrypt(args: argparse.Namespace) -> int:
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.encrypting import encrypt_in_place
    from mdtapp.store.errors import StoreError

    path = resolve_db_path(args.db)
    user = _username(args)
    try:
        done = encrypt_in_place(
            path,
            user,
            _password(f"Password for {user}: "),
            confirm_recovery_key=_recovery_key_confirmation(args),
        )
    except StoreError as e:
        raise CommandError([str(e), f"{path} was not changed"]) from None
    print(
        f"Encrypted {path}. Other users need an administrator to set their passwords "
        f"(mdtapp user password --username NAME).\nRecovery key (the one shown above):\n"
        f"  {done.recovery_code}"
    )
    if done.removed:
        print("Unencrypted copies overwritten and removed:")
        for removed in done.removed:
            print(f"  {removed}")
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from mdtapp.store.access import recover
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.errors import StoreError

    path = resolve_db_path(args.db)
    if args.recovery_key is not None:
        raise CommandError(
            "--recovery-key: the recovery key is never given on the command line (other users "
            "see it in the process list, and the shell keeps it in its history): type it at "
            "the prompt, or send it on standard input",
            EXIT_BAD_INPUT,
        )
    try:
        recover(
            path,
            _recovery_key_typed(),
            args.username,
            _password(
                f"New password for {args.username}: ", env="MDTAPP_NEW_PASSWORD", confirm=True
            ),
        )
    except (StoreError, ValueError) as e:
        raise CommandError(str(e)) from None
    print(f"Set a new password for {args.username} with the recovery key")
    return EXIT_OK


def _recovery_key_typed() -> str:
    """The recovery key, typed at a hidden prompt or read from standard input."""
    import getpass

    if sys.stdin.isatty():
        return getpass.getpass("Recovery key: ")
    line = sys.stdin.readline()
    if not line.strip():
        raise CommandError("no recovery key: type it at the prompt or send it on standard input")
    return line


def cmd_check(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:
        problems = [r[0] for r in store.db.execute("PRAGMA integrity_check").fetchall()]
        keys = store.db.execute("PRAGMA foreign_key_check").fetchall()
        patients = store.count_patients() if problems == ["ok"] else None
    if problems != ["ok"] or keys:
        raise CommandError(
            [f"{store.path} is damaged: {p}" for p in problems[:20] if p != "ok"]
            + [f"{store.path}: a record points at a missing patient ({k[0]})" for k in keys[:20]]
        )
    print(f"{store.path}: integrity check passed ({patients} patients)")
    return EXIT_OK


def cmd_screenshot(args: argparse.Namespace) -> int:
    from mdtapp.ui.screenshot import screenshot

    code, message = screenshot(args)
    if code:
        raise CommandError(message, code)
    print(message)
    return EXIT_OK


SCREENSHOT_SIZES = ((320, 7680), (240, 4320))  # up to 8K: Qt cannot paint far beyond it


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, e.g. 1366x768; got {text!r}"
        ) from None
    (w_lo, w_hi), (h_lo, h_hi) = SCREENSHOT_SIZES
    if not (w_lo <= width <= w_hi and h_lo <= height <= h_hi):
        raise argparse.ArgumentTypeError(
            f"width must be {w_lo}-{w_hi} and height {h_lo}-{h_hi} pixels; got {text}"
        )
    return width, height


def cmd_gui(args: argparse.Namespace) -> int:
    from mdtapp.ui.app import run

    return run(args)


class _VersionAction(argparse.Action):
    """--version, looked up only when asked (reading the installed version takes ~40 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from mdtapp.buildinfo import version_text

        print(version_text())
        parser.exit()


def _common_options(*, inherit: bool) -> argparse.ArgumentParser:
    """--db, --user and --plaintext, before or after the command. After it (`inherit`) they
    have no default of their own, so `mdtapp --db X demo` keeps X (argparse would otherwise
    reset it to the command's default and quietly use the default database)."""
    common = argparse.ArgumentParser(add_help=False)
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if inherit else {}
    common.add_argument(
        "--db",
        metavar="PATH",
        **default,
        help="database file (default: MDTAPP_DB, else the user data folder)",
    )
    common.add_argument(
        "--user",
        metavar="NAME",
        **default,
        help="sign in as this user (default: MDTAPP_USER); the password is "
        "asked for, or read from MDTAPP_PASSWORD",
    )
    common.add_argument(
        "--plaintext",
        action="store_true",
        **default,
        help="create the database UNENCRYPTED (demonstrations and tests only)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(inherit=False)
    inherited = _common_options(inherit=True)

    parser = argparse.ArgumentParser(
        prog="mdtapp",
        parents=[common],
        description="Scleromyxedema immunoglobulin MDT assessments (NHS England policy 2271). "
        "With no command, opens the app.",
        epilog="Run 'mdtapp COMMAND --help' for a command's options.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, nargs=0, help="show the version and build, and exit"
    )
    parser.add_argument("--open", metavar="NHS_NUMBER", help="open the app on this patient")
    parser.add_argument(
        "--quit-when-ready",
        action="store_true",
        help="open the window, wait until the patient list is painted, exit 0",
    )
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str,
        handler: Callable[[argparse.Namespace], int],
        help_text: str,
        description: str | None = None,
        formatter_class: type[argparse.HelpFormatter] = argparse.HelpFormatter,
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            parents=[inherited],
            help=help_text,
            description=description or help_text,
            formatter_class=formatter_class,
        )
        p.set_defaults(handler=handler)
        return p

    dose = command(
        "dose",
        cmd_dose,
        "calculate an Ig dose plan (weights, course total, daily split)",
        "Calculate the Ig dose plan a pharmacist can check by hand: ideal, adjusted and actual "
        "weight, which applies and why, the course total rounded down to whole "
        "{round_down_to_g} g, and the daily doses in whole vial steps. The limits and defaults "
        "are those of forms/dosing.toml.",
        formatter_class=_DoseHelp,
    )
    dose.add_argument("--sex", required=True, help="{sex}")
    dose.add_argument("--height-cm", required=True, help="height ({height_cm})")
    dose.add_argument("--weight-kg", required=True, help="actual weight ({weight_kg})")
    dose.add_argument(
        "--g-per-kg", required=True, help="dose ({g_per_kg}; policy start: {starting_range})"
    )
    dose.add_argument("--days", help="IV: days the course is given over ({days})")
    dose.add_argument("--route", default="iv", help="iv (default) or sc")
    dose.add_argument(
        "--sc-doses", help="SC: the doses the total is given in ({sc_doses_per_period})"
    )
    dose.add_argument(
        "--interval-weeks",
        help="weeks between courses ({interval_weeks}; default {starting_weeks}, said so)",
    )
    dose.add_argument(
        "--vial-step",
        help="daily doses are multiples of this many g ({vial_step_g}; "
        "default {default_vial_step_g} g)",
    )
    dose.add_argument("--ibw-basis", help="female or male IBW formula, when sex is other/unknown")
    dose.add_argument("--override-weight-kg", help="MDT override of the dosing weight")
    dose.add_argument("--override-reason", help="why the weight is overridden (required with it)")
    dose.add_argument("--json", action="store_true", help="print one JSON object")

    command(
        "demo",
        cmd_demo,
        "add synthetic demonstration patients",
        "Add five clearly fake patients (NHS numbers in the 999 test range) covering the "
        "pathway: screening, baseline, 3/6/12-month reviews, a responder, a non-responder, "
        "stop flags, an overdue review. Dates are relative to today.",
    )
    p = command(
        "export",
        cmd_export,
        "export every patient to one JSON file (mdtapp/1)",
        "Write every patient, whole, to one JSON document in the mdtapp/1 format "
        "(docs/format.md). The export is recorded in the audit trail.",
    )
    p.add_argument("file", help="the JSON file to write")
    p = command(
        "import",
        cmd_import,
        "import patients from an mdtapp/1 JSON file",
        "Import whole patients from an mdtapp/1 JSON file. All or nothing: any invalid "
        "record rejects the whole file, one line per problem, and nothing is written.",
    )
    p.add_argument("file", help="the JSON file to read")
    p.add_argument(
        "--merge", action="store_true", help="add new records to patients already in the database"
    )
    p = command(
        "summary",
        cmd_summary,
        "one patient's state: eligibility, scores, flags, review",
        "What a clinician opens the record for: eligibility, the latest assessment, "
        "response and stopping criteria with their numbers, next review, dose plan.",
    )
    p.add_argument("--nhs-number", required=True, help="the patient's NHS number")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = command("reviews", cmd_reviews, "every patient's next review, overdue first")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    from mdtapp import cli_meeting

    cli_meeting.add_parser(command)
    p = command(
        "backup",
        cmd_backup,
        "copy the database safely (it may be open elsewhere)",
        "Make a consistent, verified copy of the database with SQLite's online backup, "
        "even while the app has it open.",
    )
    p.add_argument("out", help="the backup file to write")
    p = command(
        "restore",
        cmd_restore,
        "replace the database with a verified backup",
        "Check that the backup is an intact mdtapp database, keep a copy of the current "
        "one in the backups folder, then restore.",
    )
    p.add_argument("backup", help="the backup file to restore from")
    p = command(
        "letter",
        cmd_letter,
        "write the clinic letter for an assessment (PDF)",
        "Write the clinic letter to the GP and the local treating centre (copy to the "
        "patient) for one assessment: scores, trends, dose plan, stopping criteria, the "
        "MDT decision and plan. Recorded in the audit trail.",
    )
    p.add_argument("--nhs-number", required=True, help="the patient's NHS number")
    p.add_argument(
        "--assessment",
        default="latest",
        metavar="YYYY-MM-DD|latest",
        help="which assessment (default: the latest)",
    )
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument(
        "--author",
        help="person completing the record, as printed (default: the settings' author, else "
        "the signed-in account's name)",
    )
    p.add_argument(
        "--role",
        help="their role, as printed (default: the settings' author's, else the account's)",
    )
    p = command(
        "form",
        cmd_form,
        "print the Appendix 1 assessment form (PDF)",
        "Write the assessment form: blank; with a patient's details (--nhs-number); or "
        "filled exactly as entered (--nhs-number and --assessment). VAS lines print at "
        "10 cm.",
    )
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument("--nhs-number", help="put this patient's details on the form")
    p.add_argument(
        "--assessment", metavar="YYYY-MM-DD|latest", help="fill the form from this assessment"
    )
    p = command(
        "audit",
        cmd_audit,
        "the yearly audit return for the national Ig database (CSV)",
        "Write the policy 2271 audit return for a calendar year: one row per patient "
        "with any infusion or assessment that year (dose, route, frequency, courses, "
        "grams, systemic involvement, dermatoneuro syndrome, related admissions). The "
        "export is recorded in the audit trail.",
    )
    p.add_argument("--year", type=int, required=True, help="the calendar year, e.g. 2026")
    p.add_argument("--out", required=True, help="the CSV file to write")
    p = command(
        "fhir",
        cmd_fhir,
        "one patient's signed records as a FHIR R4 bundle (JSON)",
        "Write one patient's signed records as one FHIR R4 Bundle (type collection) for the "
        "hospital's record: Patient, the assessment Questionnaire and a QuestionnaireResponse "
        "per signed assessment, Observations, MedicationRequest per regimen, "
        "MedicationAdministration per infusion, the MDT decisions (docs/fhir.md). Unsigned "
        "assessments and decisions are left out and listed. Recorded in the audit trail.",
    )
    p.add_argument("--nhs-number", required=True, help="the patient's NHS number")
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="only records dated on or after this date (and the regimen in force then)",
    )
    p.add_argument("--out", required=True, help="the JSON file to write")
    command(
        "check",
        cmd_check,
        "check the whole database file for damage",
        "Run SQLite's full integrity check and the foreign-key check over the database "
        "(the app checks small files at every open, and every daily backup is checked).",
    )
    p = command(
        "settings",
        cmd_settings,
        "show or set the centre's letterhead, letter author, idle lock and backups",
        "Show the centre's settings, or (an administrator) change them: the letterhead, the "
        "default author of letters, the idle lock and how many daily backups are kept. They "
        "are kept in the database and every change is audited.",
    )
    from mdtapp.settings import SETTINGS

    for setting in SETTINGS:
        p.add_argument(
            setting.option,
            metavar="N" if setting.whole else "TEXT",
            help=f"{setting.label.lower()}: {setting.allowed}"
            + (" (\\n between lines)" if setting.lines else ""),
        )
    p.add_argument(
        "--import-file",
        metavar="PATH",
        help="move an old per-computer settings.toml into the database (an administrator's "
        "first sign-in does this for this computer's own file)",
    )
    p = command(
        "user",
        cmd_user,
        "list, add and change user accounts",
        "Named accounts with roles: clinician (assess, decide, sign), pharmacist "
        "(regimens, infusions, dose), viewer (read, letters), admin (users, settings). "
        "Adding users and setting others' passwords or roles needs an administrator. "
        "New passwords are asked for, or read from MDTAPP_NEW_PASSWORD. Disabling an "
        "account, and rotate-key, replace the database key: the old one (and the old "
        "recovery key) opens nothing from then on.",
    )
    p.add_argument("action", choices=("list", "add", "password", "roles", "rotate-key"))
    p.add_argument("--username", help="the account to add or change")
    p.add_argument("--name", help="their name as printed on letters")
    p.add_argument(
        "--role",
        action="append",
        choices=("clinician", "pharmacist", "viewer", "admin"),
        help="a role (repeat for more than one)",
    )
    p.add_argument(
        "--disable",
        action="store_true",
        help="with roles: disable the account (this replaces the database key and the "
        "recovery key)",
    )
    p.add_argument(
        "--i-have-stored-the-recovery-key",
        action="store_true",
        help="a new recovery key is shown: confirm it is stored without typing it back",
    )
    p = command(
        "encrypt",
        cmd_encrypt,
        "encrypt an unencrypted database in place, safely",
        "Convert an unencrypted database to an encrypted one: the recovery key is shown and "
        "must be confirmed first; an encrypted copy is made and checked row for row, then "
        "swapped in and checked again; only then are the unencrypted file and the unencrypted "
        "backups overwritten and removed (each named). Needs an administrator.",
    )
    p.add_argument(
        "--i-have-stored-the-recovery-key",
        action="store_true",
        help="confirm the recovery key shown is stored, without typing it back (automation)",
    )
    p = command(
        "recover",
        cmd_recover,
        "set an administrator's password with the recovery key",
        "When every administrator's password, or the keyring file, is lost: set a new "
        "password for an administrator with the recovery key printed when the database "
        "was created (or its key last replaced). The key is typed at a hidden prompt, or "
        "read from standard input; never from the command line.",
    )
    p.add_argument("--recovery-key", help=argparse.SUPPRESS)  # refused: see cmd_recover
    p.add_argument("--username", required=True, help="the administrator's account")
    p = command(
        "screenshot",
        cmd_screenshot,
        "render a view to PNG (offscreen)",
        "Render one view of the app offscreen to a PNG, as a clinician would see it "
        "(used for the README's screenshots).",
    )
    from mdtapp.ui_views import VIEWS

    p.add_argument("--view", required=True, choices=VIEWS, help="which view")
    p.add_argument("--open", metavar="NHS_NUMBER", help="the patient, for patient views")
    p.add_argument("--out", required=True, help="the PNG file to write")
    p.add_argument(
        "--size",
        type=_size,
        default=(1366, 768),
        metavar="WxH",
        help="window size (default 1366x768, a typical NHS laptop)",
    )
    return parser


def utf8_streams() -> None:
    """Write stdout and stderr as UTF-8 whatever they are attached to. Windows gives a redirected
    stream its ANSI code page (cp1252), which has no "−" or "→": a dose plan sent to a file would
    fail half-way. Never fails itself: a missing stream (a windowed program has none) or one that
    cannot be changed is left as it is."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        # UTF-8 encodes every character but a lone surrogate: that one is written escaped
        with contextlib.suppress(Exception):  # output set-up must never stop a command
            reconfigure(encoding="utf-8", errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    utf8_streams()
    from mdtapp import crash

    crash.enable_native_reports()  # a segfault or a Qt abort leaves its stack frames too
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)  # inside: the dose command's help reads forms/
        code = int(args.handler(args))
        sys.stdout.flush()  # a reader gone away (`| head`) is noticed here, not at exit
        return code
    except CommandError as e:
        for line in e.lines:
            print(f"mdtapp: {line}", file=sys.stderr)
        return e.code
    except ValidationError as e:
        for err in e.errors:
            print(f"mdtapp: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        if not _reader_gone(e):
            return _unexpected(e, args)
        # the reader went away (`mdtapp reviews | head`): it had all it wanted; what is still
        # buffered goes nowhere, so the exit's flush fails no more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:
        return _unexpected(e, args)


def _reader_gone(error: OSError) -> bool:
    """Whether writing the output failed because its reader went away (`| head`). POSIX says so
    with BrokenPipeError. Windows says EINVAL, with no file named, writing to a pipe whose reader
    has closed it (as the standard library's subprocess notes, bpo-19612): counted only when
    standard output is such a pipe."""
    if isinstance(error, BrokenPipeError):
        return True
    if sys.platform != "win32" or error.errno != errno.EINVAL or error.filename is not None:
        return False
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, ValueError, OSError):  # no standard output, or not a file
        return False


def _unexpected(e: Exception, args: argparse.Namespace | None) -> int:
    """A known problem's one line (exit 1), or a bug's line saying where its report went."""
    from mdtapp import crash

    known = _known_problem(e, args)
    if known is not None:
        print(f"mdtapp: {known}", file=sys.stderr)  # a known refusal: one line
        return EXIT_REFUSED
    where = crash.write_report(type(e), e.__traceback__)
    print(
        f"mdtapp: an unexpected problem ({type(e).__name__}), a bug: nothing more was "
        f"done. A report without patient data was written to {where}",
        file=sys.stderr,
    )
    return EXIT_BUG


def _known_problem(error: Exception, args: argparse.Namespace | None) -> str | None:
    """The one line for a known problem (a refusal, a fact about the machine), or None for a
    bug. SQLite's problems are told by their result code, never by their words."""
    from mdtapp.store.errors import StoreError
    from mdtapp.store.faults import Fault, fault_of

    if isinstance(error, StoreError):
        return str(error)
    if isinstance(error, OSError) and error.errno is not None:
        where = error.filename2 or error.filename
        return f"{where}: {error.strerror}" if where else str(error.strerror)
    fault = fault_of(error)
    if fault is None or fault in (Fault.CONSTRAINT, Fault.DUPLICATE):
        return None
    from mdtapp.store.database import resolve_db_path

    path = resolve_db_path(getattr(args, "db", None))
    advice = {
        Fault.CORRUPT: "run mdtapp check, then restore the newest backup (mdtapp restore)",
        Fault.NOT_A_DATABASE: "run mdtapp check, then restore the newest backup (mdtapp restore)",
        Fault.IO_ERROR: "check that its disk is connected, then mdtapp check",
        Fault.DISK_FULL: "free some space and try again",
        Fault.BUSY: "another window or program is using it: try again in a moment",
        Fault.READ_ONLY: "check the file's permissions",
        Fault.CANT_OPEN: "check that the file and its folder can be reached",
    }
    return f"{path}: {fault.value}: nothing more was done; {advice.get(fault, '')}".rstrip("; ")
