"""The model comparison's own options, and the configuration they make (apart from the conformance run's).

``--compare-models`` turns a run into a measurement (no spec runs); ``--compare-references`` and
``--compare-plan`` shape it. :func:`add_options` registers them in netconform's option group;
:func:`build` checks them, without touching pytest (``tests/test_compare.py`` calls it directly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from .plan import PLANS


class CompareOptionError(ValueError):
    """Comparison options that do not go together; the message says how to write them."""


@dataclass(frozen=True)
class CompareConfig:
    """What ``--compare-models`` and its companions ask for."""

    compare: bool = False  # --compare-models: measure the targets against the references; no spec runs
    references: tuple[str, ...] = ()  # --compare-references (empty: every reference model)
    plan: str = "quick"  # --compare-plan: counts and bounds (plan.py)


def build(values: Mapping[str, Any]) -> CompareConfig:
    """The comparison's configuration from the options' ``values`` (pytest's ``config.option``)."""
    compare = bool(values.get("compare_models"))
    if compare and values.get("numprocesses"):
        raise CompareOptionError("--compare-models measures one server at a time, alone on the machine: run it "
                                 "without -n")
    references = tuple(m.strip() for opt in values.get("compare_references") or [] for m in opt.split(",") if m.strip())
    if references and not compare:
        raise CompareOptionError("--compare-references goes with --compare-models")
    return CompareConfig(compare, references, values.get("compare_plan") or "quick")


def add_options(parser: pytest.Parser) -> None:
    """The comparison's options, in netconform's group of ``pytest --help``."""
    group = parser.getgroup("netconform")
    group.addoption("--compare-models", action="store_true", default=False,
                    help="instead of the specs, measure the --impl greeting servers and line loggers beside every "
                    "reference model (connections/s, lines/s, first-byte latency, memory per idle connection) and "
                    "print the table; with --conformance-report x.html the report shows it with its chart")
    group.addoption("--compare-references", action="append", default=[], metavar="MODELS",
                    help="with --compare-models: only these reference models (comma-separated; default: all)")
    group.addoption("--compare-plan", choices=tuple(PLANS), default="quick",
                    help="with --compare-models: how much load (default quick: one run, about 5 s per model; "
                    "standard: three runs, as benchmarks/compare_models.py)")
