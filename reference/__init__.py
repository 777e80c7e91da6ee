"""Reference implementations: one small module per (role, concurrency model).

Every module is runnable on its own::

    python -m reference.<model>.<role_module> --port 0

``--port 0`` asks the kernel for a free port; the chosen address is announced on
stderr (stdout carries only the book's log lines). The table below is the single
list of references; the harness turns each row into a default target.
"""

from __future__ import annotations

from typing import NamedTuple  # not a dataclass: every reference imports this, dataclasses costs 10+ ms

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
    "asyncore": True,
    "asynchat": True,
    "trio": True,
    "gevent": True,
    "uvloop": True,
}

#: The models whose package may be missing, and the capability (``specs.harness.launch.capabilities``)
#: each needs: asyncore and asynchat left the standard library in 3.12 (then pyasyncore and
#: pyasynchat); the others come from the ``models`` extra. trio's is ``trio_lib``: pytest-trio
#: owns the marker ``trio``.
MODEL_PACKAGES: dict[str, str] = {
    "asyncore": "asyncore",
    "asynchat": "asynchat",
    "trio": "trio_lib",
    "gevent": "gevent",
    "uvloop": "uvloop",
}

#: Server roles that have a reference in every model above.
SERVER_ROLES: tuple[str, ...] = ("greeting-server", "logger-server", "line-logger-server")

#: Transports (socketserver's four base classes): byte streams over TCP or a Unix socket
#: path, datagrams over UDP or a Unix socket path.
TRANSPORTS: tuple[str, ...] = ("tcp", "unix", "udp", "unixgram")
STREAM_TRANSPORTS: tuple[str, ...] = ("tcp", "unix")
DATAGRAM_TRANSPORTS: tuple[str, ...] = ("udp", "unixgram")

#: Models with a datagram greeting server (``greeting_datagram_server``, UDP and Unix datagrams).
DATAGRAM_MODELS: tuple[str, ...] = tuple(SERVER_MODELS)


class Reference(NamedTuple):
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
    transport: str = "tcp"

    @property
    def module(self) -> str:
        """Dotted module path, e.g. ``reference.select.greeting_server``."""
        if self.module_name:
            return self.module_name
        stem = self.role.replace("-", "_")
        if self.transport in DATAGRAM_TRANSPORTS:
            stem = stem.replace("_server", "_datagram_server")
        return f"{__name__}.{self.model}.{stem}"

    @property
    def needs(self) -> tuple[str, ...]:
        """Capabilities (see ``specs.harness.launch.capabilities``) this module needs."""
        if self.model in MODEL_PACKAGES:
            return (MODEL_PACKAGES[self.model],)
        if self.model == "twisted":
            return ("twisted",)
        if self.model == "forking":
            return ("fork",)
        if self.role in ("fetch-client", "link-client", "download-client") and "{url}" not in self.args:
            return ("netjail",)  # run as written: in a network namespace of its own (harness/platform/linux/netns.py)
        return ()


_GREETING_CLIENT_ARGS = ("--host", "{host}", "--port", "{port}")

#: The clients: a greeting client per model; urllib clients per way of reading; quoting modules.
CLIENT_REFERENCES: tuple[Reference, ...] = (
    Reference("greeting-client", "blocking", args=_GREETING_CLIENT_ARGS),
    Reference("greeting-client", "asyncio", args=_GREETING_CLIENT_ARGS),
    Reference("greeting-client", "twisted", args=_GREETING_CLIENT_ARGS),
    Reference("greeting-client", "trio", args=_GREETING_CLIENT_ARGS),
    Reference("fetch-client", "read", module_name=f"{__name__}.urllib.fetch_read", args=("{url}",)),
    Reference("fetch-client", "lines", module_name=f"{__name__}.urllib.fetch_lines", args=("{url}",)),
    Reference("fetch-client", "readlines", module_name=f"{__name__}.urllib.fetch_readlines", args=("{url}",)),
    Reference("link-client", "regex", module_name=f"{__name__}.urllib.link_regex", args=("{url}",)),
    Reference("link-client", "htmlparser", module_name=f"{__name__}.urllib.link_htmlparser", args=("{url}",)),
    Reference("download-client", "reporthook", module_name=f"{__name__}.urllib.download_reporthook",
              args=("{url}", "{output}")),
    Reference("download-client", "urlcleanup", module_name=f"{__name__}.urllib.download_urlcleanup",
              args=("{url}", "{output}")),
    # The same programs given the book's URLs (and file name) in their commands, no {url}: run as written,
    # against the suite's proxy, where the specs whose page cannot be shown at that URL are not applicable.
    Reference("fetch-client", "as-written", module_name=f"{__name__}.urllib.fetch_read",
              args=("https://www.python.org",)),
    Reference("link-client", "as-written", module_name=f"{__name__}.urllib.link_htmlparser",
              args=("http://python.org",)),
    Reference("download-client", "as-written", module_name=f"{__name__}.urllib.download_urlcleanup",
              args=("http://www.python.org", "C:\\python_webpage.html")),
    Reference("quote-module", "stdlib", module_name="urllib.parse", args=()),
    Reference("quote-module", "handwritten", module_name=f"{__name__}.quoting", args=()),
)

def _over(transport: str, args: tuple[str, ...], *, client: bool = False) -> tuple[str, ...]:
    """A TCP reference's arguments for ``transport``: a Unix path instead of the port; a client
    also says ``--datagram`` (a datagram server is a module of its own)."""
    if transport in ("unix", "unixgram"):
        args = ("--unix", "{path}")
    return ("--datagram", *args) if client and transport in DATAGRAM_TRANSPORTS else args


#: Every greeting client also speaks the other transports (``--unix``, ``--datagram``).
_CLIENTS_OVER_TRANSPORTS: tuple[Reference, ...] = tuple(
    Reference(ref.role, ref.model, args=_over(transport, ref.args, client=True), transport=transport)
    for ref in CLIENT_REFERENCES if ref.role == "greeting-client" for transport in TRANSPORTS[1:]
)

REFERENCES: tuple[Reference, ...] = (
    *(Reference(role, model, concurrent, args=_over(transport, ("--port", "0")), transport=transport)
      for transport in STREAM_TRANSPORTS for role in SERVER_ROLES for model, concurrent in SERVER_MODELS.items()),
    *(Reference("greeting-server", model, args=_over(transport, ("--port", "0")), transport=transport)
      for transport in DATAGRAM_TRANSPORTS for model in DATAGRAM_MODELS),
    *CLIENT_REFERENCES,
    *_CLIENTS_OVER_TRANSPORTS,
)
