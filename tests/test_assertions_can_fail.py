"""Every assertion in the suite can fail: none is `... or True`, a truthy constant or a tuple.

Ruff's SIM222 catches `x in y or True`, but not `all(...) or True` (a call may have side effects),
so the suite checks its own source.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _always_true(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.Tuple):
        return bool(node.elts)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return any(_always_true(value) for value in node.values)
    return False


def _assertions_that_cannot_fail(source: str, name: str) -> list[str]:
    tree = ast.parse(source, filename=name)
    return [f"{name}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Assert) and _always_true(node.test)]  # fmt: skip


def test_no_assertion_in_the_suite_is_always_true():
    found = [where for path in sorted(TESTS.rglob("*.py"))
             for where in _assertions_that_cannot_fail(path.read_text(), str(path))]  # fmt: skip
    assert found == []


def test_the_check_finds_each_kind():
    # Built from expressions, so no line of this file is itself an always-true assertion.
    always_true = ['"son" in name.lower() or True', "all(rows) or True", "(x, 'message')", "1"]
    can_fail = ["x or y", "x and True"]
    source = "\n".join(f"assert {expression}" for expression in always_true + can_fail)
    assert _assertions_that_cannot_fail(source, "t.py") == ["t.py:1", "t.py:2", "t.py:3", "t.py:4"]
