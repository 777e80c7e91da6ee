"""The target fixtures: each spec asks for one by role, and is parametrized over that role's targets.

A fixture hands the spec a running target (a :class:`ServerTarget`, a
:class:`ClientTarget` or an imported module), started once per target and reused by
every spec of it, and stopped when pytest moves on to the next target.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from ..launch.module_loader import load_module
from ..launch.targets import MODULE_ROLES, ROLES, SERVER_ROLES, TargetSpec
from ..observe.client_target import ClientTarget
from ..observe.server_target import ServerTarget
from ..wire.suite_servers import HttpFixture
from .keys import POOL, TARGETS


def _capability_marks(spec: TargetSpec) -> list[pytest.MarkDecorator]:
    return [getattr(pytest.mark, need) for need in spec.needs]


_STREAMS = ("tcp", "unix")
_ALL = ("tcp", "unix", "udp", "unixgram")

#: The fixtures that hand specs a target: the roles and the transports each covers. A server
#: role's fixture is its byte-stream contract (TCP, Unix stream); the datagram greeting has
#: a fixture of its own, and so have the specs of Unix socket files.
TARGET_FIXTURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{role.replace("-", "_"): ((role,), _STREAMS if role in SERVER_ROLES else _ALL) for role in ROLES},
    "logging_server": (("logger-server", "line-logger-server"), _STREAMS),
    "server": (SERVER_ROLES, _STREAMS),
    "url_client": (("fetch-client", "link-client", "download-client"), _ALL),
    "datagram_server": (("greeting-server",), ("udp", "unixgram")),
    "unix_server": (SERVER_ROLES, ("unix", "unixgram")),
    "unix_stream_server": (SERVER_ROLES, ("unix",)),
    "unixgram_server": (("greeting-server",), ("unixgram",)),
    "udp_client": (("greeting-client",), ("udp",)),
}


def _param_id(spec: TargetSpec, roles: tuple[str, ...]) -> str:
    return spec.name if len(roles) == 1 else f"{spec.name}-{spec.role.removesuffix('-server')}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize each spec over the targets of the roles (and transports) whose fixture it asks for."""
    targets = metafunc.config.stash[TARGETS]
    for fixture, (roles, transports) in TARGET_FIXTURES.items():
        if fixture in metafunc.fixturenames:
            params = [pytest.param(t, id=_param_id(t, roles), marks=_capability_marks(t))
                      for t in targets if t.role in roles and t.transport in transports]
            metafunc.parametrize(fixture, params, indirect=True, scope="session")


def _target(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The running target of ``request.param`` (a server, a client or a module), stopped when pytest moves on."""
    spec: TargetSpec = request.param
    if spec.role in MODULE_ROLES:
        yield _load_module_target(spec)
        return
    pool = request.config.stash[POOL]
    handle = pool.get(spec) if spec.role in SERVER_ROLES else pool.client(spec)
    yield handle
    if isinstance(handle, ServerTarget):
        handle.stop()  # pytest moves to the next target: this one is done


# -- the target fixtures: each is parametrized over its roles' targets (TARGET_FIXTURES) -------------
@pytest.fixture(scope="session")
def greeting_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``greeting-server`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def logger_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``logger-server`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def line_logger_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``line-logger-server`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def logging_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``logger-server`` or ``line-logger-server`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A target of any server role."""
    yield from _target(request)


@pytest.fixture(scope="session")
def datagram_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``greeting-server`` target over datagrams (UDP, Unix datagrams)."""
    yield from _target(request)


@pytest.fixture(scope="session")
def unix_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A target of any server role over a Unix socket path (stream or datagram)."""
    yield from _target(request)


@pytest.fixture(scope="session")
def unix_stream_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A target of any server role over a Unix stream socket."""
    yield from _target(request)


@pytest.fixture(scope="session")
def unixgram_server(request: pytest.FixtureRequest) -> Iterator[ServerTarget]:
    """A ``greeting-server`` target over Unix datagrams."""
    yield from _target(request)


@pytest.fixture(scope="session")
def greeting_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``greeting-client`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def udp_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``greeting-client`` target over UDP."""
    yield from _target(request)


@pytest.fixture(scope="session")
def fetch_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``fetch-client`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def link_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``link-client`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def download_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``download-client`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def url_client(request: pytest.FixtureRequest) -> Iterator[ClientTarget]:
    """A ``fetch-client``, ``link-client`` or ``download-client`` target."""
    yield from _target(request)


@pytest.fixture(scope="session")
def quote_module(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """A ``quote-module`` target: the module, imported."""
    yield from _target(request)


def _load_module_target(spec: TargetSpec) -> ModuleType:
    try:
        module = load_module(spec.command[0], cwd=spec.cwd)
        module.__netconform_target__ = spec  # type: ignore[attr-defined]  # for the specs' messages
        return module
    except ImportError as exc:
        pytest.fail(f"target {spec.name!r} ({spec.role}) could not be imported: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def http_fixture_server() -> Iterator[HttpFixture]:
    """The suite's HTTP server (``fixtures/http`` and generated responses) on 127.0.0.1."""
    server = HttpFixture()
    yield server
    server.close()


def target_of(item: pytest.Item) -> TargetSpec | None:
    """The target a collected spec runs against (None: not a spec)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for value in callspec.params.values():
        if isinstance(value, TargetSpec):
            return value
    return None
