"""edge/ imports protocols/ but never cloud/ or tests/ (design.md principle 4, style.md 9)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EDGE = Path(__file__).resolve().parents[2] / "edge"
FORBIDDEN = ("cloud", "tests")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path", sorted(EDGE.rglob("*.py")), ids=lambda p: str(p.relative_to(EDGE.parent))
)
def test_edge_never_imports_the_cloud_or_the_tests(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN}
    assert not bad, f"{path} imports {sorted(bad)}"
