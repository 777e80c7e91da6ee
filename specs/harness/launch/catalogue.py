"""The reference catalogue's entries as targets: what the plug-in hands the harness, as data.

The catalogue (``reference/__init__.py``'s table) is found by the plug-in through the
``netconform.references`` entry point (``specs/catalogue.py``); the harness reads each entry through
:class:`CatalogueEntry` alone, and never imports the code it judges.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Protocol

from .. import PROJECT_ROOT
from .targets import MODULE_ROLES, ROLES, SERVER_ROLES, TargetSpec, transport_named


class CatalogueEntry(Protocol):
    """One implementation of a catalogue (the references): what the plug-in hands the harness as data.

    The catalogue is found through the ``netconform.references`` entry point (``specs/plugin.py``), so
    the harness never imports what it judges. ``module`` is run as ``python -m module *args`` (a
    ``quote-module``'s is imported by name); ``needs`` names capabilities (``capabilities.py``).
    """

    @property
    def role(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def concurrent(self) -> bool: ...
    @property
    def args(self) -> tuple[str, ...]: ...
    @property
    def transport(self) -> str: ...
    @property
    def module(self) -> str: ...
    @property
    def needs(self) -> tuple[str, ...]: ...


def reference_targets(catalogue: Iterable[CatalogueEntry], roles: Iterable[str] = ROLES) -> list[TargetSpec]:
    """One target per implementation in ``catalogue`` of each role in ``roles``.

    An entry whose role or transport the harness does not know is an error in the catalogue: ValueError.
    """
    wanted = set(roles)
    specs = []
    for ref in catalogue:
        if ref.role not in ROLES:
            raise ValueError(f"the reference catalogue lists a {ref.role} ({ref.model}): roles are {', '.join(ROLES)}")
        transport = transport_named(ref.transport)
        if ref.role not in wanted:
            continue
        module_role = ref.role in MODULE_ROLES
        specs.append(TargetSpec(
            role=ref.role,
            name=ref.model if transport == "tcp" else f"{ref.model}-{transport}",
            transport=transport,
            command=(ref.module,) if module_role else (sys.executable, "-m", ref.module, *ref.args),
            model=ref.model,
            concurrent=ref.concurrent,
            needs=ref.needs,
            origin="reference",
            port_policy="ephemeral" if ref.role in SERVER_ROLES and transport in ("tcp", "udp") else "assigned",
            cwd=str(PROJECT_ROOT),
        ))
    return specs
