"""The layers stay apart: only mdtapp.ui may import Qt (conventions.md, habit 2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import importlib, pkgutil, sys
import {package} as root
for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
    importlib.import_module(info.name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in {{"PySide6", "shiboken6"}})
{extra}
print(",".join(leaked))
"""


@pytest.mark.parametrize(
    "package", ["mdtapp.domain", "mdtapp.store", "mdtapp.reports", "mdtapp.fhir"]
)
def test_importing_a_layer_does_not_import_qt(package):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package, extra="")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_domain_imports_neither_sqlite_nor_reportlab():
    extra = (
        "leaked += sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlite3', 'sqlite_utils', 'sqlcipher3', 'reportlab'})"
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(package="mdtapp.domain", extra=extra)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""
