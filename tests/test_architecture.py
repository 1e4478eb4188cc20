"""The package's rooms and the one direction its imports may point.

core <- io <- sources; core <- io <- ground / satellite <- evaluation <- plots; synthetic
imports only core and io; ground and satellite never import each other. Lazy imports inside
functions count too, so a room cannot reach upwards by hiding an import in a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "eqprecursors"
ROOMS = ("core", "io", "sources", "ground", "satellite", "evaluation", "synthetic", "plots")
MAX_MODULE_LINES = 600

# room -> the rooms it may import (itself included)
ALLOWED = {
    "core": {"core"},
    "io": {"core", "io"},
    "sources": {"core", "io", "sources"},
    "ground": {"core", "io", "ground"},
    "satellite": {"core", "io", "satellite"},
    "evaluation": {"core", "io", "ground", "satellite", "evaluation"},
    "synthetic": {"core", "io", "synthetic"},
    "plots": {"core", "io", "ground", "satellite", "evaluation", "plots"},
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def room_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def imported_rooms(path: Path) -> dict[str, int]:
    """Room of every ``eqprecursors`` import in a module (absolute or relative) -> line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package_parts = path.relative_to(PACKAGE).parent.parts
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = list(package_parts[: len(package_parts) - (node.level - 1)])
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [".".join(["eqprecursors", *target])]
                if not node.module:
                    names = [f"{names[0]}.{a.name}" for a in node.names]
            elif node.module:
                names = [node.module]
                if node.module == "eqprecursors":
                    names = [f"eqprecursors.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "eqprecursors" and len(parts) > 1 and parts[1] in ROOMS:
                found.setdefault(parts[1], node.lineno)
    return found


def test_every_module_lives_in_a_room():
    loose = [p.name for p in modules() if room_of(p) is None and p.name != "__init__.py"]
    assert loose == [], f"modules outside the rooms {ROOMS}: {loose}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        ROOMS
    )


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    room = room_of(path)
    allowed = ALLOWED.get(room, set())
    wrong = {r: line for r, line in imported_rooms(path).items() if r not in allowed}
    assert not wrong, f"{path.relative_to(PACKAGE)} ({room}) imports {wrong} (room: line)"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_checker_sees_upward_and_lazy_imports(tmp_path, monkeypatch):
    """The rule above must be able to fail: a lazy upward import is found."""
    fake = tmp_path / "eqprecursors"
    (fake / "core").mkdir(parents=True)
    module = fake / "core" / "bad.py"
    module.write_text(
        "def f():\n    from eqprecursors.plots import ground\n    from ..ground import x\n"
    )
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert imported_rooms(module) == {"plots": 2, "ground": 3}
