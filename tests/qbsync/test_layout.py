"""The import graph, read from the source: the QuickBooks core never imports the apps built on
it or the sandbox, the sandbox imports nothing of the app, packages import one way (no
circles), and no import hides inside a function to dodge a circle."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = "qbo"
SANDBOX = "qbo_sandbox"
APP_PACKAGES = [
    "qbo",
    "qbsync",
    "accounts",
    "customers",
    "invoicing",
    "catalog",
    "payments",
    "dashboard",
    "api",
    "events",
]
DOMAIN = [p for p in APP_PACKAGES if p not in (CORE, "qbsync")]


def _sources(package: str) -> list[Path]:
    base = ROOT / "qbo_sandbox" / "src" / SANDBOX if package == SANDBOX else ROOT / package
    return [p for p in base.rglob("*.py") if "migrations" not in p.parts]


def _imports(path: Path) -> list[tuple[str, ast.AST, bool]]:
    """(top-level package imported, node, inside a function?) for every import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, in_function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            scope = in_function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                scope = child.name
            if isinstance(child, ast.Import):
                found.extend((alias.name.split(".")[0], child, scope) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], child, scope))
            visit(child, scope)

    visit(tree, None)
    return found


def _graph(packages: list[str]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        for path in _sources(package):
            for target, _, _ in _imports(path):
                if target in packages and target != package:
                    edges[package].add(target)
    return edges


def test_the_core_imports_no_app_built_on_it_nor_the_sandbox():
    forbidden = {*DOMAIN, "qbsync", SANDBOX}
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {target}"
        for path in _sources(CORE)
        for target, node, _ in _imports(path)
        if target in forbidden
    ]
    assert offenders == []


def test_the_sandbox_imports_nothing_of_the_app():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {target}"
        for path in _sources(SANDBOX)
        for target, node, _ in _imports(path)
        if target in APP_PACKAGES
    ]
    assert offenders == []


def test_packages_import_one_way():
    edges = _graph(APP_PACKAGES)
    # Depth-first search for a circle between packages.
    state: dict[str, str] = {}

    def circle_from(package: str, path: list[str]) -> list[str] | None:
        state[package] = "open"
        for target in sorted(edges.get(package, ())):
            if state.get(target) == "open":
                return [*path, package, target]
            if target not in state and (found := circle_from(target, [*path, package])):
                return found
        state[package] = "done"
        return None

    circles = [c for p in APP_PACKAGES if p not in state and (c := circle_from(p, []))]
    assert circles == []


@pytest.mark.parametrize("package", [*APP_PACKAGES, SANDBOX])
def test_no_import_of_our_own_code_hides_in_a_function(package):
    # AppConfig.ready() is where Django wants registrations imported; anything else at
    # function level would be a circle being dodged.
    ours = {*APP_PACKAGES, SANDBOX}
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} ({scope}) imports {target}"
        for path in _sources(package)
        for target, node, scope in _imports(path)
        if scope not in (None, "ready") and target in ours
    ]
    assert offenders == []


def test_the_graph_is_read_from_real_imports():
    # A check that found no arrows at all would pass every test above.
    edges = _graph(APP_PACKAGES)
    assert CORE in edges["invoicing"] and CORE in edges["customers"]
    assert not edges.get(CORE)
