"""Which reference targets judge a module: those whose module imports it, by the import graph.

The graph is read from the sources under ``reference/`` (``import`` and ``from ... import``,
relative or absolute), not listed by hand. A model's own module is judged through its targets,
every transport it has; a module that many models import (the shared helpers) through the
targets of one model per family (``FAMILIES``), every role and transport of each that imports it; a
mutant of such a module that survives them is judged again through all the other models that import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: One model per family for the shared helpers: blocking socketserver, forking, threads, readiness
#: (select/poll/selectors), asyncio (and uvloop), Twisted, asyncore (and asynchat), trio, gevent.
FAMILIES: tuple[str, ...] = ("socketserver", "forking", "threading", "select", "asyncio", "twisted", "asyncore",
                             "trio", "gevent")
#: The clients' families: each greeting client, and the urllib clients.
CLIENT_FAMILIES: tuple[str, ...] = ("blocking", "asyncio", "twisted", "trio", "read", "lines", "readlines", "regex",
                                    "htmlparser", "reporthook", "urlcleanup", "as-written")
#: A module imported by more models than this is shared: judged through ``FAMILIES`` alone.
SHARED_FROM = 3


@dataclass(frozen=True, order=True)
class Target:
    """A reference target as the specs name it: its role and its name (the model, ``-TRANSPORT`` beyond TCP)."""

    role: str
    name: str
    model: str
    module: str  # dotted: reference.select.logger_server

    def option(self) -> str:
        """Its ``--only-target`` value."""
        return f"{self.role}={self.name}"


def module_name(path: str) -> str:
    """``reference/select/logger_server.py`` → ``reference.select.logger_server``."""
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def source_of(root: Path, module: str) -> Path | None:
    """The file of a ``reference`` module (a package's ``__init__.py``), or None: not one of ours."""
    if module != "reference" and not module.startswith("reference."):
        return None
    base = root / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imports(root: Path, module: str) -> set[str]:
    """The ``reference`` modules ``module`` imports directly (relative imports resolved)."""
    path = source_of(root, module)
    if path is None:
        return set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if source_of(root, name) is not None}


def closure(root: Path, module: str) -> set[str]:
    """``module`` and every ``reference`` module it imports, directly or not."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(imports(root, name) - seen)
    return seen


def all_targets(references: Iterable[object]) -> list[Target]:
    """The catalogue's rows as targets (``reference/__init__.py``'s ``REFERENCES``), named as the specs name them."""
    targets = []
    for ref in references:
        transport = ref.transport
        model = ref.model
        name = model if transport == "tcp" else f"{model}-{transport}"
        targets.append(Target(ref.role, name, model, ref.module))
    return targets


def judging(root: Path, module: str, targets: Sequence[Target]) -> tuple[list[Target], list[Target]]:
    """The targets that judge mutants of ``module`` (a dotted name), in a stable order: those that judge every
    mutant, and those that judge a survivor again (a shared module's other users: what survives one model per
    family must survive them all too, or a mistake only another model shows would pass for a survivor)."""
    users = sorted({t for t in targets if module in closure(root, t.module)})
    if len({t.model for t in users}) <= SHARED_FROM:
        return users, []
    families = set(FAMILIES) | set(CLIENT_FAMILIES)
    return [t for t in users if t.model in families], [t for t in users if t.model not in families]
