"""The requirement index, ``docs/requirements.md``: for each requirement, its specs, the known-bad
fixtures that break it and the reference code that realises it.

Every column comes from where that fact already lives: IDs, levels and sentences from the
harness's registry (``specs/SPEC.md``), specs from their ``@pytest.mark.req("ID")`` markers
(read with ``ast``, not imported), fixtures from their ``Breaks:`` lines (``bad_fixtures()``),
reference code from ``Realises: ID, ID`` lines in docstrings under ``reference/`` (a module's,
a class's or a function's, read with ``ast``). The index is generated, never edited by hand:
``python -m tests.requirement_index`` (from the checkout root) writes it, and
``tests/test_requirement_index.py`` fails while it is stale.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from netconform.specs.harness.judge.requirements import Requirement, registry
from tests.suite import ROOT, BadFixture, bad_fixtures

INDEX = ROOT / "docs" / "requirements.md"
COMMAND = "python -m tests.requirement_index"
SPECS = ROOT / "specs"
REFERENCE = ROOT / "reference"
#: A ``Realises:`` line of a docstring (after ``inspect.cleandoc``: no indent).
REALISES = re.compile(r"^Realises:(?P<ids>.*)$", re.M)
#: How long a requirement's sentence may be in the index before it is cut short.
SHORT = 80
#: The reference column of a requirement no ``Realises:`` line names.
NO_SHARED_CODE = "*(each reference's own code)*"
Definition: TypeAlias = "ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef"


@dataclass(frozen=True, order=True)
class Site:
    """A place in the code: a file (relative to the checkout) and a dotted name in it ("" for the module)."""

    path: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.path}::{self.name}" if self.name else self.path


def _definitions(tree: ast.Module) -> Iterator[tuple[str, Definition]]:
    """Every function and class of ``tree`` with its dotted name (``Class.method``), in source order."""

    def walk(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, Definition]]:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{node.name}"
                yield name, node
                yield from walk(node.body, f"{name}.")

    return walk(tree.body, "")


def _marked_id(decorator: ast.expr) -> str | None:
    """The ID of a ``@pytest.mark.req("ID")`` decorator (``@mark.req`` too); None for any other."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "req" and ast.unparse(decorator.func.value).endswith("mark")):
        return None
    arg = decorator.args[0] if decorator.args else None
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def spec_sites(specs: Path = SPECS) -> dict[str, list[Site]]:
    """Requirement ID -> the spec functions that carry its marker, in ``specs/test_*.py``."""
    found: dict[str, list[Site]] = defaultdict(list)
    for path in sorted(specs.glob("test_*.py")):
        for name, node in _definitions(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                continue
            for req_id in filter(None, map(_marked_id, node.decorator_list)):
                found[req_id].append(Site(path.relative_to(specs.parent).as_posix(), name))
    return dict(found)


def _realised_ids(doc: str | None) -> list[str]:
    """The IDs of a docstring's ``Realises:`` lines, in order."""
    return [i.strip() for m in REALISES.finditer(doc or "") for i in m["ids"].split(",") if i.strip()]


def realisations(reference: Path = REFERENCE) -> dict[str, list[Site]]:
    """Requirement ID (as written, known or not) -> the modules, classes and functions under
    ``reference`` whose docstring has a ``Realises:`` line naming it."""
    found: dict[str, list[Site]] = defaultdict(list)
    for path in sorted(reference.rglob("*.py")):
        rel = path.relative_to(reference.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for req_id in _realised_ids(ast.get_docstring(tree)):
            found[req_id].append(Site(rel))
        for name, node in _definitions(tree):
            for req_id in _realised_ids(ast.get_docstring(node)):
                found[req_id].append(Site(rel, name))
    return dict(found)


def unknown_realised(realised: dict[str, list[Site]], known: Iterable[str]) -> list[str]:
    """``site: ID`` for every ``Realises:`` ID that names no requirement in ``known``."""
    known = set(known)
    return [f"{site}: {req_id}" for req_id, sites in realised.items() if req_id not in known for site in sites]


def breakers(fixtures: Iterable[BadFixture]) -> dict[str, list[str]]:
    """Requirement ID -> the known-bad fixtures (``role_dir/name.py``) whose ``Breaks:`` line names it."""
    found: dict[str, list[str]] = defaultdict(list)
    for fixture in fixtures:
        for req_id in fixture.breaks:
            found[req_id].append(f"{fixture.path.parent.name}/{fixture.path.name}")
    return dict(found)


def short(text: str, limit: int = SHORT) -> str:
    """``text`` cut at a word before ``limit`` characters (with an ellipsis); a code span the cut
    falls in is kept whole."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    if cut.count("`") % 2:  # the cut fell inside `code`: keep it to its end
        cut = text[:text.index("`", len(cut)) + 1]
    return cut if cut == text else cut.rstrip(",;:") + " …"


def _cell(items: Iterable[str], empty: str = "-") -> str:
    return "<br>".join(items) or empty


def _row(req: Requirement, specs: dict[str, list[Site]], broken: dict[str, list[str]],
         realised: dict[str, list[Site]]) -> str:
    cells = [
        req.id,
        req.level,
        short(req.text).replace("|", "\\|"),
        _cell(f"`{s}`" for s in specs.get(req.id, [])),
        _cell(f"`{f}`" for f in broken.get(req.id, [])),
        _cell((f"`{s}`" for s in realised.get(req.id, [])), NO_SHARED_CODE),
    ]
    return "| " + " | ".join(cells) + " |"


def render(requirements: dict[str, Requirement], specs: dict[str, list[Site]], broken: dict[str, list[str]],
           realised: dict[str, list[Site]]) -> str:
    """The index's Markdown: a header, then per family (in the registry's order) a table of its requirements."""
    with_code = sum(1 for r in requirements if realised.get(r))
    levels = {level: sum(1 for r in requirements.values() if r.level == level) for level in ("MUST", "SHOULD")}
    lines = [
        "# Requirement index",
        "",
        f"Generated by `{COMMAND}` from the checkout root; do not edit it by hand:",
        "`tests/test_requirement_index.py` fails while it is stale. For each requirement of",
        "[`specs/SPEC.md`](../specs/SPEC.md) (its sentence cut short here), in SPEC.md's order:",
        "",
        "- **Specs**: the spec functions under `specs/` that carry its `@pytest.mark.req` marker;",
        "- **Broken by**: the known-bad implementations under `fixtures/bad/` whose `Breaks:` line names it;",
        "- **Reference**: the code under `reference/` specific to it (a shared helper, or a model's own",
        "  module, class or function) whose docstring names it in a `Realises:` line. Every reference",
        "  meets every requirement of its role: a shared helper listed serves the models that call it,",
        "  and the others do the same in their own code. Where the column shows",
        f"  {NO_SHARED_CODE}, no code is specific to the requirement: each reference meets it in its",
        "  own module (its concurrency model's serving loop, or a client's `main`).",
        "",
        f"{len(requirements)} requirements ({levels['MUST']} MUST, {levels['SHOULD']} SHOULD); "
        f"{with_code} with reference code specific to them, {len(requirements) - with_code} without.",
    ]
    families: dict[str, list[Requirement]] = defaultdict(list)
    for req in requirements.values():
        families[req.family].append(req)
    for family, reqs in families.items():
        lines += ["", f"## {family}: {reqs[0].section}", "",
                  "| ID | Level | Requirement | Specs | Broken by | Reference |",
                  "|---|---|---|---|---|---|"]
        lines += [_row(req, specs, broken, realised) for req in reqs]
    return "\n".join(lines) + "\n"


def generate(*, specs: Path = SPECS, reference: Path = REFERENCE,
             fixtures: Iterable[BadFixture] | None = None) -> str:
    """The index as the code stands now (``specs``, ``reference`` and ``fixtures``: other sources, for tests).

    Raises ValueError if a ``Realises:`` line names a requirement the registry does not know.
    """
    requirements = registry()
    realised = realisations(reference)
    unknown = unknown_realised(realised, requirements)
    if unknown:
        raise ValueError("Realises: lines name unknown requirements:\n  " + "\n  ".join(unknown))
    broken = breakers(bad_fixtures() if fixtures is None else fixtures)
    return render(requirements, spec_sites(specs), broken, realised)


def stale(written: str, generated: str) -> list[str]:
    """How ``written`` (the index on disk) differs from ``generated``: unified-diff lines, none if it is current."""
    return list(difflib.unified_diff(written.splitlines(), generated.splitlines(),
                                     "docs/requirements.md (written)", "docs/requirements.md (generated)",
                                     lineterm="", n=0))


def main() -> int:
    """Write ``docs/requirements.md``."""
    INDEX.write_text(generate(), encoding="utf-8")
    print(f"wrote {INDEX.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
