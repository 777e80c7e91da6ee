"""The targets of one test process: one handle per target, started lazily, stopped at the end.

Fixed-port targets (the book's 1234) run one at a time, also across processes (xdist
workers, other runs): a file lock hands the port out.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import IO, Generic, TypeVar

from .client_runs import ClientProcess
from .server import ServerProcess
from .settings import FixedPort, Settings, TargetUnavailable
from .targets import TargetSpec


class FixedPortLock:
    """Cross-process lock for targets whose port is not assigned (the book's 1234)."""

    def __init__(self) -> None:
        self.path = os.path.join(tempfile.gettempdir(), "netconform-fixed-port.lock")
        self._file: IO[str] | None = None

    def acquire(self, timeout: float) -> None:
        self._file = open(self.path, "a")  # noqa: SIM115 (held until release)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._file.close()
                    self._file = None
                    raise TargetUnavailable(
                        f"another netconform run holds {self.path} (it runs a fixed-port target) "
                        f"and did not release it within {timeout:g}s"
                    ) from None
                time.sleep(0.1)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


Server = TypeVar("Server", bound=ServerProcess)
Client = TypeVar("Client", bound=ClientProcess)


class TargetPool(Generic[Server, Client]):
    """The targets of one test process: started lazily, reused across specs, stopped at the end.

    The handles are made by ``server`` and ``client`` (the plug-in gives the specs' handles, which
    add the later stages' answers to these processes).
    """

    def __init__(self, settings: Settings, server: Callable[[TargetSpec, Settings, FixedPort], Server],
                 client: Callable[[TargetSpec, Settings, FixedPort], Client]) -> None:
        self.settings = settings
        self._new_server, self._new_client = server, client
        self._targets: dict[tuple[str, str], Server] = {}
        self._clients: dict[tuple[str, str], Client] = {}
        self._fixed_lock = FixedPortLock()
        self._fixed_holder: object | None = None

    def get(self, spec: TargetSpec) -> Server:
        """The (single) handle for the server target ``spec``."""
        key = (spec.role, spec.name)
        if key not in self._targets:
            self._targets[key] = self._new_server(spec, self.settings, self)
        return self._targets[key]

    def client(self, spec: TargetSpec) -> Client:
        """The (single) handle for the client target ``spec``."""
        key = (spec.role, spec.name)
        if key not in self._clients:
            self._clients[key] = self._new_client(spec, self.settings, self)
        return self._clients[key]

    def claim_fixed_port(self, target: object) -> None:
        """Fixed-port targets run one at a time (also across processes, by a file lock)."""
        if self._fixed_holder is target:
            return
        if isinstance(self._fixed_holder, ServerProcess):
            self._fixed_holder.stop()
        self._fixed_lock.acquire(timeout=300)
        self._fixed_holder = target

    def release_fixed_port(self, target: object) -> None:
        if self._fixed_holder is target:
            self._fixed_lock.release()
            self._fixed_holder = None

    @contextlib.contextmanager
    def fixed_port(self) -> Iterator[None]:
        """Hold the fixed-port lock (for a fixture server on the book's 1234)."""
        if isinstance(self._fixed_holder, ServerProcess):
            self._fixed_holder.stop()
        self._fixed_lock.acquire(timeout=300)
        try:
            yield
        finally:
            self._fixed_lock.release()

    def stop_all(self) -> None:
        """Stop every target (at session end, and on interruption)."""
        for target in self._targets.values():
            target.stop()
