"""Targets: the implementations under test, from the reference catalogue or from ``--impl``.

A target is a role, a command (an argv template with ``{host}``/``{port}``
placeholders), and metadata: a readable name (the test ID), the concurrency model
and whether it claims to serve clients concurrently, and the capabilities it needs.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..wire.streams import is_loopback
from .capabilities import find_interpreter

#: Role names are a public interface: users and later specs depend on them.
SERVER_ROLES = ("greeting-server", "logger-server", "line-logger-server")
URL_ROLES = ("fetch-client", "link-client", "download-client")
CLIENT_ROLES = ("greeting-client", *URL_ROLES)
MODULE_ROLES = ("quote-module",)
ROLES = SERVER_ROLES + CLIENT_ROLES + MODULE_ROLES

#: How a server target gets its port.
#: ``assigned``: the command has ``{port}``; the harness picks a free port.
#: ``ephemeral``: a reference run with ``--port 0``; the harness discovers the port.
#: ``fixed``: a command without ``{port}`` (the book's programs hard-code 1234); the
#: harness discovers the port and runs such targets one at a time.
#: ``external``: ``tcp://127.0.0.1:PORT``, a server already running, which the suite
#: neither starts nor stops (its output and processes cannot be observed).
PortPolicy = Literal["assigned", "ephemeral", "fixed", "external"]
PORT_POLICIES: tuple[PortPolicy, ...] = ("assigned", "ephemeral", "fixed", "external")
#: Where a target comes from: the suite's own references, or a user's program (``--impl``, submissions).
Origin = Literal["reference", "user"]

#: Transports (socketserver's four base classes), as ``--impl ROLE/TRANSPORT`` takes them (TCP is the
#: default): byte streams over TCP or a Unix socket path, datagrams over UDP or a Unix socket path.
Transport = Literal["tcp", "unix", "udp", "unixgram"]
TRANSPORTS: tuple[Transport, ...] = ("tcp", "unix", "udp", "unixgram")
DATAGRAM_TRANSPORTS: tuple[Transport, ...] = ("udp", "unixgram")

#: The roles each transport other than TCP has: byte streams over a Unix path carry every
#: server role; datagrams carry the greeting (a reply per datagram); a greeting client
#: speaks all four.
TRANSPORT_ROLES: dict[str, tuple[str, ...]] = {
    "unix": (*SERVER_ROLES, "greeting-client"),
    "udp": ("greeting-server", "greeting-client"),
    "unixgram": ("greeting-server", "greeting-client"),
}

#: Roles a ``tcp://`` target may take: a logger's log is its stdout, readable only from
#: a process the suite starts.
EXTERNAL_ROLES = ("greeting-server",)

_PLAIN = re.compile(r"[\w@%+=:,./{}-]+")


class ImplSyntaxError(ValueError):
    """An ``--impl`` value that cannot be understood; the message says how to write it."""


@dataclass(frozen=True)
class TargetSpec:
    """An implementation under test (not yet running)."""

    role: str
    name: str
    command: tuple[str, ...]
    model: str = "unknown"
    concurrent: bool = True
    needs: tuple[str, ...] = ()
    origin: Origin = "user"
    port_policy: PortPolicy = "assigned"
    env: tuple[tuple[str, str], ...] = field(default=())
    cwd: str | None = None
    submission: str = ""  # the name of the submission it came from (--impl-dir, --submission)
    source: str = ""  # that submission's folder
    transport: Transport = "tcp"  # tcp, unix (stream), udp or unixgram

    @property
    def datagram(self) -> bool:
        """Does it speak datagrams (UDP, Unix datagrams) rather than a byte stream?"""
        return self.transport in DATAGRAM_TRANSPORTS

    @property
    def unix(self) -> bool:
        """Is its socket a Unix path (stream or datagram) rather than an IP port?"""
        return self.transport in ("unix", "unixgram")

    @property
    def hard_coded_url(self) -> bool:
        """A URL client whose command has no ``{url}``: it fetches the URLs written in it, and is run as
        written, against the suite's own web in a network namespace of its own (``observe/url_runs.py``)."""
        return self.role in URL_ROLES and not any("{url}" in token for token in self.command)

    @property
    def role_shown(self) -> str:
        """The role, with the transport unless it is TCP: ``greeting-server/udp``."""
        return self.role if self.transport == "tcp" else f"{self.role}/{self.transport}"

    @property
    def external_address(self) -> tuple[str, int] | None:
        """For a ``tcp://`` target, the loopback (host, port) it listens on; else None."""
        if self.port_policy != "external":
            return None
        return parse_tcp_url(self.command[0])

    @property
    def command_line(self) -> str:
        """The command as a user would type it (placeholders left unquoted)."""
        return " ".join(t if _PLAIN.fullmatch(t) else shlex.quote(t) for t in self.command)

    @property
    def impl_option(self) -> str:
        """The ``--impl`` value that selects exactly this target (for reproduction lines)."""
        return f"{self.role_shown}:{self.name}={self.command_line}"

    @property
    def select_option(self) -> str:
        """The command-line option that selects this target again (for reproduction lines)."""
        if self.source:
            return f"--submission {shlex.quote(self.source)}"
        return f"--impl {shlex.quote(self.impl_option)}"

    @property
    def xdist_group(self) -> str:
        """Tests of one target run on one xdist worker; fixed-port targets share a group."""
        if self.port_policy == "fixed":
            return "netconform-fixed-port"
        return f"netconform-{self.role}-{self.name}"


