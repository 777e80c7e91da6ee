"""A server target while it runs: start, discover, wait for readiness, restart, stop.

Readiness is detected without connecting (a probe connection would show up in a
logger's output): the harness watches the listening sockets of the target's process
tree. A target that cannot start fails every spec that uses it, quickly: the
startup error is cached, so the startup timeout is paid once per target.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import random
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, NoReturn

import psutil

from specs.harness import findings, matchers, observe
from specs.harness.findings import Finding
from specs.harness.hints import Evidence, diagnose
from specs.harness.observations import Observation, Observations
from specs.harness.output import Line, Output, OutputTimeout
from specs.harness.process import Limits, ProcessGroup
from specs.harness.protocol import BOOK_PORT
from specs.harness.requirements import Requirement
from specs.harness.targets import TargetSpec, render_argv, target_env
from specs.harness.wire import Client, Transcript, is_loopback

if TYPE_CHECKING:
    from specs.harness.client import ClientTarget



@dataclass(frozen=True)
class Settings:
    """Harness-wide settings (from the command line)."""

    startup_timeout: float = 10.0
    net_timeout: float = 5.0
    run_id: str = ""
    limits: Limits | None = None  # for user programs (--impl, submissions); references run without

    def limits_for(self, spec: TargetSpec) -> Limits | None:
        """The resource limits ``spec``'s processes run under."""
        return self.limits if spec.origin == "user" else None


@dataclass(frozen=True)
class TestContext:
    """The spec being run against a target: for messages and reproduction."""

    nodeid: str
    requirement: Requirement | None
    repro: str


class TargetUnavailable(AssertionError):
    """The target could not be started; the message says why and how to fix it."""


_PORTS = random.SystemRandom()  # not the global random: Hypothesis seeds that one, repeating our picks


def _names(address: tuple[str, int], line: Line) -> bool:
    return observe.names_client(line.text, address)


def free_port() -> int:
    """A port that is free now, outside the kernel's ephemeral range (client ports)."""
    for _ in range(100):
        port = _PORTS.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port found in 20000-32000")


def _connect_host(ip: str) -> str | None:
    """Where to connect to reach a socket listening on ``ip``; None if not via loopback."""
    if ip in ("0.0.0.0", ""):
        return "127.0.0.1"
    if ip == "::":
        return "::1"
    if ip.startswith("::ffff:") and is_loopback(ip):
        return ip[7:]
    return ip if is_loopback(ip) else None


def _hostname_note() -> str:
    try:
        name = socket.gethostname()
        addrs = sorted({info[4][0] for info in socket.getaddrinfo(name, None)})
    except OSError as exc:
        return f"(socket.gethostname() could not be resolved: {exc})"
    where = "loopback" if all(is_loopback(str(a)) for a in addrs) else "NOT loopback"
    return f"socket.gethostname() is {name!r}, which resolves to {', '.join(map(str, addrs))} ({where})"


def _proc_tcp() -> Iterator[tuple[int, str, int]]:
    """(local port, state code, receive queue) of every TCP socket here (Linux ``/proc/net/tcp*``).

    For a LISTEN socket the receive queue is the number of connections waiting in accept().
    """
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            yield int(fields[1].rsplit(":", 1)[1], 16), fields[3], int(fields[4].split(":")[1], 16)


def tcp_states() -> list[tuple[int, str]]:
    """(local port, state) of every TCP socket on this machine."""
    names = {"06": "TIME_WAIT", "0A": "LISTEN"}
    return [(port, names.get(code, code)) for port, code, _ in _proc_tcp()]


def accept_queue(port: int) -> int | None:
    """Connections waiting in ``accept()``'s queue of the socket listening on ``port``."""
    return next((queue for p, code, queue in _proc_tcp() if p == port and code == "0A"), None)


def ports_in_time_wait() -> set[int]:
    """Local ports with connections in TIME_WAIT and no listener: a server can't rebind them yet."""
    states = tcp_states()
    listening = {port for port, state in states if state == "LISTEN"}
    return {port for port, state in states if state == "TIME_WAIT"} - listening


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


