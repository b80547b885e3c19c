"""mdtapp: scleromyxedema immunoglobulin MDT assessments under NHS England policy 2271."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _version() -> str:
    # importlib.metadata scans installed distributions: ~40 ms, so only when first asked
    from importlib import metadata

    try:
        return metadata.version("mdtapp")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'mdtapp' has no attribute {name!r}")
