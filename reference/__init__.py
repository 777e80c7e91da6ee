"""Reference implementations: one small module per (role, concurrency model).

Every module is runnable on its own::

    python -m reference.<model>.<role_module> --port 0

``--port 0`` asks the kernel for a free port; the chosen address is announced on
stderr (stdout carries only the book's log lines). The table below is the single
list of references; the harness turns each row into a default target.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Concurrency models, and whether each serves several clients at once.
#: ``iterative`` and ``socketserver`` handle one client at a time by design.
SERVER_MODELS: dict[str, bool] = {
    "iterative": False,
    "socketserver": False,
    "forking": True,
    "threading": True,
    "select": True,
    "poll": True,
    "selectors": True,
    "asyncio": True,
    "twisted": True,
}

#: Server roles that have a reference in every model above.
SERVER_ROLES: tuple[str, ...] = ("greeting-server", "logger-server", "line-logger-server")


@dataclass(frozen=True)
class Reference:
    """One reference implementation of ``role`` in concurrency model ``model``."""

    role: str
    model: str
    concurrent: bool

    @property
    def module(self) -> str:
        """Dotted module path, e.g. ``reference.select.greeting_server``."""
        return f"reference.{self.model}.{self.role.replace('-', '_')}"

    @property
    def needs(self) -> tuple[str, ...]:
        """Capabilities (see ``specs.harness.capabilities``) this module needs."""
        if self.model == "twisted":
            return ("twisted",)
        if self.model == "forking":
            return ("fork",)
        return ()


REFERENCES: tuple[Reference, ...] = tuple(
    Reference(role, model, concurrent)
    for role in SERVER_ROLES
    for model, concurrent in SERVER_MODELS.items()
)
