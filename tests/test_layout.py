"""The house's shape: no import cycles, the pages' code used only by pages, an installed `digitnet` command."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

from digitnet.cli import main
from digitnet.constants import PROJECT_ROOT

PACKAGES = ("digitnet", "bench")


def module_name(path: Path) -> str:
    """`digitnet/reading/ink.py` -> `digitnet.reading.ink`; a package's __init__ is the package."""
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, including `from package import module`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def project_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    files = {module_name(p): p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in files and m != name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph`, as the modules along it, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if cycle := visit(target, [*path, node]):
                return cycle
        done.add(node)
        return None

    return next((cycle for node in sorted(graph) if (cycle := visit(node, []))), None)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_itself_back_function_level_imports_included():
    assert find_cycle(project_graph()) is None


def test_the_library_never_imports_the_pages_code():
    graph = project_graph()
    library = [m for m in graph if m.startswith("digitnet.") and not m.startswith("digitnet.ui")]
    assert not {
        m: sorted(t for t in graph[m] if t.startswith("digitnet.ui"))
        for m in library
        if any(t.startswith("digitnet.ui") for t in graph[m])
    }


def test_no_bench_or_test_edits_the_import_path():
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for folder in ("bench", "tests")
        for p in (PROJECT_ROOT / folder).rglob("*.py")
        if p.name != Path(__file__).name and "sys.path" in p.read_text()
    ]
    assert offenders == []


def test_the_installed_digitnet_command_is_the_cli():
    (script,) = entry_points(group="console_scripts", name="digitnet")
    assert script.load() is main
