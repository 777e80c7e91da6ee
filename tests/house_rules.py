"""The house rules, as checks that return what breaks them (an empty list: kept).

Each takes the checkout's root, so that ``tests/test_structure.py`` runs it on the checkout and on
a copy with a planted violation, to show that it can fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.import_graph import STAGES, Edge, backward, cycles, graph, imports_of, module_name

LIMIT = 350  # lines in a hand-written Python file
CROWD = 15  # modules in one package under specs/
HAND_WRITTEN = ("specs", "reference", "tests", "benchmarks")  # fixtures/ holds students' programs
HARNESS = "specs.harness"
#: Type-only imports that run backward, allowed by name: (importer, imported) -> why. None today.
TYPE_ONLY_EXEMPT: dict[tuple[str, str], str] = {}


def long_files(root: Path) -> dict[str, int]:
    """Hand-written Python files over :data:`LIMIT` lines."""
    return {str(p.relative_to(root)): n for folder in HAND_WRITTEN for p in sorted((root / folder).rglob("*.py"))
            if ".venv" not in p.parts and (n := len(p.read_text().splitlines())) > LIMIT}


def crowded_packages(root: Path) -> dict[str, int]:
    """Packages under ``specs/`` holding more than :data:`CROWD` modules (``__init__`` not counted)."""
    counts: dict[str, int] = {}
    for p in (root / "specs").rglob("*.py"):
        if p.name != "__init__.py":
            key = str(p.parent.relative_to(root))
            counts[key] = counts.get(key, 0) + 1
    return {k: n for k, n in sorted(counts.items()) if n > CROWD}


def _show(edge: Edge) -> str:
    kind = " (type only)" if edge.typing_only else ""
    return f"{edge.importer} imports {edge.imported}{kind} (line {edge.line})"


def backward_imports(root: Path) -> list[str]:
    """Imports from a stage of the harness to a later stage (or to no stage): they must flow one way."""
    return [_show(e) for e in backward(graph(root / "specs"), HARNESS, TYPE_ONLY_EXEMPT)]


def import_cycles(root: Path, folder: str) -> list[str]:
    """The run-time import cycles among the modules of ``folder`` (``specs``, ``reference``...)."""
    return [" -> ".join(c) for c in cycles(graph(root / folder, strip="netconform."))]


def _harness_imports(root: Path) -> list[tuple[Path, str, int]]:
    """(file, imported name, line) for every import in the harness, ``netconform.`` read as absent."""
    found = []
    specs = root / "specs"
    for path in sorted((specs / "harness").rglob("*.py")):
        me = module_name(specs, path)
        for name, line, _typing in imports_of(path.read_text(), me, path.name == "__init__.py"):
            found.append((path, name.removeprefix("netconform."), line))
    return found


def judged_imports(root: Path) -> list[str]:
    """Imports of ``reference`` by the harness, static or through ``importlib`` with a written name."""
    return [f"{path.relative_to(root)}:{line} imports {name}" for path, name, line in _harness_imports(root)
            if name == "reference" or name.startswith("reference.")]


def room_imports(root: Path) -> list[str]:
    """Imports of the model comparison (``specs/bench``), a room beside the harness, by the harness."""
    return [f"{path.relative_to(root)}:{line} imports {name}" for path, name, line in _harness_imports(root)
            if name == "specs.bench" or name.startswith("specs.bench.")]


def door_bypasses(root: Path) -> list[str]:
    """Imports of the platform's implementations from outside the platform: only its door may."""
    inside = f"{HARNESS}.platform"
    return [_show(e) for e in graph(root / "specs", strip="netconform.")
            if e.imported.startswith((f"{inside}.linux", f"{inside}.portable")) and not e.importer.startswith(inside)]


def design_drift(root: Path) -> list[str]:
    """Where ``docs/design.md`` and the harness disagree: a module named there that does not exist, a
    harness module it does not name, or its stages in another order than :data:`STAGES`."""
    text = (root / "docs" / "design.md").read_text()
    named = set(re.findall(r"`(specs(?:/\w+)+\.py)`", text))
    problems = [f"docs/design.md names {n}, which does not exist" for n in sorted(named) if not (root / n).exists()]
    modules = {str(p.relative_to(root)) for p in (root / "specs" / "harness").rglob("*.py") if p.name != "__init__.py"}
    problems += [f"docs/design.md does not name {m}" for m in sorted(modules - named)]
    shown = re.findall(r"^\| (\d)\. \*\*(\w+)\*\*", text, re.M)
    if [stage for _, stage in shown] != list(STAGES):
        problems.append(f"docs/design.md's table of stages reads {[s for _, s in shown]}, not {list(STAGES)}")
    return problems


def exports(path: Path) -> set[str]:
    """The names a module's ``__all__`` lists (for the platform's door)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


LINUX_WORDS = re.compile(r"/proc\b|netlink|prctl|cgroup|unshare", re.IGNORECASE)
LINUX_IMPLEMENTATION = "specs/harness/platform/linux/"
FACILITIES = ("containment", "launcher", "netns", "process_stats", "process_tree", "socket_folders", "socket_tables")
IMPLEMENTATIONS = ("linux", "portable")


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def linux_uses(root: Path) -> list[str]:
    """Code under ``specs/`` outside the platform's Linux implementation that uses a Linux-only facility
    (``/proc``, netlink, ``prctl``, cgroups, ``unshare``): a string, a name or an attribute naming one.
    Docstrings and comments are words about them, not uses."""
    found = []
    for path in sorted((root / "specs").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(LINUX_IMPLEMENTATION):
            continue
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            constant = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            text = (node.value if constant else node.id if isinstance(node, ast.Name)  # type: ignore[attr-defined]
                    else node.attr if isinstance(node, ast.Attribute) else None)
            match = LINUX_WORDS.search(text) if text else None
            if match:
                found.append(f"{relative}:{getattr(node, 'lineno', 0)}: {match.group(0)}")
    return found


def _defined(path: Path) -> dict[str, ast.AST]:
    """The names a module defines or imports at its top level, each with its node."""
    names: dict[str, ast.AST] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((alias.asname or alias.name, node) for alias in node.names)
    return names


def facility_gaps(root: Path) -> list[str]:
    """What the harness uses of a facility (``socket_tables.pace``) that an implementation of the platform
    lacks, or defines with other parameters than the other one."""
    used: set[tuple[str, str]] = set()
    for path in (root / "specs").rglob("*.py"):
        if "platform" in path.relative_to(root / "specs").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in FACILITIES:
                used.add((node.value.id, node.attr))
    modules = {(impl, facility): _defined(root / "specs" / "harness" / "platform" / impl / f"{facility}.py")
               for impl in IMPLEMENTATIONS for facility in FACILITIES}
    problems = []
    for facility, name in sorted(used):
        found = [modules[(impl, facility)].get(name) for impl in IMPLEMENTATIONS]
        problems += [f"platform/{impl}/{facility}.py has no {name} (the harness uses {facility}.{name})"
                     for impl, node in zip(IMPLEMENTATIONS, found, strict=True) if node is None]
        shapes = {ast.unparse(node.args) for node in found if isinstance(node, ast.FunctionDef)}
        if len(shapes) > 1:
            problems.append(f"{facility}.{name} takes other parameters in each implementation: {sorted(shapes)}")
    return problems
