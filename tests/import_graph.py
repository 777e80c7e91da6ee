"""The real import graph of a package folder, relative imports included, and the harness's stage order.

Every ``import`` and ``from ... import`` counts, at any depth (an import inside a function runs too),
and so does ``importlib.import_module("name")`` with a literal name. An import under
``if TYPE_CHECKING:`` runs only for mypy: it is kept apart, as :attr:`Edge.typing_only`, so a rule can
exempt it by name with a reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The harness's stages, in the order data moves: each may import only itself and the stages before it.
STAGES = ("platform", "wire", "launch", "judge", "observe", "report", "glue")


@dataclass(frozen=True)
class Edge:
    """``importer`` imports ``imported`` (module names relative to the folder's parent) at ``line``."""

    importer: str
    imported: str
    line: int
    typing_only: bool = False


def module_name(root: Path, path: Path) -> str:
    """``specs/harness/wire/streams.py`` under root ``specs`` -> ``specs.harness.wire.streams``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _typing_only_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden |= {id(n) for n in ast.walk(node) if n is not node} - {id(n) for o in node.orelse
                                                                            for n in ast.walk(o)}
    return hidden


def imports_of(source: str, me: str, is_package: bool) -> Iterable[tuple[str, int, bool]]:
    """``(imported name, line, typing only)`` for every import in ``source`` of module ``me``."""
    tree = ast.parse(source)
    typing_only = _typing_only_nodes(tree)
    for node in ast.walk(tree):
        hidden = id(node) in typing_only
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, hidden
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = me.split(".") if is_package else me.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:  # a module of the package, or a name of the module: graph() tells
                yield f"{base}.{alias.name}", node.lineno, hidden
        elif (isinstance(node, ast.Call) and ast.unparse(node.func) in ("importlib.import_module", "import_module")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, node.lineno, hidden


def graph(root: Path, *, strip: str = "") -> list[Edge]:
    """Every import among the modules under ``root`` (``strip``: a prefix such as ``netconform.`` read as absent)."""
    modules = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    edges = []
    for name, path in modules.items():
        seen: set[tuple[str, bool]] = set()
        for written, line, typing in imports_of(path.read_text(), name, path.name == "__init__.py"):
            imported = _module_of(written.removeprefix(strip) if strip else written, modules)
            if imported is not None and imported != name and not name.startswith(imported + ".") \
                    and (imported, typing) not in seen:
                seen.add((imported, typing))
                edges.append(Edge(name, imported, line, typing))
    return edges


def _module_of(name: str, modules: Iterable[str]) -> str | None:
    """The module ``name`` denotes: itself, or the module one of its prefixes names (``pkg.mod.func``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def stage_of(module: str, harness: str) -> str | None:
    """The stage a module of ``harness`` (``specs.harness``) belongs to (None: the package itself)."""
    rest = module.removeprefix(harness + ".")
    if rest == module:
        return None
    return rest.split(".")[0]


def backward(edges: Iterable[Edge], harness: str, exempt: dict[tuple[str, str], str]) -> list[Edge]:
    """Imports from a stage to a later one, or into a stage from outside the stage order.

    ``exempt`` maps (importer, imported) to the reason a type-only import is allowed.
    """
    order = {stage: i for i, stage in enumerate(STAGES)}
    found = []
    for edge in edges:
        src, dst = stage_of(edge.importer, harness), stage_of(edge.imported, harness)
        if src is None or dst is None or src == dst:
            continue
        if src not in order or dst not in order or order[dst] > order[src]:
            if edge.typing_only and (edge.importer, edge.imported) in exempt:
                continue
            found.append(edge)
    return found


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The import cycles among run-time imports (type-only ones run for mypy alone), each as a path."""
    succ: dict[str, set[str]] = {}
    for edge in edges:
        if not edge.typing_only:
            succ.setdefault(edge.importer, set()).add(edge.imported)
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(succ.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(succ):
        if node not in state:
            visit(node, [node])
    return found
