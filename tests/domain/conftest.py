from __future__ import annotations

import pytest

from mdtapp.domain.forms import Forms, forms


@pytest.fixture(scope="session")
def f() -> Forms:
    return forms()
