"""A server target's process while it runs: start, discover, wait for readiness, restart, stop.

Readiness is read from the listening sockets of the target's process tree, without
connecting (a probe would show in a logger's output). A target that cannot start fails
every spec that uses it, quickly: the startup error is cached, paid once per target.

This is the launching half of the handle specs receive; what a failure means (its message,
its finding) and what the target hides from other specs are the later stages' business: the
handle (``observe/server_target.py``) answers the few questions marked "for the later stages".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ..platform import socket_folders, socket_tables
from ..wire.captured_output import Output
from ..wire.datagrams import DatagramClient
from ..wire.protocol import BOOK_PORT
from ..wire.streams import Address, Client, Transcript
from . import readiness, unix_openings
from .process_group import ProcessGroup
from .settings import FixedPort, Settings, TargetUnavailable, TestContext
from .targets import TargetSpec, render_argv, target_env
from .views import TargetViews


class ServerProcess(TargetViews):
    """A server target's process: started, restarted and stopped as the specs need it."""

    def __init__(self, spec: TargetSpec, settings: Settings, pool: FixedPort) -> None:
        self.spec = spec
        self.settings = settings
        self.pool = pool  # (its twins are made with it: ``unix_openings``)
        self.group: ProcessGroup | None = None
        self.address: Address | None = None  # (host, port), or a Unix socket path
        self.folder: Path | None = None  # a Unix target's private folder: its {path}, its clients' paths
        self._paths = 0  # client paths made in it
        self.found_path: str | None = None  # the socket path a Unix target without {path} chose
        self._prepare: Callable[[str], None] | None = None  # run on a Unix target's {path} before it starts
        self.openings = unix_openings.Openings()  # UNIX-2's and UNIX-3's scenarios, met at the first start
        self._startup_error: TargetUnavailable | None = None
        self._may_start, self._inherited = True, False  # may (re)start it; it was running when the spec began
        self.starts, self._clients, self._test_mark = 0, 0, 0
        self.events: list[str] = []
        self.context: TestContext | None = None
        self.transcript = Transcript()
        self._output_end = 0  # where the last process's output ended: the next one's lines are numbered on from it
        self._interrupt_mark: int | None = None  # output position when netconform sent Ctrl-C
        self._failed = False  # the last spec failed: the next one starts a fresh process
        self.backlog: int | None = None  # the listening socket's backlog, once asked (pace)

    @property
    def requirement_id(self) -> str:
        """The ID of the requirement the current spec checks ("" outside a spec)."""
        return self.context.requirement_id if self.context is not None else ""

    # -- per-spec bookkeeping --------------------------------------------------
    def begin_test(self, context: TestContext) -> None:
        """Called before each spec; restarts are recorded in ``events``."""
        self.context, self.transcript, self._clients = context, Transcript(), 0
        if self.group is not None and not self.group.alive:
            if not self.events or "interrupted with SIGINT" not in self.events[-1]:
                self.events.append(f"{self.spec.name}: restarted for {context.nodeid}: the previous process had "
                                   f"exited with code {self.group.returncode}")
            self.stop()
        elif self.group is not None and self._failed and self.spec.port_policy != "fixed":
            self.stop()  # a failure may have left it in any state: start afresh (a fixed port may be slow to free)
        self._failed = False
        self._may_start = self.group is None or not self.group.alive
        self._inherited = not self._may_start  # alive as this spec begins: it may yet exit after an earlier client
        self._test_mark = self.group.output.mark() if self.group else self._output_end
        self._interrupt_mark = None

    def end_test(self, *, failed: bool = False) -> None:
        """After each spec (a failed one: the next starts a fresh process, as what the failure left behind, dead
        sockets, a thread stuck, half a line, must not be held against the next requirement)."""
        self._failed = failed

    # -- for the later stages: what a failure means, and what clients leave behind --------
    def unavailable(self, reason: str) -> TargetUnavailable:
        """The failure every spec of a target that could not start reports (here: ``reason`` alone)."""
        return TargetUnavailable(reason)

    def exited_during_spec(self) -> NoReturn:
        """The process exited during a spec, before it was asked to: fail the spec."""
        raise AssertionError("the server process exited during this spec")

    def connection_failed(self, error: OSError) -> NoReturn:
        """A new client could not connect (the process is not accepting, or gone): fail the spec."""
        raise AssertionError(f"connecting failed: {error}")

    def connecting(self) -> None:
        """Before a new client connects (and before the target is started for it, if it is not running)."""

    def path_lost(self) -> bool:
        """A client found no socket file at a running Unix server's path: True to connect again (a fresh process)."""
        return False

    def connected(self, client: Client, mark: int) -> None:
        """``client`` connected, when the output was at ``mark``."""

    # -- lifecycle -------------------------------------------------------------
    def ensure_running(self) -> None:
        """Start the target if needed; fail the spec if it cannot run."""
        __tracebackhide__ = True
        if self._startup_error is not None:
            raise self._startup_error.repeated("\n  (this startup failure happened once and is not retried: every "
                                               "spec of this target fails with it)")
        if self.group is not None and self.group.alive:
            return
        if self.spec.port_policy == "external" and self.address is not None:
            return  # not ours to restart: a refused connection will say it is gone
        if self._inherited and self._clients == 0 and self.exited_on_its_own is not None:  # exiting as it began
            self.start_afresh(f"the previous process had exited with code {self.exited_on_its_own}")
        if not self._may_start:
            self.exited_during_spec()
        self._may_start = False
        if self.starts == 0 and self._prepare is None and unix_openings.applies(self):
            unix_openings.first_start(self)  # left running, unless every scenario kept it from starting
        if self.group is None or not self.group.alive:
            self._start()

    def _start(self) -> None:
        __tracebackhide__ = True
        if self.spec.port_policy == "external":
            self._attach_external()
            return
        if self.spec.port_policy == "fixed":
            self.pool.claim_fixed_port(self)
        port = readiness.free_port()
        assigned: int | str | None = port if self.spec.port_policy == "assigned" else None
        values = {"host": "127.0.0.1", "port": str(port)}
        if self.spec.unix:
            socket_folders.remove(self.folder)
            self.folder = socket_folders.folder()
            values["path"] = str(self.folder / "server.sock")
            if self._prepare is not None:
                self._prepare(values["path"])
            assigned = values["path"] if self.spec.port_policy == "assigned" else None
        argv = render_argv(self.spec, values)
        env = target_env(self.spec, self.settings.run_id, HOST="127.0.0.1", PORT=str(port),
                         **({"SOCKET_PATH": values["path"]} if "path" in values else {}))
        for attempt in (1, 2):
            try:
                self.group = ProcessGroup(argv, env=env, cwd=self.spec.cwd, limits=self.settings.limits_for(self.spec),
                                          output=Output(first_index=self._output_end))
            except OSError as exc:
                self._startup_failed(f"the command could not be run: {exc}")
            self.starts += 1
            self._test_mark = self._output_end
            self._interrupt_mark = None
            self.backlog = None
            try:
                self._wait_listening(assigned)
            except readiness.StartupProblem as exc:
                if attempt == 1 and self.spec.port_policy == "fixed" and self.spec.transport == "tcp":
                    waited = readiness.wait_out_time_wait(self.group, self.stderr_text,
                                                          self.address[1] if isinstance(self.address, tuple) else None)
                    if waited is not None:
                        self.events.append(f"{self.spec.name}: its fixed port was held by connections in "
                                           f"TIME_WAIT; waited {waited:.0f}s for them to expire, then started it "
                                           "again")
                        self.group.stop()
                        continue
                self._startup_failed(str(exc))
            return

    def _attach_external(self) -> None:
        """A ``tcp://`` target: check, without connecting, that something listens there."""
        __tracebackhide__ = True
        address = self.spec.external_address
        assert address is not None
        if socket_tables.listening_on(address[1]) is False:
            self._startup_failed(f"nothing listens on port {address[1]} on this machine. Start your server "
                                 "first (bound to 127.0.0.1), then run netconform; it does not start or stop "
                                 "a tcp:// target")
        self.starts += 1
        self.address = address

    def _wait_listening(self, assigned: int | str | None) -> None:
        __tracebackhide__ = True
        assert self.group is not None
        _, self.address = readiness.wait_listening(self.group, assigned, self.settings.startup_timeout,
                                                   self.spec.transport)
        if isinstance(self.address, str) and self.spec.port_policy == "fixed":
            try:
                # a path it chose: ours to remove
                self.found_path = socket_folders.discovered(self.address, self.spec.cwd)
            except socket_folders.OutsideWorkingDirectory as exc:
                raise readiness.StartupProblem(str(exc)) from None
        port = self.address[1] if isinstance(self.address, tuple) else None
        if (self.spec.port_policy, self.spec.transport, self.starts) == ("fixed", "tcp", 1) and port != BOOK_PORT:
            self.events.append(f"{self.spec.name}: listens on port {port}, not the book's 1234 (the book's "
                               "client, which hard-codes 1234, would not find it)")

    def _startup_failed(self, reason: str) -> NoReturn:
        __tracebackhide__ = True
        if self.group is not None and not self.group.alive:
            self.group.output.wait_closed(0.5)
        self._startup_error = self.unavailable(reason)
        self.stop()
        raise self._startup_error from None

    def stop(self) -> None:
        """Kill and reap the whole process group (idempotent), and its twins; the next use starts it afresh."""
        self.openings.wait()
        if self.group is not None:
            self.group.stop()
            self._output_end = self.group.output.mark()  # a mark a spec took stays before the next process's lines
            self.group = None
        socket_folders.remove_socket(self.found_path)  # a Unix socket it made where it chose (no {path})
        self.found_path = None
        if self._prepare is None:  # (kept while start_with's scenario is judged)
            socket_folders.remove(self.folder)  # its socket file and its clients' paths
            self.folder = None
        if self.spec.port_policy == "fixed":
            self.pool.release_fixed_port(self)

    # -- what specs use --------------------------------------------------------
    def endpoint(self) -> Address:
        """The loopback (host, port) to connect to, starting the target if needed."""
        __tracebackhide__ = True
        self.ensure_running()
        assert self.address is not None
        return self.address

    def client(self, label: str | None = None, *, timeout: float | None = None, bound: bool = True) -> Client:
        """A new connection to the target, recorded in this spec's transcript."""
        __tracebackhide__ = True
        self.connecting()
        address = self.endpoint()
        self._clients += 1
        mark = self.group.output.mark() if self.group is not None else 0
        try:
            client = Client(address, timeout=timeout or self.settings.net_timeout, transcript=self.transcript,
                            label=label or f"client {self._clients}", bind=self.client_path(bound=bound))
        except OSError as exc:
            error = exc
        else:
            self.connected(client, mark)
            return client
        if isinstance(error, FileNotFoundError) and self.spec.unix and self.path_lost():
            return self.client(label, timeout=timeout, bound=bound)
        if self.group is not None and isinstance(error, ConnectionRefusedError):
            self.group.wait_exit(3.0)  # refused: the server is probably exiting; let it finish
        if self._inherited and self._clients == 1 and self.exited_on_its_own is not None:
            self._clients = 0  # it was exiting when this spec began: ensure_running starts it again
            return self.client(label, timeout=timeout, bound=bound)
        self.connection_failed(error)

    @property
    def output(self) -> Output:
        """The process's captured output (starting the target first if it never ran)."""
        if self.group is None:
            self.ensure_running()
        assert self.group is not None
        return self.group.output

    @property
    def captured(self) -> Output | None:
        """The current (or last, if it exited) process's output, without starting anything."""
        return None if self.group is None else self.group.output

    def mark(self) -> int:
        """An output position; lines after it are this spec's (see ``Output.wait_for``)."""
        return self.output.mark()

    @property
    def exit_code(self) -> int | None:
        """The process's exit status if it exited, else None."""
        return None if self.group is None else self.group.returncode

    def settle_output(self, *, suspicious: bool) -> None:
        """Before a failure is described: let a dying target finish dying, and its output arrive.

        A server that crashes on a client's input may still be printing its traceback when the spec notices
        (the client saw a reset, or nothing); the message should show it. Only on the failure path, up to 1 s.
        """
        if self.group is None:
            return
        if self.group.alive and suspicious:
            self.group.wait_exit(1.0)
        if not self.group.alive:
            self.group.output.wait_closed(2.0)

    def start_with(self, prepare: Callable[[str], None]) -> str | None:
        """Start a Unix target afresh after ``prepare(path)`` on its socket path (``openings``): None once ready,
        else why not (the scenario's failure, not cached). Its folder stays until ``stop()``, for the spec."""
        self.stop()
        self._prepare, self._may_start = prepare, True
        try:
            self.ensure_running()
        except TargetUnavailable:
            reason = self._startup_error.summary if self._startup_error is not None else ""
            self._startup_error, self._may_start = None, True  # the spec judges this itself
            return reason
        finally:
            self._prepare = None
        return None

    def restarted_after_inherited_exit(self) -> bool:
        """Was the spec's only client reset by a process that was alive as the spec began and then exited on
        its own (a server that stops after a client, still exiting when this spec connected: the connection
        queued on its listening socket dies with it)? Then it is started afresh for a second try, as
        :meth:`client` does for a refused connection (True); False otherwise."""
        if not (self._inherited and self._clients == 1 and self.group is not None):
            return False
        self.group.wait_exit(1.0)  # a reset at its exit: let the exit finish
        if self.exited_on_its_own is None:
            return False
        self.start_afresh(f"the previous process had exited with code {self.exited_on_its_own}")
        return True

    def start_afresh(self, why: str) -> None:
        """Within a spec whose evidence is not that exit, let the next client start a new process (``why``)."""
        self.events.append(f"{self.spec.name}: restarted for {self.context.nodeid if self.context else '?'}: {why}")
        self.stop()
        self._may_start, self._inherited, self._clients = True, False, 0

    def datagram_client(self, label: str | None = None, *, bound: bool = True) -> DatagramClient:
        """A new datagram socket talking to the target, with an address of its own (a port, a path;
        ``bound=False``: a Unix client without one)."""
        __tracebackhide__ = True
        address = self.endpoint()
        self._clients += 1
        return DatagramClient(address, timeout=self.settings.net_timeout, transcript=self.transcript,
                              label=label or f"client {self._clients}", bind=self.client_path(bound=bound))

    def client_path(self, *, bound: bool = True) -> str | None:
        """Over a Unix socket, a fresh path for the next client to bind (None: it binds none)."""
        if self.folder is None or not bound:
            return None
        self._paths += 1
        return str(self.folder / f"c{self._paths}.sock")

    def pace(self) -> None:
        """Before another connection: wait (briefly) until the server's accept queue has room."""
        if isinstance(self.address, tuple):
            self.backlog = socket_tables.pace(self.address[1], self.backlog)

    def interrupted(self, mark: int) -> None:
        """netconform sent Ctrl-C at output position ``mark`` (``probe.ctrl_c``): the next spec restarts it."""
        self._interrupt_mark = mark
        during = self.context.nodeid if self.context else "?"
        self.events.append(f"{self.spec.name}: interrupted with SIGINT during {during} to see where it was stuck "
                           "and flush its output")
        self._may_start = False
