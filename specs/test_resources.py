"""Server resource specs (RES-*): no zombie children, no leaked descriptors, no busy loop.

A robust server releases what each client cost it once the client is gone, and costs
nothing while it waits. These specs let clients come and go (every server role), then
watch the target's process tree with psutil. RES-1 and RES-2 judge the same visits (the
first of them to run on a server process makes them), each only its own requirement.

Their evidence is the process state, so the log is not needed to collect it: a client's
visit ends when the server closes its connection (seen by the client), and an idle client
is being served once the server holds a descriptor more for it. The log is only a second
witness, for a server that keeps departed clients' connections open; only when neither
shows a client's end, the spec is not judged, saying which observation is missing.
"""

from __future__ import annotations

import select
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from .harness.judge import findings
from .harness.judge.hints import TRANSPORT_HINTS, Evidence
from .harness.judge.matchers import fail, fail_with
from .harness.launch.readiness import Activity
from .harness.observe import forms
from .harness.observe.greetings import Greeter
from .harness.observe.log_lines import STUCK_AGAIN, connected, disconnected, frame
from .harness.observe.ownership import Observation
from .harness.observe.server_target import ServerTarget
from .harness.wire.streams import Client

VISITS = 20  # clients' visits for RES-1 and RES-2, one after another...
VISITS_AT_LEAST = 5  # ... or, for a slow server, at least this many: each visit leaves its zombie or descriptor
VISIT_SECONDS = 0.5  # ... and as many more as come in this time: a verdict not paid in a slow server's latency x 20
RELEASE_TIMEOUT = 2.0  # how long the server may take to release a departed client's resources
POLL = 0.01  # how often a departed client's resources are looked for while they are due back
EVENT_POLL = 0.002  # how often a client's end, or an idle client being served, is looked for (process state, log)
STABLE_POLL = 0.05  # the baseline of descriptors: two equal readings this far apart


def visit(target: ServerTarget, n: int) -> None:
    """One client's whole visit: a greeting is read; a logger gets a message, then the client leaves.

    A logger's client is done once the server is done with it: it closed the connection (seen
    by the client, which half-closed), or, for a server that keeps departed clients' sockets,
    it logged the client gone. Only then are its resources due back.
    """
    if target.spec.role == "greeting-server":
        greeter = Greeter(target)  # a client is done once it has what a lone client gets
        with greeter.connect(f"client {n}") as client:
            greeter.read(client)
            client.abort()  # whether or not the server closed: its resources are what is measured
        return
    since = target.mark()
    with target.client(f"client {n}") as client:
        client.send(frame(target, b"visiting"))
        client.half_close()
        if not _until(target, {"the server closed the connection": lambda: _server_closed(client),
                               "the departure was logged": _named_in_log(target, client, since, times=2)},
                      wake=client):
            _departure_unseen(target, client, since)


#: What the log must show for a logger's departure to be seen there: its lines live (LOG-5), naming the client
#: when it came (LOG-1) and when it left (DISC-1).
DEPARTURE_VIEWS: tuple[Observation, ...] = ("live output", "connection line", "disconnection line")


def _hidden(target: ServerTarget, what: Observation) -> tuple[str, str] | None:
    """The requirement (not the current one) that found ``what`` unobservable on this target, and why."""
    hidden = target.observations.hidden.get(what)
    return hidden if hidden is not None and hidden[0] != target.requirement_id else None


def _server_closed(client: Client) -> bool:
    """Has the server closed (or reset) ``client``'s connection? Looked at, not waited for."""
    if not select.select([client.sock], [], [], 0)[0]:
        return False
    return client.read(timeout=POLL, settle=0.0).closed


def _named_in_log(target: ServerTarget, client: Client, since: int, *, times: int) -> Callable[[], bool]:
    """Is ``client`` named in ``times`` log lines since ``since`` (1: its connection; 2: then its departure)?
    Never, when another requirement found the log unable to show that."""
    if any(_hidden(target, what) for what in DEPARTURE_VIEWS[:times + 1]):
        return lambda: False
    named = forms.naming(client.peer_name)
    return lambda: sum(named(ln.text) for ln in target.output.lines(since)) >= times


