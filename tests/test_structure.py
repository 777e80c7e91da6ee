"""The suite's house rules: small modules, imports that flow one way, a design map that matches the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.suite import ROOT

SPECS = ROOT / "specs"
LIMIT = 350


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """The ``specs`` modules ``path`` imports at run time (``TYPE_CHECKING`` blocks left out)."""
    found = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("specs"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("specs"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SPECS.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_module_under_specs_is_over_350_lines() -> None:
    """One job per module: none under ``specs/`` is longer than 350 lines."""
    long = {str(p.relative_to(ROOT)): n for p in SPECS.rglob("*.py") if (n := len(p.read_text().splitlines())) > LIMIT}
    assert not long, f"modules over {LIMIT} lines: {long}"


def test_imports_among_the_suites_modules_have_no_cycle() -> None:
    """Imports flow one way: the import graph of ``specs`` (run-time imports) has no cycle."""
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_design_map_names_modules_that_exist() -> None:
    """``docs/design.md`` maps each step of the flow to a module; every module it names exists."""
    text = (ROOT / "docs" / "design.md").read_text()
    named = set(re.findall(r"`(specs(?:/[\w]+)+\.py)`", text))
    assert len(named) >= 10, named
    missing = [n for n in named if not (ROOT / n).exists()]
    assert not missing, f"docs/design.md names modules that do not exist: {missing}"
    for step in ("option", "target spec", "launch", "wire", "observation", "matcher", "verdict", "report"):
        assert re.search(rf"\*\*{step}\*\*", text, re.I), f"docs/design.md does not map the step {step!r}"
