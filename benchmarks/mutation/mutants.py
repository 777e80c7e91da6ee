"""Every mutant of a module: cosmic-ray's operators at each of their positions, named to last.

A mutant's **key** is the module, the operator and the text of the source line it changes, with
``nth`` telling apart the mutants of one operator on lines of the same text (counted in file
order). It names no line number and no session of the tool, so the triage written for a mutant
still applies after unrelated edits to the module; an edit to the line itself makes new mutants.

A mutant that changes annotations alone (``from __future__ import annotations``: never evaluated)
is skipped: the module's AST without its annotations is the same before and after. So is one that is
not Python (cosmic-ray reads the bare ``*`` of a signature as an operator): no program could be run.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .records import MutantKey


@dataclass(frozen=True)
class Mutant:
    """A key and the mutated source of its module."""

    key: MutantKey
    source: str  # the whole module, mutated
    line_number: int  # 1-based, where the change begins today (for reading the diff, not for the key)


def _without_annotations(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(None)
    return ast.dump(tree)


def skipped(original: str, mutated: str) -> bool:
    """Does ``mutated`` differ from ``original`` in annotations alone (or is it not Python at all)?"""
    try:
        changed = ast.parse(mutated)
    except SyntaxError:
        return True  # not a program: nothing to judge
    return _without_annotations(ast.parse(original)) == _without_annotations(changed)


def _operators() -> Iterator[tuple[str, object]]:
    """cosmic-ray's operators that take no arguments (those that do need a configuration: not used)."""
    import cosmic_ray.plugins  # here, not at the top: ``--help`` and the tests of the records need no cosmic-ray

    for name in cosmic_ray.plugins.operator_names():
        operator_class = cosmic_ray.plugins.get_operator(name)
        if not operator_class.arguments():
            yield name, operator_class()


def mutants(root: Path, module: str) -> Iterator[Mutant]:
    """Every mutant of ``root / module`` that changes more than annotations, in a stable order."""
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.mutating import mutate_code

    source = (root / module).read_text(encoding="utf-8")
    lines = source.splitlines()
    seen: dict[tuple[str, str], int] = {}
    for name, operator in _operators():
        tree = get_ast(source)
        positions = [start for node in ast_nodes(tree) for start, _end in operator.mutation_positions(node)]
        for occurrence, (row, _column) in enumerate(positions):
            try:
                mutated = mutate_code(source, operator, occurrence)
            except Exception:
                continue
            if mutated is None or mutated == source or skipped(source, mutated):
                continue
            short = name.removeprefix("core/")
            line = lines[row - 1].strip()
            nth = seen.get((short, line), 0)
            seen[(short, line)] = nth + 1
            yield Mutant(MutantKey(module, short, line, nth), mutated, row)


def diff(root: Path, mutant: Mutant) -> str:
    """The mutant as a unified diff against the module in ``root``."""
    original = (root / mutant.key.module).read_text(encoding="utf-8")
    return "".join(difflib.unified_diff(original.splitlines(keepends=True), mutant.source.splitlines(keepends=True),
                                        f"a/{mutant.key.module}", f"b/{mutant.key.module}"))


def digest(*texts: str) -> str:
    """A short digest of texts, in order (what a verdict was judged with)."""
    hashed = hashlib.sha256()
    for text in texts:
        hashed.update(text.encode("utf-8", "surrogateescape"))
        hashed.update(b"\0")
    return hashed.hexdigest()[:16]