def transport_named(name: str) -> Transport:
    """``name`` as a :data:`Transport` (ValueError if it is none)."""
    for transport in TRANSPORTS:
        if transport == name:
            return transport
    raise ValueError(f"unknown transport {name!r}: {', '.join(TRANSPORTS)}")


_PYTHON = re.compile(r"python(\d(?:\.\d+)?)?")


def _default_name(argv: list[str]) -> str:
    """A readable test ID for a user command: its script's stem, module or program name."""
    for i, token in enumerate(argv):
        if token == "-m" and i + 1 < len(argv):
            return argv[i + 1].rsplit(".", 1)[-1]
        if token.endswith((".py", ".rb", ".js", ".go", ".c", ".sh", ".pl")):
            return Path(token).stem
    return Path(argv[0]).name.rsplit(".", 1)[-1] if len(argv) == 1 else Path(argv[0]).name


_TCP = re.compile(r"tcp://(?:\[(?P<ip6>[^\]]+)\]|(?P<host>[^:/\[\]]+)):(?P<port>\d{1,5})/?")


def parse_tcp_url(url: str) -> tuple[str, int]:
    """``tcp://127.0.0.1:1234`` (or ``[::1]``, ``localhost``) as a loopback (host, port).

    Only loopback IP literals (and ``localhost``, taken as 127.0.0.1 without a lookup)
    are accepted: netconform never connects anywhere else.
    """
    match = _TCP.fullmatch(url.strip())
    if match is None:
        raise ImplSyntaxError(f"{url!r}: expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:1234")
    host = match.group("ip6") or match.group("host")
    host = "127.0.0.1" if host.lower() == "localhost" else host
    port = int(match.group("port"))
    if not 0 < port < 65536:
        raise ImplSyntaxError(f"{url!r}: port {port} is out of range")
    if not is_loopback(host):
        raise ImplSyntaxError(f"{url!r}: {host} is not a loopback address (127.0.0.0/8 or ::1); netconform "
                              "only connects to loopback, so run your server on this machine, bound to 127.0.0.1")
    return host, port


def _parse_external(role: str, name: str, command: str, value: str) -> TargetSpec:
    if role not in EXTERNAL_ROLES:
        raise ImplSyntaxError(f"--impl {value!r}: a tcp:// target can only be a {' or '.join(EXTERNAL_ROLES)}; "
                              f"a {role}'s log is its output, which netconform reads only from a program it "
                              "starts: give its command instead")
    try:
        _host, port = parse_tcp_url(command)
    except ImplSyntaxError as exc:
        raise ImplSyntaxError(f"--impl {value!r}: {exc}") from None
    return TargetSpec(role=role, name=name or f"tcp-{port}", command=(command.strip(),), origin="user",
                      port_policy="external")


