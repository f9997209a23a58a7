"""The Examples sections of convgui.core's docstrings are run as tests."""

import doctest
import importlib
import pkgutil

import pytest

import convgui.core

MODULES = sorted(m.name for m in pkgutil.iter_modules(convgui.core.__path__, "convgui.core."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_examples_exist() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(n), report=False).attempted for n in MODULES
    )
    assert attempted >= 30
