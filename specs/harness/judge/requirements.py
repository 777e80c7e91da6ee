"""The registry of requirements, read from ``specs/SPEC.md`` (the one place they live).

A row of a table in SPEC.md of the form ``| GREET-1 | MUST | sentence |`` is a
requirement. Specs cite it with ``@pytest.mark.req("GREET-1")``; the plug-in rejects
unknown IDs and adds the ``must`` / ``should`` marker from the level found here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parents[2] / "SPEC.md"
LEVELS = ("MUST", "SHOULD")
_ROW = re.compile(r"^\|\s*(?P<id>[A-Z]+-\d+)\s*\|\s*(?P<level>MUST|SHOULD)\s*\|\s*(?P<text>.+?)\s*\|\s*$")


def split_id(req_id: str) -> tuple[str, int]:
    """A requirement ID's parts, the one place an ID is taken apart: ``GREET-10`` -> ``("GREET", 10)``
    (an ID without a number, ``X``, gives ``("X", 0)``)."""
    family, _, number = req_id.partition("-")
    return family, int(number) if number.isdigit() else 0


def family_of(req_id: str) -> str:
    """The requirement's family, a column of the matrix: ``GREET`` for ``GREET-1``."""
    return split_id(req_id)[0]


@dataclass(frozen=True)
class Requirement:
    """One numbered requirement: ``GREET-1``, its level, its sentence and its section."""

    id: str
    level: str
    text: str
    section: str

    @property
    def family(self) -> str:
        """The ID's prefix, e.g. ``GREET`` (a column of the conformance matrix)."""
        return family_of(self.id)

    @property
    def anchor(self) -> str:
        """A fragment that identifies the requirement in links (its ID, lower case)."""
        return self.id.lower()

    def __str__(self) -> str:
        return f"{self.id} ({self.level}): {self.text}"


def parse(text: str) -> dict[str, Requirement]:
    """Parse SPEC.md's text; raise ValueError on a duplicate ID."""
    found: dict[str, Requirement] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            continue
        match = _ROW.match(line)
        if match is None:
            continue
        req = Requirement(match["id"], match["level"], match["text"], section)
        if req.id in found:
            raise ValueError(f"{SPEC_PATH.name}: requirement {req.id} is listed twice")
        found[req.id] = req
    return found


_ORDER_ROW = re.compile(r"^\|\s*`(?P<role>[a-z-]+)`\s*\|\s*(?P<ids>[A-Z]+-\d+(?:\s*,\s*[A-Z]+-\d+)*)\s*\|\s*$")


def parse_order(text: str) -> dict[str, tuple[str, ...]]:
    """The diagnosis order per role: SPEC.md's rows ``| `role` | ID, ID, ... |``."""
    return {m["role"]: tuple(i.strip() for i in m["ids"].split(","))
            for m in map(_ORDER_ROW.match, text.splitlines()) if m is not None}


@functools.cache
def diagnosis_order() -> dict[str, tuple[str, ...]]:
    """Per role, its requirements basic before derived: specs run and failures are reported in this order."""
    return parse_order(SPEC_PATH.read_text(encoding="utf-8"))


def rank(role: str, req_id: str) -> int:
    """Where ``req_id`` comes in ``role``'s diagnosis order (unlisted ones last, in registry order)."""
    order = diagnosis_order().get(role, ())
    if req_id in order:
        return order.index(req_id)
    ids = list(registry())
    return len(order) + (ids.index(req_id) if req_id in ids else len(ids))


@functools.cache
def registry() -> dict[str, Requirement]:
    """All requirements in SPEC.md, by ID, in document order."""
    return parse(SPEC_PATH.read_text(encoding="utf-8"))


def get(req_id: str) -> Requirement:
    """The requirement ``req_id``; KeyError with the known IDs if there is none."""
    try:
        return registry()[req_id]
    except KeyError:
        known = ", ".join(registry())
        raise KeyError(f"unknown requirement {req_id!r}; SPEC.md lists: {known}") from None