def _until(target: ServerTarget, events: dict[str, Callable[[], bool]], *, wake: Client | None = None) -> str | None:
    """Wait until one of ``events`` happens (looked at every :data:`EVENT_POLL` seconds, and at once when
    ``wake``'s connection has something to read): its name; None if none did within the network timeout.

    For a program an earlier spec found stuck (Ctrl-C), only until it is asleep again with none happened.
    """
    deadline = time.monotonic() + target.settings.net_timeout
    activity = Activity(idle_limit=STUCK_AGAIN) if target.observations.stuck else None
    while True:
        for name, happened in events.items():
            if happened():
                return name
        if time.monotonic() > deadline or (activity is not None and activity.idle_too_long(target.processes())):
            return None
        if wake is not None and not wake.closed:
            select.select([wake.sock], [], [], EVENT_POLL)
        else:
            time.sleep(EVENT_POLL)


def _departure_unseen(target: ServerTarget, client: Client, since: int) -> None:
    """A departed client's connection stayed open and the log did not show it gone: ask the log as a logger's
    specs do (which finds out why: a Ctrl-C probe, an earlier failure), or say which observation is missing."""
    __tracebackhide__ = True
    for what in DEPARTURE_VIEWS:
        hidden = _hidden(target, what)
        if hidden is not None:
            why = (f"the server kept a departed client's connection open ({client.label}, "
                   f"{target.settings.net_timeout:g}s after it half-closed), and the log cannot show its departure "
                   f"instead: {hidden[1]}")
            _UNSEEN[target] = (target.starts, hidden[0], why)  # the other spec of the visits is told at once
            findings.block(hidden[0], why)
    disconnected(target, client, connected(target, client, since))


#: A server process whose clients' departures could not be seen: (its start, the requirement that hides them, why).
_UNSEEN: weakref.WeakKeyDictionary[ServerTarget, tuple[int, str, str]] = weakref.WeakKeyDictionary()


def settle(measure: Callable[[], int], *, until: Callable[[int], bool], timeout: float,
           every: float = POLL) -> int:
    """Poll ``measure()`` (``every`` seconds) until ``until(value)`` holds or ``timeout`` passes; the last value."""
    deadline = time.monotonic() + timeout
    value = measure()
    while not until(value) and time.monotonic() < deadline:
        time.sleep(every)
        value = measure()
    return value


@dataclass(frozen=True)
class Visits:
    """``count`` clients' whole visits to one server process (:data:`VISITS`, or fewer for a slow server), after
    a warm-up visit and a baseline of its descriptors: made once per process (``starts``: which one), judged by
    RES-1 and RES-2."""

    starts: int
    baseline: int
    events: list[tuple[float, str, str]]
    count: int
    children: frozenset[int]  # the server's live child processes before the visits (a pool's workers, say)


_VISITS: weakref.WeakKeyDictionary[ServerTarget, Visits] = weakref.WeakKeyDictionary()


def visits(target: ServerTarget) -> Visits:
    """The visits RES-1 (zombies left) and RES-2 (descriptors back to the baseline) each judge: made by the
    first of them to run on this server process, shared with the other (as CLIENT-1 and CLIENT-2 share a run);
    the transcript comes along."""
    alive = target.group is not None and target.group.alive
    known = _VISITS.get(target)
    if known is not None and known.starts == target.starts and alive:
        target.transcript.events[:0] = known.events
        return known
    unseen = _UNSEEN.get(target)
    if unseen is not None and unseen[0] == target.starts and alive:
        findings.block(unseen[1], unseen[2])
    visit(target, 0)  # warm-up: lazily created descriptors (epoll, pipes) belong to the baseline
    previous = [-1]

    def stable(value: int) -> bool:
        done = value == previous[0]
        previous[0] = value
        return done

    baseline = settle(target.fd_count, until=stable, timeout=2.0, every=STABLE_POLL)
    children = target.live_children()
    start, count = time.monotonic(), 0
    while count < VISITS and (count < VISITS_AT_LEAST or time.monotonic() - start < VISIT_SECONDS):
        count += 1
        visit(target, count)
    made = Visits(target.starts, baseline, list(target.transcript.events), count, children)
    _VISITS[target] = made
    return made


@pytest.mark.req("RES-1")
@pytest.mark.observes_process
def test_leaves_no_zombie_children(server: ServerTarget) -> None:
    """Once its clients are done, the server leaves no zombie child process behind."""
    made = visits(server)
    # the children that served the visits end first (on a busy machine the last may still be exiting): a zombie
    # is only seen once its process has exited
    settle(lambda: len(server.live_children() - made.children), until=lambda n: n == 0,
           timeout=server.settings.net_timeout)
    left = settle(lambda: len(server.zombies()), until=lambda z: z == 0, timeout=RELEASE_TIMEOUT)
    if left:
        fail(server, f"{left} zombie child process(es) remain {RELEASE_TIMEOUT:g}s after the last of "
             f"{made.count} clients left", expected="no zombie children", got=f"{left} zombies",
             evidence=Evidence(symptom="zombies"))


