"""A pytest plug-in for the flake campaign: collect the specs in a shuffled order (``-p shuffle_order``).

The seed is ``NETCONFORM_SHUFFLE_SEED`` (the same in every xdist worker, so they all collect
the same order). Only the order pytest hands on is shuffled: netconform's own ordering
(``DiagnosisOrder``, which runs last) still runs each target's specs in its diagnosis order,
so what varies is the order of the targets, and of specs that share a requirement.
"""

from __future__ import annotations

import os
import random

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Shuffle ``items`` in place with the campaign's seed (no seed: leave them alone)."""
    seed = os.environ.get("NETCONFORM_SHUFFLE_SEED")
    if seed:
        random.Random(seed).shuffle(items)


def pytest_report_header() -> str:
    """Say the seed, so a run can be repeated in the same order."""
    return f"shuffle_order: NETCONFORM_SHUFFLE_SEED={os.environ.get('NETCONFORM_SHUFFLE_SEED') or '(none)'}"
