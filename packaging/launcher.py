"""Entry point of the frozen app (PyInstaller): the same `mdtapp` command as the wheel's."""

import sys

from mdtapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