@pytest.mark.req("RES-2")
@pytest.mark.observes_process
def test_releases_file_descriptors(server: ServerTarget) -> None:
    """Once its clients are done, the server's open file descriptors return to their baseline."""
    made = visits(server)
    baseline = made.baseline
    now = settle(server.fd_count, until=lambda v: v <= baseline, timeout=RELEASE_TIMEOUT)
    if now > baseline:
        fail(server, f"{now - baseline} more file descriptors are open {RELEASE_TIMEOUT:g}s after "
             f"{made.count} clients left than before they came",
             expected=f"at most {baseline} open file descriptors (the baseline)", got=f"{now}",
             evidence=Evidence(symptom="fd leak"))


IDLE_WINDOW = 0.05  # seconds of idleness measured, in the scheduler's nanoseconds: a spinning loop shows at once
IDLE_WINDOW_TICKS = 0.3  # the same where only clock ticks (10 ms) are kept: a longer window for the same precision
SPIN_LIMIT = 0.5  # CPU seconds per second: a spinning loop uses a whole core, an idle server almost nothing
SAMPLES = 6  # how many times the server's processes' states are read during the window


@dataclass(frozen=True)
class IdleUse:
    """The server's CPU use over a window in which nothing was asked of it."""

    rate: float  # CPU seconds per second, all its processes together
    ready: float  # the share of samples in which one of its processes was ready to run

    @property
    def spins(self) -> bool:
        """On a busy machine a spinning loop gets less than a core, but it is always ready to run: an idle server
        sleeps in the kernel. Either sign, with CPU really used, is a spin."""
        return self.rate > SPIN_LIMIT or (self.ready > 0.5 and self.rate > 0.05)

    def described(self, while_: str) -> str:
        return (f"the server used {self.rate:.0%} of a CPU core while {while_}, and was ready to run in "
                f"{self.ready:.0%} of the samples")


def idle_use(server: ServerTarget) -> IdleUse:
    """Measure the server's CPU use now, over ``IDLE_WINDOW`` (the measurement window itself, not a wait)."""
    before, before_ns = server.cpu_seconds(), server.cpu_ns()
    window = IDLE_WINDOW if before_ns is not None else IDLE_WINDOW_TICKS
    start = time.monotonic()
    samples = runnable = 0
    while time.monotonic() - start < window:
        time.sleep(window / SAMPLES)
        samples += 1
        runnable += server.runnable()
    after_ns = server.cpu_ns() if before_ns is not None else None
    elapsed = time.monotonic() - start
    used = (after_ns - before_ns) / 1e9 if before_ns is not None and after_ns is not None else \
        server.cpu_seconds() - before
    return IdleUse(used / elapsed, runnable / max(1, samples))


_IDLE = f"under {SPIN_LIMIT:.0%} of a core, asleep (an idle server uses about 0%)"


@pytest.mark.req("RES-3")
@pytest.mark.observes_process
def test_does_not_spin_while_idle(server: ServerTarget) -> None:
    """While a client is connected and idle, the server does not spin: it uses well under half a CPU core."""
    since, descriptors = server.mark(), server.fd_count()
    with server.client("idle client") as client:
        if server.spec.role != "greeting-server":  # served: the server holds a descriptor for it (or logged it)
            _until(server, {"a descriptor more": lambda: server.fd_count() > descriptors,
                            "the connection was logged": _named_in_log(server, client, since, times=1)})
        use = idle_use(server)
    if use.spins:
        fail(server, use.described("its only client sat idle"), expected=_IDLE, got=f"{use.rate:.0%}",
             evidence=Evidence(symptom="spin"))


@pytest.mark.req("RES-4")
@pytest.mark.observes_process
def test_does_not_spin_between_datagrams(datagram_server: ServerTarget) -> None:
    """(``udp``, ``unixgram``) While no datagram arrives, the server does not spin: it uses well under half a CPU
    core."""
    datagram_server.require("answered")
    with datagram_server.datagram_client("client before the quiet") as client:  # answered: the server is serving
        client.send(b"Hello")
        client.receive()
    use = idle_use(datagram_server)
    if use.spins:
        fail_with(datagram_server, use.described("no datagram arrived"),
                  {"busy receive loop": TRANSPORT_HINTS["busy receive loop"]}, expected=_IDLE, got=f"{use.rate:.0%}",
                  evidence=Evidence(symptom="recognised"))
