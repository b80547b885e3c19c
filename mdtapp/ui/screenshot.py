"""Render a view offscreen to PNG: `mdtapp screenshot --view ... --out FILE.png`."""

from __future__ import annotations

import argparse
import os

PATIENT_VIEWS = ("overview", "eligibility", "assessment", "treatment", "decisions", "photos")


def screenshot(args: argparse.Namespace) -> tuple[int, str]:
    if args.view in PATIENT_VIEWS and not args.open:
        return 2, f"--view {args.view} needs --open NHS_NUMBER"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from mdtapp.ui.app import open_window

    app, window, problem = open_window(args)
    if window is None or problem:
        return 1, problem
    width, height = args.size
    window.resize(width, height)
    if args.view in ("meeting", "presenter"):
        return _meeting_shot(app, window, args)
    if args.view == "reviews":
        window.show_reviews()  # type: ignore[attr-defined]
    elif args.view in PATIENT_VIEWS:
        workspace = window.workspace  # type: ignore[attr-defined]
        workspace.show_tab(args.view)
        file = workspace.file
        if args.view == "assessment" and file and file.assessments:
            workspace.assessment.load(file, assessment_uid=file.assessments[-1].uid)
    window.show()
    # let layouts settle (a scroll bar appearing re-lays out its area) and charts draw
    for _ in range(10):
        app.sendPostedEvents()
        app.processEvents()
    image = window.grab()
    if not image.save(str(args.out), "PNG"):
        return 1, f"cannot write {args.out}"
    window.close()
    return 0, f"wrote {args.out} ({image.width()}x{image.height()})"


def _meeting_shot(app, window, args: argparse.Namespace) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The latest meeting's window on its first agenda item, or its presenter view."""
    meetings = window.session.store.meetings()
    if not meetings:
        window.close()
        return 1, (
            f"--view {args.view} needs a meeting: prepare one first (mdtapp meeting new "
            "--place ROOM --attendee NAME:ROLE ...)"
        )
    window.open_meeting()
    meeting = window.meeting_window
    meeting.reload_meetings(select=meetings[0].uid)
    meeting.resize(*args.size)
    shown = meeting
    if args.view == "presenter":
        meeting.toggle_presenter()
        shown = meeting.presenter
        shown.resize(*args.size)
    for _ in range(10):
        app.sendPostedEvents()
        app.processEvents()
    image = shown.grab()
    if not image.save(str(args.out), "PNG"):
        return 1, f"cannot write {args.out}"
    meeting.close()
    window.close()
    return 0, f"wrote {args.out} ({image.width()}x{image.height()})"
