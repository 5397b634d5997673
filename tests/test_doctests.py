"""Every example in geo's docstrings runs and says what it shows (an example that rots misleads the next reader).

``make test`` collects ``tests/`` only, so the library's doctests run here, one module per case.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import geo

MODULES = sorted(m.name for m in pkgutil.walk_packages(geo.__path__, "geo.") if m.name != "geo.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"


def test_there_are_examples_to_check() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n), verbose=False, report=False).attempted
                    for n in MODULES)
    assert attempted >= 40
