"""Starting a server for the comparison as the harness starts a target, its log lines counted.

The server runs as every target does (``ProcessGroup``: its own session and process group,
the user's resource limits, killed and reaped at the end) and is ready when it listens
(``readiness.wait_listening``: read from its sockets, no probe connection). Only its
output is kept differently: a line logger under load prints hundreds of thousands of
lines, so :class:`CountingOutput` counts stdout's lines and keeps the last few kilobytes,
instead of a record per line. The load generator's workers start the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from ..harness.launch import readiness
from ..harness.launch.process_group import ProcessGroup
from ..harness.launch.settings import Settings
from ..harness.launch.targets import TargetSpec, render_argv, target_env
from ..harness.platform import socket_tables
from ..harness.wire.captured_output import Output

#: Bytes of each stream kept for messages.
TAIL = 4096


class BenchError(RuntimeError):
    """A server or worker of the comparison did not start or did not finish; the message says why."""


class CountingOutput(Output):
    """A process's output where stdout is only counted (lines) and its end kept; stderr as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0  # newlines seen on stdout
        self._tail = bytearray()

    def feed(self, stream: str, chunk: bytes, *, eof: bool = False) -> None:
        """Count stdout's lines and keep its last :data:`TAIL` bytes; stderr is kept as lines."""
        if stream != "stdout":
            super().feed(stream, chunk, eof=eof)
            return
        with self._cond:
            self.count += chunk.count(b"\n")
            self._tail += chunk
            del self._tail[:-TAIL]
            if eof:
                self._open -= 1
            self._cond.notify_all()

    def wait_lines(self, target: int, timeout: float, quiet: float = 1.0) -> int:
        """Wait until stdout has ``target`` lines, or none came for ``quiet`` seconds, or ``timeout``; the count."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.count < target and (remaining := deadline - time.monotonic()) > 0:
                before = self.count
                self._cond.wait(min(quiet, remaining))
                if self.count == before:
                    break
            return self.count

    def stdout_tail(self) -> str:
        """The last bytes of stdout, decoded."""
        with self._cond:
            return bytes(self._tail).decode("utf-8", "backslashreplace")


@dataclass
class Server:
    """A running server: its process group and the loopback (host, port) it listens on."""

    spec: TargetSpec
    group: ProcessGroup
    address: tuple[str, int]

    @property
    def output(self) -> CountingOutput:
        """Its output (stdout counted)."""
        assert isinstance(self.group.output, CountingOutput)
        return self.group.output

    def stop(self) -> str | None:
        """Kill and reap its whole group; a note if its port is still listening afterwards."""
        self.group.stop()
        left = [port for port, state in socket_tables.tcp_states() if state == "LISTEN" and port == self.address[1]]
        return f"{self.spec.name}: port {self.address[1]} still listens after the stop" if left else None


def start_server(spec: TargetSpec, settings: Settings) -> Server:
    """Start ``spec`` (a TCP server target) and wait until it listens; BenchError if it does not."""
    port = readiness.free_port()
    argv = render_argv(spec, {"host": "127.0.0.1", "port": str(port)})
    env = target_env(spec, settings.run_id, HOST="127.0.0.1", PORT=str(port))
    try:
        group = ProcessGroup(argv, env=env, cwd=spec.cwd, limits=settings.limits_for(spec), output=CountingOutput())
    except OSError as exc:
        raise BenchError(f"{spec.name}: the command could not be run: {exc}") from None
    try:
        _, address = readiness.wait_listening(group, port if spec.port_policy == "assigned" else None,
                                              settings.startup_timeout)
    except readiness.StartupProblem as exc:
        group.stop()
        raise BenchError(f"{spec.name} ({spec.command_line}) did not start: {exc}\n{group.output.tail(8)}") from None
    assert isinstance(address, tuple)
    return Server(spec, group, address)


@contextlib.contextmanager
def running(spec: TargetSpec, settings: Settings, notes: list[str]) -> Iterator[Server]:
    """``spec`` running for the duration of the block; stopped (and reaped) after it, whatever happens."""
    server = start_server(spec, settings)
    try:
        yield server
    finally:
        note = server.stop()
        if note:
            notes.append(note)


#: The worker module, run as ``python -m`` (``netconform.specs.bench.load``, installed or editable).
WORKER = f"{__package__}.load"


def start_worker(job: str) -> ProcessGroup:
    """Start one load generator worker with ``job`` (JSON); it prints ``ready`` and waits for SIGUSR1."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return ProcessGroup([sys.executable, "-m", WORKER, job], env=env, cwd=None)


def go(workers: list[ProcessGroup]) -> None:
    """Tell ``workers`` to start (or, idle ones, to close their clients): SIGUSR1 to each."""
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGUSR1)
