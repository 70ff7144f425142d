"""Edge and cloud stay apart: a walk over every module's imports with `ast` (style.md, 9)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIDES = ("edge", "cloud", "protocols")

# Top-level names each side may not import. protocols is the contract both sides read, so it
# depends on neither side nor on their frameworks.
FORBIDDEN = {
    "protocols": {"edge", "cloud", "tests", "flask", "sqlalchemy", "paho", "psycopg2"},
    "edge": {"cloud", "tests"},
    "cloud": {"edge", "tests"},
}
# Hardware libraries exist only on a Pi: importing them inside a function keeps every other
# module importable anywhere (style.md, 2).
ONLY_INSIDE_FUNCTIONS = {"evdev", "picamera2"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool = False) -> list[tuple[str, bool]]:
    """Return (absolute module imported, at module level?) for every import in `source`.

    Relative imports are resolved against `module`. Imports under `if TYPE_CHECKING:` never
    run, so they are left out.
    """
    found: list[tuple[str, bool]] = []
    package = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST, at_top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for orelse in child.orelse:
                    visit_one(orelse, at_top)
                continue
            visit_one(child, at_top)

    def visit_one(node: ast.AST, at_top: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, at_top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, at_top))
            # `from . import x` may name a submodule.
            found.extend(
                (f"{name}.{alias.name}" if name else alias.name, at_top) for alias in node.names
            )
        inner = at_top and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        visit(node, inner)

    visit(ast.parse(source), True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def python_files() -> list[Path]:
    return sorted(p for side in SIDES for p in (ROOT / side).rglob("*.py"))


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_imports_only_what_its_side_may(path):
    side = path.relative_to(ROOT).parts[0]
    module = module_name(path)
    found = imports_of(path.read_text(), module, is_package=path.name == "__init__.py")
    wrong = sorted({name for name, _ in found if name.split(".")[0] in FORBIDDEN[side]})
    assert not wrong, f"{module} ({side}/) imports {', '.join(wrong)}"
    at_top = sorted(
        {name for name, top in found if top and name.split(".")[0] in ONLY_INSIDE_FUNCTIONS}
    )
    assert not at_top, (
        f"{module} imports {', '.join(at_top)} at module level; import it inside the driver "
        "function that opens the device"
    )


def test_the_walk_covers_protocols():
    assert any(p.parts[-2] == "protocols" for p in python_files())


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import flask", "protocols.events", [("flask", True)]),
        ("from sqlalchemy.orm import Session", "protocols.x", [("sqlalchemy.orm", True),
                                                                ("sqlalchemy.orm.Session", True)]),
        ("from ..cloud import db", "edge.sync.outbox", [("edge.cloud", True),
                                                         ("edge.cloud.db", True)]),
        ("from ... import cloud", "edge.sync.outbox", [("", True), ("cloud", True)]),
        ("def open():\n    import evdev", "edge.devices.scanner.driver", [("evdev", False)]),
        ("try:\n    import evdev\nexcept ImportError:\n    pass", "edge.x", [("evdev", True)]),
        ("class D:\n    import picamera2", "edge.x", [("picamera2", True)]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cloud",
         "edge.x", [("typing", True), ("typing.TYPE_CHECKING", True)]),
    ],
)  # fmt: skip
def test_the_import_walk_sees_what_python_would_run(source, module, expected):
    assert imports_of(source, module) == expected


def test_relative_imports_resolve_from_a_package():
    found = imports_of("from .sync import outbox", "edge", is_package=True)
    assert found == [("edge.sync", True), ("edge.sync.outbox", True)]
    found = imports_of("from .. import cloud", "edge.sync", is_package=True)
    assert ("edge.cloud", True) in found