class ServerTarget:
    """A server target: the handle every server spec receives."""

    def __init__(self, spec: TargetSpec, settings: Settings, pool: TargetPool) -> None:
        self.spec = spec
        self.settings = settings
        self._pool = pool
        self.group: ProcessGroup | None = None
        self.address: tuple[str, int] | None = None
        self.listening: list[tuple[str, int]] = []
        self._startup_error: str | None = None
        self._startup_finding = Finding("")
        self._may_start = True
        self.starts = 0
        self.events: list[str] = []
        self.context: TestContext | None = None
        self.transcript = Transcript()
        self._clients = 0
        self._test_mark = 0
        self._interrupt_mark: int | None = None  # output position when netconform sent Ctrl-C
        self.observations = Observations(spec.role)
        self._restarted = False  # restarted once already in this spec
        self._clients_open: list[tuple[Client, int]] = []  # this spec's connections, with the output mark then
        self._departing: list[tuple[Client, int]] = []  # closed; their departure not yet seen in the log
        self._departures_logged = True  # do departed clients get logged (see _quiesce)?
        self._stuck: dict[str, str] = {}  # where Ctrl-C found the program stuck -> the requirement that saw it

    # -- what this target hides from specs that merely observe (see observations.py) ------
    def hide(self, what: Observation, owner: str, why: str) -> None:
        """``owner`` (a requirement) failed in a way that leaves ``what`` unobservable on this target."""
        self.observations.hide(what, owner, why)

    def require(self, what: Observation) -> None:
        """Block the current spec (not judged) if ``what`` was found unobservable by another requirement."""
        __tracebackhide__ = True
        self.observations.require(what, self.requirement_id)

    def owns(self, what: Observation) -> bool:
        """Does the current spec's requirement own observation ``what``?"""
        return self.observations.owns(what, self.requirement_id)

    def stuck_before(self, location: str) -> str | None:
        """The requirement whose failure already showed the program stuck at ``location`` (one mistake)."""
        owner = self._stuck.setdefault(location, self.requirement_id)
        return owner if owner != self.requirement_id else None

    @property
    def requirement_id(self) -> str:
        """The ID of the requirement the current spec checks ("" outside a spec)."""
        ctx = self.context
        return ctx.requirement.id if ctx is not None and ctx.requirement is not None else ""

    # -- per-spec bookkeeping --------------------------------------------------
    def begin_test(self, context: TestContext) -> None:
        """Called before each spec; restarts are recorded in ``events``."""
        self.context = context
        self.transcript = Transcript()
        self._clients = 0
        self._restarted = False
        if self.group is not None and not self.group.alive:
            if not self.events or "interrupted with SIGINT" not in self.events[-1]:
                self.events.append(f"{self.spec.name}: restarted for {context.nodeid}: the previous process had "
                                   f"exited with code {self.group.returncode}")
            self.stop()
        self._may_start = self.group is None or not self.group.alive
        self._test_mark = self.group.output.mark() if self.group else 0
        self._interrupt_mark = None

    def end_test(self) -> None:
        """After each spec: close what its clients left open, let a logger log their departures."""
        for client, mark in self._clients_open:
            if not client.closed:
                client.abort()
            self._departing.append((client, mark))
        self._clients_open = []
        self._quiesce()

    def _quiesce(self, timeout: float = 1.0) -> None:
        """Before a new client of a logger: let the clients that left be logged as gone first.

        Otherwise their disconnection lines may still be on their way when the next client
        comes, and a server whose output lines can mix (CONC-2's failure) would mix them
        into that client's lines. Waits for the log lines (events), at most ``timeout`` in
        all; a target that does not log departures (DISC-1's failure) is not waited for again.
        """
        done = [(c, m) for c, m in self._clients_open if c.closed]
        self._clients_open = [(c, m) for c, m in self._clients_open if not c.closed]
        departing, self._departing = self._departing + done, []
        if (self.spec.role == "greeting-server" or self.group is None or not self.group.alive
                or not self._departures_logged or "disconnection line" in self.observations.hidden):
            return
        out = self.group.output
        deadline = time.monotonic() + timeout
        for client, mark in departing:
            me = (str(client.local[0]), client.port)
            first = next((ln.index for ln in out.lines(mark) if observe.names_client(ln.text, me)), None)
            if first is None:
                continue
            try:
                out.wait_for(functools.partial(_names, me), since=first + 1, what=f"the departure of {me!r}",
                             timeout=max(0.0, deadline - time.monotonic()))
            except OutputTimeout:
                self._departures_logged = False
                return

    # -- lifecycle -------------------------------------------------------------
    def ensure_running(self) -> None:
        """Start the target if needed; fail the spec if it cannot run."""
        __tracebackhide__ = True
        if self._startup_error is not None:
            findings.record(self._startup_finding)
            raise TargetUnavailable(self._startup_error + "\n  (this startup failure happened once and is "
                                    "not retried: every spec of this target fails with it)")
        if self.group is not None and self.group.alive:
            return
        if self.spec.port_policy == "external" and self.address is not None:
            return  # not ours to restart: a refused connection will say it is gone
        if not self._may_start:
            if self.exited_on_its_own is not None:
                self.require("serving")  # it stops after serving a client: GREET-5's failure, if it found it
            matchers.fail(self, "the server process exited during this spec")
        self._may_start = False
        self._start()

    def _start(self) -> None:
        __tracebackhide__ = True
        if self.spec.port_policy == "external":
            self._attach_external()
            return
        if self.spec.port_policy == "fixed":
            self._pool.claim_fixed_port(self)
        port = free_port()
        argv = render_argv(self.spec, {"host": "127.0.0.1", "port": str(port)})
        env = target_env(self.spec, self.settings.run_id, HOST="127.0.0.1", PORT=str(port))
        for attempt in (1, 2):
            try:
                self.group = ProcessGroup(argv, env=env, cwd=self.spec.cwd,
                                          limits=self.settings.limits_for(self.spec))
            except OSError as exc:
                self._startup_failed(f"the command could not be run: {exc}")
            self.starts += 1
            self._test_mark = 0
            self._interrupt_mark = None
            if attempt == 1 and self.spec.port_policy == "fixed" and self._blocked_by_time_wait():
                continue
            self._wait_listening(port if self.spec.port_policy == "assigned" else None)
            return

    def _attach_external(self) -> None:
        """A ``tcp://`` target: check, without connecting, that something listens there."""
        __tracebackhide__ = True
        address = self.spec.external_address
        assert address is not None
        if accept_queue(address[1]) is None and any(True for _ in _proc_tcp()):
            self._startup_failed(f"nothing listens on port {address[1]} on this machine. Start your server "
                                 "first (bound to 127.0.0.1), then run netconform; it does not start or stop "
                                 "a tcp:// target")
        self.starts += 1
        self.address = address

    def _blocked_by_time_wait(self, limit: float = 65.0) -> bool:
        """A fixed-port program failed to bind a port that only TIME_WAIT holds: wait, then say retry.

        The book's servers set no SO_REUSEADDR, so after a connection whose server side
        closed first they cannot bind their port for about a minute. netconform's clients
        avoid causing that, but a racy close can still leave one behind.
        """
        assert self.group is not None
        if self.group.wait_exit(min(self.settings.startup_timeout, 3.0)) is None:
            return False
        if "Address already in use" not in self.stderr_text() and "errno 98" not in self.stderr_text().lower():
            return False
        start = time.monotonic()
        waiting = ports_in_time_wait()
        if not waiting:
            return False
        while ports_in_time_wait() & waiting and time.monotonic() - start < limit:
            time.sleep(0.5)
        self.events.append(f"{self.spec.name}: its fixed port was held by connections in TIME_WAIT; waited "
                           f"{time.monotonic() - start:.0f}s for them to expire, then started it again")
        self.group.stop()
        return True

    def _listening_sockets(self) -> list[tuple[str, int]]:
        assert self.group is not None
        found: set[tuple[str, int]] = set()
        for proc in self.group.tree():
            try:
                conns = proc.net_connections(kind="tcp")
            except psutil.Error:
                continue
            found.update((c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN)
        return sorted(found)

    def _wait_listening(self, assigned: int | None) -> None:
        __tracebackhide__ = True
        assert self.group is not None
        timeout = self.settings.startup_timeout
        deadline = time.monotonic() + timeout
        first_seen: float | None = None
        while True:
            listening = self._listening_sockets()
            ports = {p for _, p in listening}
            if listening and first_seen is None:
                first_seen = time.monotonic()
            if assigned is not None and assigned in ports:
                break
            if assigned is None and listening:
                break
            if assigned is not None and first_seen is not None and time.monotonic() - first_seen > 1.0:
                where = ", ".join(f"{ip}:{p}" for ip, p in listening)
                self._startup_failed(
                    f"it was asked to listen on port {assigned} (the {{port}} in its command, also in $PORT) "
                    f"but listens on {where}. Read the port from the command line (sys.argv) instead of "
                    "hard-coding it."
                )
            if not self.group.alive:
                self._startup_failed(f"it exited at start with code {self.group.returncode}, before listening")
            if time.monotonic() > deadline:
                self._startup_failed(f"it did not start listening within {timeout:g}s (--startup-timeout)")
            time.sleep(0.02)
        self.listening = listening
        port = assigned if assigned is not None else self._choose_port(sorted(ports))
        hosts = [h for ip, p in listening if p == port and (h := _connect_host(ip)) is not None]
        if not hosts:
            where = ", ".join(f"{ip}:{p}" for ip, p in listening)
            self._startup_failed(
                f"it listens on {where}, which is not a loopback address, and netconform only connects to "
                "loopback. Bind to '127.0.0.1' (or '' / 'localhost'). " + _hostname_note()
            )
        self.address = (sorted(hosts, key=lambda h: ":" in h)[0], port)
        if self.spec.port_policy == "fixed" and port != BOOK_PORT and self.starts == 1:
            self.events.append(f"{self.spec.name}: listens on port {port}, not the book's 1234 (the book's "
                               "client, which hard-codes 1234, would not find it)")

    def _choose_port(self, ports: list[int]) -> int:
        if len(ports) == 1:
            return ports[0]
        if BOOK_PORT in ports:
            return BOOK_PORT
        self._startup_failed(f"it listens on several ports ({ports}); give its command a {{port}} placeholder")

    def _startup_failed(self, reason: str) -> NoReturn:
        __tracebackhide__ = True
        output = "    (nothing)"
        evidence = Evidence(phase="startup")
        if self.group is not None:
            self.group.output.wait_closed(0.5) if not self.group.alive else None
            output = self.group.output.tail(20)
            evidence = Evidence(phase="startup", stderr=self.stderr_text(), stdout=self.stdout_text(),
                                exit_code=self.group.returncode)
        verb = "reached" if self.spec.port_policy == "external" else "started"
        lines = [f"target {self.spec.name!r} ({self.spec.role}) could not be {verb}: {reason}",
                 f"  command: {self.spec.command_line}"]
        hints = diagnose(evidence)
        for hint in hints:
            lines.append(f"  likely mistake ({hint.name}): {hint.advice}")
        self._startup_finding = Finding(f"could not be {verb}: {reason}", f"could not be {verb}: {reason}",
                                        tuple(h.name for h in hints))
        findings.record(self._startup_finding)
        if self.spec.port_policy != "external":
            lines.append("  its output (last lines):\n" + "\n".join("  " + ln for ln in output.splitlines()))
        self._startup_error = "\n".join(lines)
        self.stop()
        raise TargetUnavailable(self._startup_error)

    def stop(self) -> None:
        """Kill and reap the whole process group (idempotent); the next use starts it afresh."""
        if self.group is not None:
            self.group.stop()
            self.group = None
        if self.spec.port_policy == "fixed":
            self._pool.release_fixed_port(self)

    # -- what specs use --------------------------------------------------------
    def endpoint(self) -> tuple[str, int]:
        """The loopback (host, port) to connect to, starting the target if needed."""
        __tracebackhide__ = True
        self.ensure_running()
        assert self.address is not None
        return self.address

    def client(self, label: str | None = None, *, timeout: float | None = None) -> Client:
        """A new connection to the target, recorded in this spec's transcript."""
        __tracebackhide__ = True
        address = self.endpoint()
        self._quiesce()
        self._clients += 1
        mark = self.group.output.mark() if self.group is not None else 0
        try:
            client = Client(address, timeout=timeout or self.settings.net_timeout, transcript=self.transcript,
                            label=label or f"client {self._clients}")
        except OSError as exc:
            error = exc
        else:
            self._clients_open.append((client, mark))
            return client
        if self.group is not None and isinstance(error, ConnectionRefusedError):
            self.group.wait_exit(3.0)  # refused: the server is probably exiting; let it finish
        if self.exited_on_its_own is not None and self._clients == 1 and not self._restarted:
            # it was exiting when this spec began (after the previous spec's last client): start it again
            self.events.append(f"{self.spec.name}: restarted for {self.context.nodeid if self.context else '?'}: "
                               f"the previous process had exited with code {self.exited_on_its_own}")
            self.stop()
            self._may_start = self._restarted = True
            return self.client(label, timeout=timeout)
        if self.exited_on_its_own is not None:  # it stopped serving: whose failure is that?
            if self.owns("serving"):
                self.hide("serving", self.requirement_id, "the server process exits instead of serving the next "
                          f"client (exit status {self.exited_on_its_own})")
            self.require("serving")
        matchers.connect_failed(self, error)

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
    def test_mark(self) -> int:
        """The output position at the start of the current spec."""
        return self._test_mark

    @property
    def exit_code(self) -> int | None:
        """The process's exit status if it exited, else None."""
        return None if self.group is None else self.group.returncode

    def settle_output(self, *, suspicious: bool) -> None:
        """Before a failure is described: let a dying target finish dying, and its output arrive.

        A server that crashes on a client's input may still be printing its traceback
        when the spec notices (the client saw a reset, or nothing); the message should
        show it. Only on the failure path, and only then, it waits up to a second.
        """
        if self.group is None:
            return
        if self.group.alive and suspicious:
            self.group.wait_exit(1.0)
        if not self.group.alive:
            self.group.output.wait_closed(2.0)

    def _own_lines(self, stream: str | None) -> list[Line]:
        """This spec's lines of the current process, up to netconform's Ctrl-C if it sent one."""
        if self.group is None:
            return []
        lines = self.group.output.lines(self._test_mark, stream)
        if self._interrupt_mark is not None:
            lines = [ln for ln in lines if ln.index < self._interrupt_mark]
        return lines

    def stderr_text(self, n: int = 30) -> str:
        """The last ``n`` lines the program wrote to stderr during this spec (for hints)."""
        lines = [ln for ln in self._own_lines(None) if ln.stream != "stdout"]  # and netconform's notes
        return "\n".join(ln.text for ln in lines[-n:])

    def stdout_text(self, n: int = 30) -> str:
        """The last ``n`` lines the program wrote to stdout during this spec (for hints)."""
        return "\n".join(ln.text for ln in self._own_lines("stdout")[-n:])

    def interrupt_text(self) -> str:
        """What the program wrote after netconform's Ctrl-C probe (where it was: a traceback)."""
        if self.group is None or self._interrupt_mark is None:
            return ""
        return "\n".join(ln.text for ln in self.group.output.lines(self._interrupt_mark, None)
                         if ln.stream != "stdout")

    @property
    def exited_on_its_own(self) -> int | None:
        """The exit status if the process exited by itself (not after netconform's Ctrl-C or kill)."""
        if self.group is None or self._interrupt_mark is not None:
            return None
        return self.group.returncode

    def output_tail(self) -> str:
        """Both streams' last lines, for failure messages."""
        return "    (not started)" if self.group is None else self.group.output.tail(15)

    def processes(self) -> list[psutil.Process]:
        """The target's live process tree (leader, forked children, zombies)."""
        self.ensure_running()
        if self.spec.port_policy == "external":
            raise TargetUnavailable(f"{self.spec.name} is a tcp:// target: netconform did not start it and cannot "
                                    "see its processes (a spec that needs them must carry @observes_process)")
        assert self.group is not None
        return self.group.tree()

    def zombies(self) -> list[psutil.Process]:
        """Zombie processes in the target's tree (exited children nobody waited for)."""
        found = []
        for proc in self.processes():
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    def pace(self, *, max_waiting: int = 2, timeout: float = 0.2) -> None:
        """Before another connection: wait (briefly) until the server's accept queue has room.

        A burst of connects to a server with the book's ``listen(5)`` overflows its accept
        queue; Linux then drops the SYN and ``connect()`` waits a 1 s retransmission. This
        waits until at most ``max_waiting`` connections are not yet accepted (or
        ``timeout`` passes), so clients still pile up concurrently but no SYN is dropped.
        """
        if self.address is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = accept_queue(self.address[1])
            if waiting is None or waiting <= max_waiting:
                return
            time.sleep(0.002)

    def interrupt(self) -> bool:
        """Send Ctrl-C (SIGINT) to the leader and wait for it to exit; True if it did.

        Used when an expected log line never came: a Python program then prints where it
        was stuck (a KeyboardInterrupt traceback) and flushes its buffered output, which
        tells a blocked server from a block-buffered one. The next spec restarts it.
        """
        if self.group is None:
            return False
        if self.group.output.closed:  # its pipes closed: it is exiting by itself, not stuck
            self.group.wait_exit(1.0)
        if not self.group.alive:
            return False
        self._interrupt_mark = self.group.output.mark()
        self.group.interrupt()
        exited = self.group.wait_exit(2.0) is not None
        during = self.context.nodeid if self.context else "?"
        self.events.append(f"{self.spec.name}: interrupted with SIGINT during {during} to see where it was stuck "
                           "and flush its output")
        self._may_start = False
        return exited

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the target's live processes."""
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def fd_count(self) -> int:
        """Open file descriptors summed over the target's live processes."""
        total = 0
        for proc in self.processes():
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    total += proc.num_fds()
            except psutil.Error:
                continue
        return total


class TargetPool:
    """The targets of one test process: started lazily, reused across specs, stopped at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._targets: dict[tuple[str, str], ServerTarget] = {}
        self._clients: dict[tuple[str, str], ClientTarget] = {}
        self._fixed_lock = FixedPortLock()
        self._fixed_holder: ServerTarget | None = None

    def get(self, spec: TargetSpec) -> ServerTarget:
        """The (single) handle for ``spec``."""
        key = (spec.role, spec.name)
        if key not in self._targets:
            self._targets[key] = ServerTarget(spec, self.settings, self)
        return self._targets[key]

    def claim_fixed_port(self, target: ServerTarget) -> None:
        """Fixed-port targets run one at a time (also across processes, by a file lock)."""
        if self._fixed_holder is target:
            return
        if self._fixed_holder is not None:
            self._fixed_holder.stop()
        self._fixed_lock.acquire(timeout=300)
        self._fixed_holder = target

    def release_fixed_port(self, target: ServerTarget) -> None:
        if self._fixed_holder is target:
            self._fixed_lock.release()
            self._fixed_holder = None

    def client(self, spec: TargetSpec) -> ClientTarget:
        """The (single) handle for a client target ``spec``."""
        from specs.harness.client import ClientTarget

        key = (spec.role, spec.name)
        if key not in self._clients:
            self._clients[key] = ClientTarget(spec, self.settings, self)
        return self._clients[key]

    @contextlib.contextmanager
    def fixed_port(self) -> Iterator[None]:
        """Hold the fixed-port lock (for a fixture server on the book's 1234)."""
        if self._fixed_holder is not None:
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
