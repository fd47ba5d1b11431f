"""Look for the secret key anywhere an error, a log record or an object graph could show it."""

from __future__ import annotations

import types
from typing import Any

from .conftest import SECRET


def assert_no_secret(root: Any, *, max_depth: int = 8) -> None:
    """Fail if SECRET appears in the str/repr of `root` or of anything reachable from it
    through exception chains, args, attributes and containers (tracebacks excepted: frames
    are a debugger's business, not a message's)."""
    seen: set[int] = set()

    def visit(obj: Any, where: str, depth: int) -> None:
        if id(obj) in seen or depth > max_depth:
            return
        seen.add(id(obj))
        if isinstance(obj, str | bytes):
            needle = SECRET if isinstance(obj, str) else SECRET.encode()
            assert needle not in obj, f"secret found at {where}"
            return
        if isinstance(obj, types.TracebackType | types.FrameType | types.ModuleType
                      | types.FunctionType | type):
            return
        for show in (str, repr):
            try:
                text = show(obj)
            except Exception:  # noqa: S112 (some objects can't describe themselves)
                continue
            assert SECRET not in text, f"secret found in {show.__name__}({where})"
        if isinstance(obj, BaseException):
            visit(obj.args, f"{where}.args", depth + 1)
            visit(obj.__cause__, f"{where}.__cause__", depth + 1)
            visit(obj.__context__, f"{where}.__context__", depth + 1)
        if isinstance(obj, dict):
            for key, value in obj.items():
                visit(key, f"{where}[key]", depth + 1)
                visit(value, f"{where}[{key!r}]", depth + 1)
        elif isinstance(obj, list | tuple | set | frozenset):
            for i, value in enumerate(obj):
                visit(value, f"{where}[{i}]", depth + 1)
        else:
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                visit(attributes, f"{where}.__dict__", depth + 1)
            for slot in getattr(type(obj), "__slots__", ()):
                if isinstance(slot, str) and hasattr(obj, slot):
                    visit(getattr(obj, slot), f"{where}.{slot}", depth + 1)

    visit(root, "root", 0)
