"""The catalogue of reference targets: data the plug-in hands the harness, found by entry point.

The harness judges the references as it judges a student's program, from outside, so it never
imports them: the package that holds them names its table in the ``netconform.references`` entry
point group (``pyproject.toml``: ``netconform.reference:REFERENCES``), and this module reads it.
Several entry points add their tables up, in name order.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from .harness.launch.catalogue import CatalogueEntry

GROUP = "netconform.references"


class NoCatalogue(RuntimeError):
    """No package names a catalogue: netconform is not installed (the checkout needs ``pip install -e .``)."""


def references() -> tuple[CatalogueEntry, ...]:
    """Every implementation the installed catalogues list."""
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    if not found:
        raise NoCatalogue(f"no reference catalogue is installed (entry point group {GROUP!r}): install netconform "
                          "(in a checkout: pip install -e .)")
    return tuple(entry for ep in found for entry in ep.load())
