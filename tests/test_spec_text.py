"""Every spec quotes its requirement: the first paragraph of its docstring is SPEC.md's sentence, exactly.

SPEC.md is the one source of requirement text; a spec's docstring that paraphrases it
drifts. Code spans are written ``x`` in docstrings and `x` in SPEC.md; line breaks do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from netconform.specs.harness.judge import requirements
from tests.suite import ROOT


def _specs() -> list[tuple[str, str, str]]:
    """(where, requirement ID, docstring) of every function that carries a ``req`` marker."""
    found = []
    for path in sorted((ROOT / "specs").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "req":
                    found.append((f"{path.name}::{node.name}", str(deco.args[0].value),  # type: ignore[attr-defined]
                                  ast.get_docstring(node) or ""))
    return found


def _normal(text: str) -> str:
    return " ".join(re.sub(r"``([^`]+)``", r"`\1`", text).split())


@pytest.mark.parametrize(("where", "req_id", "doc"), _specs(), ids=lambda v: v if "::" in str(v) else "")
def test_spec_docstring_quotes_its_requirement(where: str, req_id: str, doc: str) -> None:
    """The docstring's first paragraph is the requirement's sentence in SPEC.md."""
    quoted = _normal(doc.split("\n\n", 1)[0])
    assert quoted == _normal(requirements.get(req_id).text), (
        f"{where} ({req_id}): its docstring does not quote SPEC.md\n  docstring: {quoted}\n"
        f"  SPEC.md:   {_normal(requirements.get(req_id).text)}")


def test_every_spec_module_is_seen() -> None:
    """The check above reads every spec (a marker written another way would escape it)."""
    markers = sum(p.read_text().count('mark.req("') for p in Path(ROOT / "specs").glob("test_*.py"))
    assert markers
    assert len(_specs()) == markers
