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
    """One reference implementation of ``role`` in concurrency model (or variant) ``model``.

    ``args`` follow ``python -m <module>`` in the target's command; ``{host}``, ``{port}``,
    ``{url}`` and ``{output}`` are filled in by the harness. A ``quote-module`` reference
    is a module the specs import (its ``module`` is the import path).
    """

    role: str
    model: str
    concurrent: bool = True
    module_name: str | None = None
    args: tuple[str, ...] = ("--port", "0")

    @property
    def module(self) -> str:
        """Dotted module path, e.g. ``reference.select.greeting_server``."""
        return self.module_name or f"{__name__}.{self.model}.{self.role.replace('-', '_')}"

    @property
    def needs(self) -> tuple[str, ...]:
        """Capabilities (see ``specs.harness.capabilities``) this module needs."""
        if self.model == "twisted":
            return ("twisted",)
        if self.model == "forking":
            return ("fork",)
        return ()


_GREETING_CLIENT_ARGS = ("--host", "{host}", "--port", "{port}")

#: The clients: a greeting client per model; urllib clients per way of reading; quoting modules.
CLIENT_REFERENCES: tuple[Reference, ...] = (
    Reference("greeting-client", "blocking", args=_GREETING_CLIENT_ARGS),
    Reference("greeting-client", "asyncio", args=_GREETING_CLIENT_ARGS),
    Reference("greeting-client", "twisted", args=_GREETING_CLIENT_ARGS),
    Reference("fetch-client", "read", module_name=f"{__name__}.urllib.fetch_read", args=("{url}",)),
    Reference("fetch-client", "lines", module_name=f"{__name__}.urllib.fetch_lines", args=("{url}",)),
    Reference("fetch-client", "readlines", module_name=f"{__name__}.urllib.fetch_readlines", args=("{url}",)),
    Reference("link-client", "regex", module_name=f"{__name__}.urllib.link_regex", args=("{url}",)),
    Reference("link-client", "htmlparser", module_name=f"{__name__}.urllib.link_htmlparser", args=("{url}",)),
    Reference("download-client", "reporthook", module_name=f"{__name__}.urllib.download_reporthook",
              args=("{url}", "{output}")),
    Reference("download-client", "urlcleanup", module_name=f"{__name__}.urllib.download_urlcleanup",
              args=("{url}", "{output}")),
    Reference("quote-module", "stdlib", module_name="urllib.parse", args=()),
    Reference("quote-module", "handwritten", module_name=f"{__name__}.quoting", args=()),
)

REFERENCES: tuple[Reference, ...] = (
    *(Reference(role, model, concurrent) for role in SERVER_ROLES for model, concurrent in SERVER_MODELS.items()),
    *CLIENT_REFERENCES,
)
