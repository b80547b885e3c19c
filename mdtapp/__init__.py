"""mdtapp: scleromyxedema immunoglobulin MDT assessments under NHS England policy 2271."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("mdtapp")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