def parse_impl(value: str, *, cwd: str | None = None) -> TargetSpec:
    """Parse ``ROLE=COMMAND`` or ``ROLE:NAME=COMMAND`` from ``--impl``.

    ``COMMAND`` may be ``tcp://127.0.0.1:PORT``: a server that is already running.
    """
    head, sep, command = value.partition("=")
    if not sep or not command.strip():
        raise ImplSyntaxError(
            f"--impl {value!r}: expected ROLE=COMMAND, e.g. "
            "--impl 'greeting-server=python3 my_server.py {port}'"
        )
    role, _, name = head.strip().partition(":")
    role, _, transport = role.partition("/")
    transport = transport or "tcp"
    if role not in ROLES:
        raise ImplSyntaxError(f"--impl {value!r}: unknown role {role!r}; roles are: {', '.join(ROLES)}")
    if transport not in TRANSPORTS:  # (the one place a user's transport is read: a clear message)
        raise ImplSyntaxError(f"--impl {value!r}: unknown transport {transport!r}; transports are: "
                              f"{', '.join(TRANSPORTS)} (e.g. greeting-server/udp=...)")
    if transport != "tcp" and role not in TRANSPORT_ROLES.get(transport, ()):
        raise ImplSyntaxError(f"--impl {value!r}: a {role} over {transport} is not part of the contract; over "
                              f"{transport}: {', '.join(TRANSPORT_ROLES[transport])}")
    if command.strip().startswith("tcp://"):
        if transport != "tcp":
            raise ImplSyntaxError(f"--impl {value!r}: a tcp:// target is a TCP server: drop /{transport}")
        return _parse_external(role, name, command, value)
    try:
        argv = [command.strip()] if role in MODULE_ROLES else shlex.split(command)
    except ValueError as exc:
        raise ImplSyntaxError(f"--impl {value!r}: cannot split the command ({exc})") from None
    needs: tuple[str, ...] = ()
    match = _PYTHON.fullmatch(Path(argv[0]).name)
    if match and (match.group(1) or "").startswith("2"):
        needs = ("python2",)
    placeholder = "{path}" if transport in ("unix", "unixgram") else "{port}"
    policy: PortPolicy = "assigned" if any(placeholder in tok for tok in argv) else "fixed"
    if role not in (*SERVER_ROLES, "greeting-client"):
        policy = "assigned"  # URL clients get {url}; modules are imported
    if transport in ("unix", "unixgram") and policy == "fixed" and role == "greeting-client":
        raise ImplSyntaxError(f"--impl {value!r}: a Unix greeting client needs {{path}} in its command: the "
                              "socket path of the server netconform plays")
    if transport == "unixgram" and policy == "fixed":
        raise ImplSyntaxError(f"--impl {value!r}: a Unix datagram target needs {{path}} in its command: "
                              "netconform sends datagrams only to paths in its own temporary folder")
    default = _default_name(argv)
    return TargetSpec(
        role=role,
        transport=transport_named(transport),
        name=name or (default if transport == "tcp" else f"{default}-{transport}"),
        command=tuple(argv),
        needs=needs,
        origin="user",
        port_policy=policy,
        cwd=cwd or os.getcwd(),
    )


def parse_impls(values: Iterable[str], *, cwd: str | None = None) -> list[TargetSpec]:
    """Parse every ``--impl``; names are made unique (``server``, ``server-2``...)."""
    specs: list[TargetSpec] = []
    seen: set[tuple[str, str]] = set()
    for value in values:
        spec = parse_impl(value, cwd=cwd)
        name, n = spec.name, 1
        while (spec.role, name) in seen:
            n += 1
            name = f"{spec.name}-{n}"
        seen.add((spec.role, name))
        specs.append(TargetSpec(**{**spec.__dict__, "name": name}))
    return specs


_INTERPRETER = re.compile(r"python\d(?:\.\d+)?")


def render_argv(spec: TargetSpec, values: dict[str, str]) -> list[str]:
    """The target's command with ``{host}``/``{port}``/``{url}``/``{output}`` filled in.

    A ``python2`` or ``python3.12``-style program name is resolved to a working
    interpreter (PATH, then pyenv), so the book's ``python2`` commands run where only
    pyenv has Python 2.
    """

    argv = []
    for token in spec.command:
        for key, value in values.items():
            token = token.replace("{" + key + "}", value)
        argv.append(token)
    if _INTERPRETER.fullmatch(argv[0]):
        argv[0] = find_interpreter(argv[0]) or argv[0]
    return argv


def target_env(spec: TargetSpec, run_id: str, **extra: str) -> dict[str, str]:
    """The environment a target runs in: ours, plus unbuffered Python, the run's id and ``extra``.

    The spec's own entries are added too (``extra`` wins over them); PYTHONPATH is
    prepended, not replaced.
    """
    env = dict(os.environ)
    for key, value in spec.env:
        env[key] = value + (os.pathsep + env[key] if key == "PYTHONPATH" and env.get(key) else "")
    env.update(PYTHONUNBUFFERED="1", NETCONFORM_RUN=run_id, **extra)
    return env
