"""Small units: no module over 400 lines and no function over 60 lines in stacks/ and components/."""

import ast

import pytest

from .conftest import REPO

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SOURCES = sorted(path for folder in ("stacks", "components") for path in (REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_units_stay_small(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name} has more than {MAX_MODULE_LINES} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"{path.name}: {', '.join(long)}"
